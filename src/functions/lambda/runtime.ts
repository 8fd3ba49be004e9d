/**
 * The Lambda@Edge runtime: runs a function version's handler on a Lambda@Edge event in a worker
 * thread (never in the server's isolate) and checks what it returns against CloudFront's rules.
 * The pipeline builds the event and applies the normalised result; this module knows nothing of
 * exchanges. See README.md in this folder for the contract and the design notes.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { LambdaFunctionModel } from '../../model/types.js';
import { failedRun, type RunOutcome } from './lambda-worker.js';
import { EVENT_LIMITS, isViewerEvent } from './limits.js';
import { FunctionPool, type PoolStats } from './pool.js';
import type { LambdaEdgeEvent, LambdaEventType, LambdaInvokeResult } from './types.js';
import { validateResult } from './validate.js';

export interface LambdaRuntimeOptions {
  /** Instances (workers) per function version. Default: min(4, available CPUs). */
  readonly maxWorkersPerFunction?: number;
  /** Invocations that may wait for a busy function's instances; more are LambdaLimitExceeded. Default 1000. */
  readonly maxQueuedPerFunction?: number;
  /** Ceiling on a viewer event's run, whatever the function's Timeout says. Default 5000 (§6). */
  readonly viewerTimeoutMs?: number;
  /** Ceiling on an origin event's run. Default 30000 (§6). */
  readonly originTimeoutMs?: number;
  /** Loading the code (Lambda's init phase). Default 10000, as Lambda's init limit. */
  readonly initTimeoutMs?: number;
  /** The Region the function "runs in": AWS_REGION, AWS_DEFAULT_REGION. Default 'us-east-1'. */
  readonly region?: string;
  /**
   * The handlers' environment besides Lambda's reserved variables. Lambda@Edge has no user
   * variables: default PATH, LANG and the AWS credential variables of this process, nothing else
   * (so the server's own secrets never reach function code).
   */
  readonly env?: Record<string, string>;
}

export interface LambdaInvokeOptions {
  /** Overrides the timeout (default: the function's Timeout, capped by the event's ceiling). */
  readonly timeoutMs?: number;
}

export interface LambdaRuntime {
  /**
   * Runs `fn` on `event` (its Records[0].cf holds request, and response for response events; the
   * runtime keeps `event` unchanged and checks the function's copy against it). Never rejects for
   * function failures: they are `{ kind: 'error' }` results. Throws TypeError for a malformed event.
   */
  invoke(
    fn: LambdaFunctionModel,
    eventType: LambdaEventType,
    event: LambdaEdgeEvent,
    options?: LambdaInvokeOptions,
  ): Promise<LambdaInvokeResult>;
  /**
   * New code for `fn.Arn` (serve --watch): later invocations start fresh instances of it; running
   * ones finish on the old instances, which then end. Invoking with a changed model does the same.
   */
  reload(fn: LambdaFunctionModel): void;
  /** Starts an instance of `fn` now, reporting a code that does not load (message and init logs). */
  warm(fn: LambdaFunctionModel): Promise<{ error?: string; logs: readonly string[] }>;
  /** Ends a function's instances (it left the config). */
  unload(Arn: string): void;
  /** Instances and queue per function version, for /debug and tests. */
  stats(): PoolStats[];
  /** Ends every instance; running invocations answer LambdaExecutionError. */
  close(): Promise<void>;
}

export type { PoolStats as LambdaPoolStats } from './pool.js';

const RESERVED_PASS_THROUGH = [
  'PATH',
  'LANG',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
];

