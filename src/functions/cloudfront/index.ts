/**
 * CloudFront Functions (cloudfront-js-1.0 and 2.0) as a library: load code as CloudFront's
 * publish would, run it on CloudFront event objects in a sandbox, get back validated output.
 * See README.md in this folder for the contract, the sandbox design and the known gaps.
 */
export {
  type CompileFunctionInput,
  checkFunctionCode,
  compileFunction,
  FunctionCodeError,
} from './compile.js';
export { CompiledFunction } from './compiled-function.js';
export { FunctionEventError } from './event-codec.js';
export {
  type KeyValueIssue,
  type KeyValueReader,
  KeyValueStore,
  KeyValueStoreError,
  parseKeyValueStoreImport,
} from './kvs.js';
export type { FunctionCodeProblem } from './language-level.js';
export * from './limits.js';
export { type FunctionTestResult, toTestResult } from './test-result.js';
export * from './types.js';
