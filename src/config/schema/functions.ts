/**
 * CloudFront Functions, key value stores and Lambda@Edge functions
 * (reference/distribution.md §12–§13, cloudfront-functions.md, lambda-edge.md §6–§7).
 * Per-event Lambda@Edge limits depend on the association and are checked in validate/.
 */
import * as z from 'zod';
import { int, shape } from './common.js';

export const FUNCTION_NAME = /^[a-zA-Z0-9-_]{1,64}$/;

export const functionProperties = shape({
  Name: z.string().regex(FUNCTION_NAME, { error: 'function names are 1–64 characters of a-z A-Z 0-9 - _' }),
  FunctionConfig: shape({
    // Deviation from CloudFront: CloudFormation requires Comment; edgefront defaults it to ''.
    Comment: z.string().max(128).default(''),
    Runtime: z.enum(['cloudfront-js-1.0', 'cloudfront-js-2.0']),
    KeyValueStoreAssociations: z
      .array(shape({ KeyValueStoreARN: z.string().min(1) }))
      .max(1, { error: 'a function can be associated with one key value store' })
      .default(() => []),
  }),
  FunctionCode: z.string().optional(),
  Stage: z.enum(['LIVE', 'DEVELOPMENT']),
  codeFile: z.string().optional(),
});

export const keyValueStoreProperties = shape({
  Name: z
    .string()
    .regex(FUNCTION_NAME, { error: 'key value store names are 1–64 characters of a-z A-Z 0-9 - _' }),
  dataFile: z.string().optional(),
});

export const LAMBDA_VERSION_ARN = /^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9-_]{1,64}:\d+$/;

export const lambdaProperties = shape({
  Arn: z.string().regex(LAMBDA_VERSION_ARN, {
    error: 'Lambda@Edge needs a numbered version ARN: arn:aws:lambda:us-east-1:123456789012:function:NAME:1',
  }),
  Handler: z.string().regex(/^[^\s]+\.[^\s.]+$/, { error: 'Handler is FILE.EXPORT, e.g. index.handler' }),
  Runtime: z.string().regex(/^(nodejs\d+\.x|python3\.\d+)$/, {
    error: 'Lambda@Edge runs Node.js (nodejs20.x…) or Python runtimes',
  }),
  // Origin-event limits here; viewer events (5 s, 128 MB) are checked per association.
  Timeout: int(1, 30),
  MemorySize: int(128, 10240),
  codePath: z.string().optional(),
  inlineCode: z.string().optional(),
});
