/**
 * Messages between the runtime and a worker, over the worker's own MessagePort (structured clone,
 * no JSON step). One invocation at a time per worker, so replies carry the invocation id only to
 * drop anything stale.
 */
import type { MessagePort } from 'node:worker_threads';

/** `workerData` of a Lambda worker: the code, the context's constant fields and its port. */
export interface WorkerSetup {
  readonly port: MessagePort;
  readonly handler: string;
  readonly codePath?: string;
  readonly inlineCode?: string;
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  /** A string, as Lambda's runtime reads it from AWS_LAMBDA_FUNCTION_MEMORY_SIZE. */
  readonly memoryLimitInMB: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
}

/** Runtime → worker. `deadline` is epoch ms (both threads share the clock) for getRemainingTimeInMillis. */
export interface InvokeMessage {
  id: number;
  event: unknown;
  deadline: number;
}

/** Worker → runtime. */
export type WorkerMessage =
  | { t: 'ready' }
  | { t: 'init-error'; errorType: string; errorMessage: string }
  | { t: 'log'; line: string }
  | { t: 'ok'; id: number; value: unknown }
  /** `fatal`: the instance is exiting (uncaught exception, unhandled rejection); never reuse it. */
  | { t: 'err'; id: number; errorType: string; errorMessage: string; fatal?: boolean };
