/**
 * Cache behaviours (reference/distribution.md §3, §4.1; caching.md §1.5 for ForwardedValues).
 * Cross-field rules (CachePolicyId XOR ForwardedValues, references, CachedMethods ⊆
 * AllowedMethods) live in validate/behavior.ts.
 */
import * as z from 'zod';
import { PATH_PATTERN_CHARS } from '../../model/path-pattern.js';
import { bool, int, shape } from './common.js';

const METHOD = z.enum(['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE']);
export const ALLOWED_METHOD_SETS = [
  ['GET', 'HEAD'],
  ['GET', 'HEAD', 'OPTIONS'],
  ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
];
export const CACHED_METHOD_SETS = ALLOWED_METHOD_SETS.slice(0, 2);

function isOneOfSets(methods: string[], sets: string[][]): boolean {
  const given = new Set(methods);
  return (
    given.size === methods.length && sets.some((s) => s.length === given.size && s.every((m) => given.has(m)))
  );
}

const methods = (sets: string[][]) =>
  z
    .array(METHOD)
    .refine((m) => isOneOfSets(m, sets), {
      error: `must be exactly one of ${sets.map((s) => `[${s.join(', ')}]`).join(' or ')}`,
    })
    .default(() => ['GET' as const, 'HEAD' as const]);

const forwardedValues = shape({
  QueryString: bool(),
  Cookies: shape({
    Forward: z.enum(['none', 'whitelist', 'all']),
    WhitelistedNames: z.array(z.string()).optional(),
  }).optional(),
  Headers: z.array(z.string().min(1)).max(25).optional(),
  QueryStringCacheKeys: z.array(z.string()).max(10).optional(),
});

const behaviorFields = {
  TargetOriginId: z.string().min(1),
  ViewerProtocolPolicy: z.enum(['allow-all', 'redirect-to-https', 'https-only']),
  AllowedMethods: methods(ALLOWED_METHOD_SETS),
  CachedMethods: methods(CACHED_METHOD_SETS),
  Compress: bool().default(false),
  SmoothStreaming: bool().optional(),
  CachePolicyId: z.string().min(1).optional(),
  OriginRequestPolicyId: z.string().min(1).optional(),
  ResponseHeadersPolicyId: z.string().min(1).optional(),
  ForwardedValues: forwardedValues.optional(),
  MinTTL: int(0).optional(),
  DefaultTTL: int(0).optional(),
  MaxTTL: int(0).optional(),
  FunctionAssociations: z
    .array(
      shape({ EventType: z.enum(['viewer-request', 'viewer-response']), FunctionARN: z.string().min(1) }),
    )
    .max(2)
    .default(() => []),
  LambdaFunctionAssociations: z
    .array(
      shape({
        EventType: z.enum(['viewer-request', 'origin-request', 'origin-response', 'viewer-response']),
        LambdaFunctionARN: z.string().min(1),
        IncludeBody: bool().optional(),
      }),
    )
    .max(4)
    .default(() => []),
  TrustedKeyGroups: z.array(z.string()).max(4).optional(),
  TrustedSigners: z.array(z.string()).optional(),
  FieldLevelEncryptionId: z.string().optional(),
  RealtimeLogConfigArn: z.string().optional(),
  GrpcConfig: shape({ Enabled: bool() }).optional(),
};

export const defaultCacheBehavior = shape(behaviorFields);

export const cacheBehavior = shape({
  PathPattern: z.string().min(1).max(255).regex(PATH_PATTERN_CHARS, {
    error: 'path patterns may only use A-Z a-z 0-9 _ - . * $ / ~ " \' @ : + & and ?',
  }),
  ...behaviorFields,
});
