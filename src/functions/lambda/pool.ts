/**
 * The workers of one function version, as Lambda keeps instances: each runs one invocation at a
 * time and stays warm for the next (the most recently used first, so module state carries over
 * between consecutive calls). At most `maxWorkers` instances; more concurrent invocations wait in
 * a bounded queue, past which they are throttled (LambdaLimitExceeded, as CloudFront answers when
 * Lambda throttles). A worker that dies is dropped and replaced when work needs one.
 */
import type { LambdaFunctionModel } from '../../model/types.js';
import { failedRun, type Job, LambdaWorker, type RunOutcome } from './lambda-worker.js';

export type { Job } from './lambda-worker.js';

export interface PoolOptions {
  readonly maxWorkers: number;
  readonly maxQueued: number;
  readonly env: Record<string, string>;
  readonly region: string;
  readonly initTimeoutMs: number;
  /** A retired pool's last worker is gone. */
  onDrained(pool: FunctionPool): void;
}

export interface PoolStats {
  readonly Arn: string;
  readonly generation: number;
  readonly workers: number;
  readonly idle: number;
  readonly starting: number;
  readonly busy: number;
  readonly queued: number;
}

const CLOSED = 'the Lambda runtime was closed';

export class FunctionPool {
  private idle: LambdaWorker[] = [];
  private readonly workers = new Set<LambdaWorker>();
  private queue: Job[] = [];
  private starting = 0;
  /** Replaced by a newer version (reload) or closed: takes no new work; workers end as they finish. */
  private retired = false;

  constructor(
    /** The model this pool runs; swapped for an equal one when the config is reloaded unchanged. */
    public fn: LambdaFunctionModel,
    readonly generation: number,
    private readonly o: PoolOptions,
  ) {}

  submit(job: Job): void {
    const w = this.queue.length === 0 ? this.idle.pop() : undefined;
    if (w !== undefined) w.run(job);
    else if (this.queue.length >= this.o.maxQueued) {
      const waiting = `${this.queue.length} invocations already wait for this function's ${this.o.maxWorkers} instances`;
      job.resolve(failedRun('LambdaLimitExceeded', `Rate exceeded: ${waiting}`));
    } else {
      this.queue.push(job);
      this.pump();
    }
  }

  /** Starts an instance unless one exists; resolves with the load failure, if any. */
  warm(): Promise<RunOutcome | undefined> {
    return this.workers.size === 0 ? this.spawn().ready : Promise.resolve(undefined);
  }

  /** Queued work moves to `next`; idle instances end now, busy ones when their invocation is answered. */
  retire(next: FunctionPool | undefined): void {
    this.retired = true;
    const queued = this.queue;
    this.queue = [];
    for (const job of queued)
      if (next) next.submit(job);
      else job.resolve(failedRun('LambdaExecutionError', CLOSED));
    for (const w of this.idle) w.kill();
    this.idle = [];
    if (this.workers.size === 0) this.o.onDrained(this);
  }

  /** Ends every instance now; running invocations answer LambdaExecutionError. */
  close(): Promise<void> {
    const all = [...this.workers];
    this.retire(undefined);
    for (const w of all) w.kill('LambdaExecutionError', CLOSED);
    return Promise.all(all.map((w) => w.exited)).then(() => {});
  }

  stats(): PoolStats {
    const { workers, idle, starting, queue } = this;
    return {
      Arn: this.fn.Arn,
      generation: this.generation,
      workers: workers.size,
      idle: idle.length,
      starting,
      busy: workers.size - idle.length - starting,
      queued: queue.length,
    };
  }

  private pump(): void {
    while (this.queue.length > 0 && this.idle.length > 0) {
      this.idle.pop()!.run(this.queue.shift()!);
    }
    while (this.queue.length > this.starting && this.workers.size < this.o.maxWorkers) this.spawn();
  }

  private spawn(): LambdaWorker {
    const { o } = this;
    const w = new LambdaWorker({
      fn: this.fn,
      env: o.env,
      region: o.region,
      initTimeoutMs: o.initTimeoutMs,
      onIdle: (worker) => this.release(worker),
      onGone: (worker) => this.remove(worker),
    });
    this.workers.add(w);
    this.starting++;
    void w.ready.then((failure) => {
      this.starting--;
      if (failure === undefined) this.release(w);
      else {
        // The code did not load: the invocation that asked for this instance gets the reason.
        this.queue.shift()?.resolve(failure);
        w.kill();
        if (!this.retired) this.pump();
      }
    });
    return w;
  }

  private release(w: LambdaWorker): void {
    const job = this.retired ? undefined : this.queue.shift();
    if (this.retired) w.kill();
    else if (job !== undefined) w.run(job);
    else this.idle.push(w);
  }

  private remove(w: LambdaWorker): void {
    if (!this.workers.delete(w)) return;
    const i = this.idle.indexOf(w);
    if (i >= 0) this.idle.splice(i, 1);
    if (!this.retired) this.pump();
    else if (this.workers.size === 0) this.o.onDrained(this);
  }
}
