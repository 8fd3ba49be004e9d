/**
 * The body of CreateFunction and UpdateFunction checked before the state is touched
 * (reference/control-api.md §2.1 "Functions", cloudfront-functions.md §5): FunctionConfig
 * (Comment ≤ 128, Runtime, at most one existing key value store, which needs cloudfront-js-2.0)
 * and FunctionCode (base64, ≤ 10 KB, compiled as CloudFront's publish compiles it).
 */
import { isObj, type Obj } from '../../config/issues.js';
import { describeCodeProblem } from '../../config/validate/function-code.js';
import { ApiError } from '../../errors.js';
import {
  checkFunctionCode,
  FUNCTION_RUNTIMES,
  type FunctionRuntime,
  MAX_CODE_BYTES,
} from '../../functions/cloudfront/index.js';
import type { ControlPlane } from '../control-plane.js';
import { apiList } from '../router.js';

export interface FunctionInput {
  /** SDK-shaped FunctionConfig, as stored and answered. */
  Config: Obj;
  /** The source text. */
  Code: string;
}

const MAX_COMMENT_CHARS = 128;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function invalid(message: string): ApiError {
  return new ApiError('InvalidArgument', message);
}

function readKvsArns(cp: ControlPlane, config: Obj, runtime: string): string[] {
  const list = config.KeyValueStoreAssociations;
  if (list === undefined) return [];
  const items = isObj(list) && Array.isArray(list.Items) ? list.Items : [];
  if (items.length > 1)
    throw invalid('A function can be associated with one key value store (KeyValueStoreAssociations)');
  const arns = items.map((item) => (isObj(item) ? item.KeyValueStoreARN : undefined));
  // The service model gives CreateFunction/UpdateFunction no EntityNotFound: InvalidArgument it is.
  for (const arn of arns) {
    if (typeof arn !== 'string' || !cp.host.model().keyValueStores.has(arn)) {
      throw invalid(`KeyValueStoreAssociations: the key value store ${String(arn)} does not exist`);
    }
  }
  if (arns.length && runtime !== 'cloudfront-js-2.0') {
    throw invalid('Key value stores can be associated only with cloudfront-js-2.0 functions');
  }
  return arns as string[];
}

function readConfig(cp: ControlPlane, config: unknown): Obj {
  if (!isObj(config)) throw invalid('FunctionConfig is required');
  const { Comment, Runtime } = config;
  if (typeof Comment !== 'string') throw invalid('FunctionConfig.Comment is required (it may be empty)');
  if (Comment.length > MAX_COMMENT_CHARS) {
    throw invalid(
      `FunctionConfig.Comment is ${Comment.length} characters; the limit is ${MAX_COMMENT_CHARS}`,
    );
  }
  const runtime = FUNCTION_RUNTIMES.find((r) => r === Runtime);
  if (!runtime) {
    throw invalid(
      `FunctionConfig.Runtime must be ${FUNCTION_RUNTIMES.join(' or ')} (got "${String(Runtime)}")`,
    );
  }
  const arns = readKvsArns(cp, config, runtime);
  return {
    Comment,
    Runtime: runtime,
    ...(config.KeyValueStoreAssociations === undefined
      ? {}
      : { KeyValueStoreAssociations: apiList(arns.map((KeyValueStoreARN) => ({ KeyValueStoreARN }))) }),
  };
}

/** FunctionCode (base64) → source text, refused as CloudFront's publish would refuse it. */
function readCode(value: unknown, runtime: FunctionRuntime): string {
  const text = typeof value === 'string' ? value.replace(/\s+/g, '') : '';
  if (text === '') throw invalid('FunctionCode is required');
  if (!BASE64.test(text)) throw invalid('FunctionCode must be base64');
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length > MAX_CODE_BYTES) {
    throw new ApiError(
      'FunctionSizeLimitExceeded',
      `The function code is ${bytes.length} bytes; CloudFront Functions allow ${MAX_CODE_BYTES}`,
    );
  }
  const code = bytes.toString('utf8');
  const problems = checkFunctionCode({ runtime, code }).problems;
  if (problems.length) {
    throw invalid(
      `The function code is not valid: ${problems.map((p) => describeCodeProblem('FunctionCode', p)).join('; ')}`,
    );
  }
  return code;
}

/** `{ FunctionConfig, FunctionCode }` of a Create or Update body, checked. */
export function readFunctionInput(cp: ControlPlane, body: Obj): FunctionInput {
  const Config = readConfig(cp, body.FunctionConfig);
  return { Config, Code: readCode(body.FunctionCode, Config.Runtime as FunctionRuntime) };
}
