/** The Lambda@Edge runtime's public surface (README.md in this folder). */
export { requestBodyForEvent } from './body.js';
export { EVENT_LIMITS, type EventLimits, heapLimits } from './limits.js';
export {
  createLambdaRuntime,
  type LambdaInvokeOptions,
  type LambdaPoolStats,
  type LambdaRuntime,
  type LambdaRuntimeOptions,
} from './runtime.js';
export * from './types.js';
export { validateResult } from './validate.js';