export function createLambdaRuntime(options: LambdaRuntimeOptions = {}): LambdaRuntime {
  const env: Record<string, string> = options.env ?? defaultEnv();
  const poolOptions = {
    maxWorkers: options.maxWorkersPerFunction ?? Math.max(1, Math.min(4, availableParallelism())),
    maxQueued: options.maxQueuedPerFunction ?? 1000,
    env,
    region: options.region ?? 'us-east-1',
    initTimeoutMs: options.initTimeoutMs ?? 10_000,
    onDrained: (pool: FunctionPool) => retired.delete(pool),
  };
  const viewerTimeoutMs = options.viewerTimeoutMs ?? EVENT_LIMITS['viewer-request'].timeoutMs;
  const originTimeoutMs = options.originTimeoutMs ?? EVENT_LIMITS['origin-request'].timeoutMs;
  const pools = new Map<string, FunctionPool>();
  /** Replaced versions whose instances are still finishing an invocation. */
  const retired = new Set<FunctionPool>();
  let closed = false;

  function reload(fn: LambdaFunctionModel): FunctionPool {
    const old = pools.get(fn.Arn);
    const pool = new FunctionPool(fn, (old?.generation ?? 0) + 1, poolOptions);
    pools.set(fn.Arn, pool);
    if (old) {
      retired.add(old);
      old.retire(pool);
    }
    return pool;
  }

  function poolFor(fn: LambdaFunctionModel): FunctionPool {
    const pool = pools.get(fn.Arn);
    if (pool === undefined) return reload(fn);
    if (pool.fn === fn) return pool;
    if (!sameCode(pool.fn, fn)) return reload(fn);
    pool.fn = fn;
    return pool;
  }

  return {
    invoke(fn, eventType, event, invokeOptions) {
      checkEvent(eventType, event);
      if (closed) return Promise.resolve(failedRun('LambdaExecutionError', 'the Lambda runtime is closed'));
      const ceiling = isViewerEvent(eventType) ? viewerTimeoutMs : originTimeoutMs;
      const timeoutMs =
        invokeOptions?.timeoutMs ?? (fn.Timeout > 0 ? Math.min(fn.Timeout * 1000, ceiling) : ceiling);
      const pool = poolFor(fn);
      return new Promise((resolve, reject) => {
        const settle = (o: RunOutcome) => {
          try {
            resolve(finish(eventType, event, o));
          } catch (err) {
            reject(err); // an event the checks could not read (a caller's bug), never the server's crash
          }
        };
        pool.submit({ event, timeoutMs, resolve: settle });
      });
    },
    reload(fn) {
      if (!closed) reload(fn);
    },
    async warm(fn) {
      if (closed) return { error: 'the Lambda runtime is closed', logs: [] };
      const failure = await poolFor(fn).warm();
      return failure?.kind === 'error' ? { error: failure.message, logs: failure.logs } : { logs: [] };
    },
    unload(Arn) {
      const pool = pools.get(Arn);
      if (pool === undefined) return;
      pools.delete(Arn);
      retired.add(pool);
      pool.retire(undefined);
    },
    stats() {
      return [...pools.values(), ...retired].map((p) => p.stats());
    },
    async close() {
      closed = true;
      const all = [...pools.values(), ...retired];
      pools.clear();
      await Promise.all(all.map((p) => p.close()));
    },
  };
}

/** Validates a handler's value; the validation time counts in durationMs. */
function finish(eventType: LambdaEventType, event: LambdaEdgeEvent, o: RunOutcome): LambdaInvokeResult {
  if (o.kind === 'error') return o;
  const t = performance.now();
  const outcome = validateResult(eventType, event, o.value);
  const result = outcome as LambdaInvokeResult;
  result.logs = o.logs;
  result.durationMs = o.durationMs + (performance.now() - t);
  if (o.initDurationMs !== undefined) result.initDurationMs = o.initDurationMs;
  return result;
}

function checkEvent(eventType: LambdaEventType, event: LambdaEdgeEvent): void {
  const cf = event?.Records?.[0]?.cf;
  if (typeof cf?.request !== 'object' || cf.request === null)
    throw new TypeError('a Lambda@Edge event is { Records: [{ cf: { config, request, response? } }] }');
  const responseEvent = eventType === 'origin-response' || eventType === 'viewer-response';
  if (responseEvent && (typeof cf.response !== 'object' || cf.response === null))
    throw new TypeError(`a ${eventType} event carries Records[0].cf.response`);
}

function sameCode(a: LambdaFunctionModel, b: LambdaFunctionModel): boolean {
  return (
    a.Handler === b.Handler &&
    a.Runtime === b.Runtime &&
    a.MemorySize === b.MemorySize &&
    a.codePath === b.codePath &&
    a.inlineCode === b.inlineCode
  );
}

function defaultEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of RESERVED_PASS_THROUGH) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  return env;
}
