/**
 * The runtime's side of one worker (one Lambda instance): starts it, runs one invocation at a time
 * over its own MessageChannel, enforces the timeout by terminating it, and reports when it is gone.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { LambdaFunctionModel } from '../../model/types.js';
import { heapLimits } from './limits.js';
import type { InvokeMessage, WorkerMessage, WorkerSetup } from './protocol.js';
import type { LambdaErrorCode } from './types.js';

const WORKER_URL = new URL('./worker.js', import.meta.url);
const NO_LOGS: readonly string[] = Object.freeze([]);

/** What one run produced before validation: the handler's value, or a failure. */
export type RunOutcome = (
  | { kind: 'value'; value: unknown }
  | { kind: 'error'; error: LambdaErrorCode; message: string }
) & { logs: readonly string[]; durationMs: number; initDurationMs?: number };

/** One invocation for a function version's instances. */
export interface Job {
  readonly event: unknown;
  readonly timeoutMs: number;
  readonly resolve: (o: RunOutcome) => void;
}

export function failedRun(
  error: LambdaErrorCode,
  message: string,
  logs: readonly string[] = NO_LOGS,
): Extract<RunOutcome, { kind: 'error' }> {
  return { kind: 'error', error, message, logs, durationMs: 0 };
}

export interface WorkerOptions {
  readonly fn: LambdaFunctionModel;
  /** The worker's whole environment (Lambda@Edge has no user variables, only Lambda's reserved ones). */
  readonly env: Record<string, string>;
  readonly region: string;
  readonly initTimeoutMs: number;
  /** The worker settled its invocation and may take another. */
  onIdle(w: LambdaWorker): void;
  /** The worker is gone or going (killed, exited, failed to start): never give it work again. Called once. */
  onGone(w: LambdaWorker): void;
}

interface Pending {
  readonly id: number;
  readonly resolve: (o: RunOutcome) => void;
  readonly timer: NodeJS.Timeout;
  readonly started: number;
  logs: string[] | undefined;
}

export class LambdaWorker {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private pending: Pending | undefined;
  /** Log lines that arrived outside an invocation (init, timers after a reply): go with the next one. */
  private spareLogs: string[] | undefined;
  private nextId = 1;
  private lastError: Error | undefined;
  /** The thread has exited. */
  private gone = false;
  /** The pool has been told the instance is gone. */
  private left = false;
  /** Resolves when the handler is loaded (undefined) or failed to load (the failure). */
  readonly ready: Promise<RunOutcome | undefined>;
  /** Set on the first run after a cold start. */
  private initDurationMs: number | undefined;
  /** Resolves once the thread has ended. */
  readonly exited: Promise<void>;
  private onExited: () => void = () => {};

  constructor(private readonly o: WorkerOptions) {
    const { fn } = o;
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const name = fn.Arn.split(':')[6] ?? fn.Arn;
    const version = fn.Arn.split(':')[7] ?? '$LATEST';
    const arnRegion = fn.Arn.split(':')[3] || 'us-east-1';
    const date = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
    const setup: WorkerSetup = {
      port: port2,
      handler: fn.Handler,
      ...(fn.codePath !== undefined ? { codePath: fn.codePath } : {}),
      ...(fn.inlineCode !== undefined ? { inlineCode: fn.inlineCode } : {}),
      // At the edge the replica is named after the Region it was created in (us-east-1.NAME).
      functionName: `${arnRegion}.${name}`,
      functionVersion: version,
      invokedFunctionArn: fn.Arn,
      memoryLimitInMB: String(fn.MemorySize),
      logGroupName: `/aws/lambda/${arnRegion}.${name}`,
      logStreamName: `${date}/[${version}]${randomBytes(16).toString('hex')}`,
    };
    const started = performance.now();
    this.worker = new Worker(WORKER_URL, {
      workerData: setup,
      transferList: [port2],
      env: {
        ...o.env,
        AWS_REGION: o.region,
        AWS_DEFAULT_REGION: o.region,
        AWS_EXECUTION_ENV: `AWS_Lambda_${fn.Runtime}`,
        AWS_LAMBDA_FUNCTION_NAME: setup.functionName,
        AWS_LAMBDA_FUNCTION_VERSION: version,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: setup.memoryLimitInMB,
        AWS_LAMBDA_LOG_GROUP_NAME: setup.logGroupName,
        AWS_LAMBDA_LOG_STREAM_NAME: setup.logStreamName,
        ...(fn.codePath !== undefined ? { LAMBDA_TASK_ROOT: fn.codePath } : {}),
      },
      resourceLimits: heapLimits(fn.MemorySize),
    });
    this.ready = new Promise((resolve) => {
      const initTimer = setTimeout(() => {
        this.onInit(
          this.failure('LambdaLimitExceeded', `the function's code took over ${o.initTimeoutMs} ms to load`),
        );
        this.kill();
      }, o.initTimeoutMs);
      this.onInit = (outcome) => {
        this.onInit = () => {};
        clearTimeout(initTimer);
        this.initDurationMs = performance.now() - started;
        resolve(outcome);
      };
    });
    this.exited = new Promise((resolve) => {
      this.onExited = resolve;
    });
    this.port.on('message', this.onMessage);
    this.worker.on('error', (err) => {
      this.lastError = err;
    });
    this.worker.on('exit', (code) => this.onExit(code));
  }

  private onInit: (outcome: RunOutcome | undefined) => void = () => {};

  /** Runs one invocation. Only called on an idle, ready worker. */
  run({ event, timeoutMs, resolve }: Job): void {
    const id = this.nextId++;
    const timer = setTimeout(this.onTimeout, timeoutMs, timeoutMs);
    this.pending = { id, resolve, timer, started: performance.now(), logs: this.spareLogs };
    this.spareLogs = undefined;
    const message: InvokeMessage = { id, event, deadline: Date.now() + timeoutMs };
    this.port.postMessage(message);
  }

  /** Ends the instance; an invocation still running answers `error` with `message`. */
  kill(error: LambdaErrorCode = 'LambdaExecutionError', message = 'the instance was stopped'): void {
    // Lines the invocation logged before it was stopped go with its answer (they may still be queued).
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port))
      if ((m.message as WorkerMessage).t === 'log') this.onMessage(m.message as WorkerMessage);
    this.settle(error, message);
    if (!this.gone) void this.worker.terminate();
    this.leave();
  }

  /** Back to the pool for the next invocation, unless the instance is ending. */
  private idleAgain(): void {
    if (!this.gone && !this.left) this.o.onIdle(this);
  }

  /** Tells the pool once, as soon as the instance is known to be ending: it takes no more work. */
  private leave(): void {
    if (this.left) return;
    this.left = true;
    this.o.onGone(this);
  }

  private readonly onTimeout = (timeoutMs: number) => {
    // CloudFront: a function that hits its timeout is LambdaLimitExceeded (503).
    this.kill('LambdaLimitExceeded', `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
  };

  private readonly onMessage = (m: WorkerMessage) => {
    switch (m.t) {
      case 'log':
        if (this.pending === undefined) this.spareLogs = appendLine(this.spareLogs, m.line);
        else this.pending.logs = appendLine(this.pending.logs, m.line);
        return;
      case 'ok': {
        const p = this.take(m.id);
        if (p) {
          p.resolve(this.outcome(p, { kind: 'value', value: m.value, logs: NO_LOGS, durationMs: 0 }));
          this.idleAgain();
        }
        return;
      }
      case 'err': {
        const p = this.take(m.id);
        if (m.fatal) this.kill();
        if (!p) return;
        p.resolve(this.outcome(p, this.failure('LambdaExecutionError', `${m.errorType}: ${m.errorMessage}`)));
        if (!m.fatal) this.idleAgain();
        return;
      }
      case 'ready':
        this.onInit(undefined);
        return;
      case 'init-error':
        this.onInit(this.failure('LambdaExecutionError', `${m.errorType}: ${m.errorMessage}`));
        return;
    }
  };

  /** The pending invocation if `id` is its id; it is no longer pending. */
  private take(id: number): Pending | undefined {
    const p = this.pending;
    if (p === undefined || p.id !== id) return undefined;
    clearTimeout(p.timer);
    this.pending = undefined;
    return p;
  }

  private settle(error: LambdaErrorCode, message: string): void {
    const p = this.pending;
    if (p === undefined) return;
    this.take(p.id);
    p.resolve(this.outcome(p, this.failure(error, message)));
  }

  private outcome(p: Pending, o: RunOutcome): RunOutcome {
    o.durationMs = performance.now() - p.started;
    if (p.logs !== undefined) o.logs = p.logs;
    if (this.initDurationMs !== undefined) {
      o.initDurationMs = this.initDurationMs;
      this.initDurationMs = undefined;
    }
    return o;
  }

  private failure(error: LambdaErrorCode, message: string): RunOutcome {
    return failedRun(error, message, this.spareLogs);
  }

  private onExit(code: number): void {
    this.gone = true;
    // What the instance said before it ended (its last log lines, the error it exited on) may
    // still wait on the port: the exit event can overtake it.
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port))
      this.onMessage(m.message as WorkerMessage);
    const oom = (this.lastError as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
    const why = oom
      ? `Runtime exited with error: out of memory (MemorySize ${this.o.fn.MemorySize} MB)`
      : this.lastError
        ? `Runtime exited with error: ${this.lastError.name}: ${this.lastError.message}`
        : `Runtime exited with error: exit status ${code}`;
    this.onInit(this.failure('LambdaExecutionError', `Runtime.ExitError: ${why}`));
    this.settle('LambdaExecutionError', `Runtime.ExitError: ${why}`);
    this.port.close();
    this.leave();
    this.onExited();
  }
}

function appendLine(lines: string[] | undefined, line: string): string[] {
  if (lines === undefined) return [line];
  lines.push(line);
  return lines;
}
