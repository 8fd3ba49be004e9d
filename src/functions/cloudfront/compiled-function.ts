/**
 * A loaded function and its invocations. The host side of the sandbox protocol lives here: the
 * event goes in as primitives (event-codec.ts), one envelope string comes back, and the runtime's
 * services (hashing, KVS reads, origin helpers, host-supplied randomness) answer `hostCall`,
 * which takes and returns strings only and never throws.
 */
import { createHash, createHmac } from 'node:crypto';
import { checkEvent, encodeEvent } from './event-codec.js';
import type { KeyValueReader } from './kvs.js';
import { COMPUTE_BUDGET } from './limits.js';
import { checkOriginCall } from './origin-helpers.js';
import { decodeRunTokens } from './output-tokens.js';
import type { SandboxConfig } from './sandbox/bridge.js';
import { createSandbox, type Sandbox } from './sandbox/script.js';
import type {
  FunctionErrorKind,
  FunctionEvent,
  FunctionEventType,
  FunctionOutput,
  FunctionRunResult,
  FunctionRuntime,
  OriginOverride,
  RunOptions,
} from './types.js';
import { validateOutput } from './validate-output.js';

interface RunState {
  event: FunctionEvent;
  eventType: FunctionEventType;
  options: RunOptions;
  origin?: OriginOverride;
  originError?: string;
  settle?: (envelope: string) => void;
}

const DIGEST_ALGORITHMS = new Set(['md5', 'sha1', 'sha256']);
const INTERNAL_ERROR = 'InternalError: the function runtime failed';
const DIGEST_ENCODINGS = new Set(['hex', 'base64', 'base64url', 'latin1', 'binary']);

export class CompiledFunction {
  readonly #sandbox: Sandbox;
  #state: RunState | undefined;
  #inflight: Promise<unknown> | undefined;

  /** Use `compileFunction()`: `source` is instrument.ts's output for checked code. */
  constructor(
    readonly name: string,
    readonly runtime: FunctionRuntime,
    private readonly kvs: KeyValueReader | undefined,
    source: string,
    config: SandboxConfig,
  ) {
    this.#sandbox = createSandbox(config, this.#hostCall, source);
  }

  /**
   * Runs the handler on `event`. Synchronous unless the handler returns a promise (2.0 async
   * handlers), or an async run of this function is still in flight (runs of one function are
   * serialised; each async run ends within the microtasks of its turn, as KVS reads are
   * synchronous). Throws FunctionEventError for a malformed event; everything the function does
   * wrong is in the result.
   */
  run(event: FunctionEvent, options: RunOptions = {}): FunctionRunResult | Promise<FunctionRunResult> {
    if (this.#inflight) return this.#inflight.then(() => this.run(event, options));
    const eventType = checkEvent(event);
    const now = options.now ?? Date.now();
    const random = options.random;
    const seed = typeof random === 'number' ? random : typeof random === 'function' ? Number.NaN : now;
    const args = encodeEvent(event, options, now, seed);
    const state: RunState = { event, eventType, options };
    const sandbox = this.#sandbox;
    this.#state = state;
    let tokens: string;
    try {
      tokens = Reflect.apply(sandbox.run, undefined, args) as string;
    } catch {
      // The runtime catches everything the function throws; this is the runtime failing (never
      // expected). The thrown value is a context object: dropped unread.
      tokens = `U1:1E${INTERNAL_ERROR.length}:${INTERNAL_ERROR}`;
    }
    if (tokens !== '') {
      this.#state = undefined;
      return this.#finish(tokens, state);
    }
    const pending = new Promise<FunctionRunResult>((resolve) => {
      let done = false;
      state.settle = (env) => {
        if (done) return;
        done = true;
        this.#state = undefined;
        resolve(this.#finish(env, state));
      };
      // Nothing the handler can await outlives this turn's microtasks (no timers, no I/O).
      setImmediate(() => {
        if (!done) state.settle!(sandbox.abort("Error: the handler's promise never settled"));
      });
    });
    this.#inflight = pending.finally(() => {
      this.#inflight = undefined;
    });
    return pending;
  }

  #finish(tokens: string, state: RunState): FunctionRunResult {
    const run = decodeRunTokens(tokens);
    const computeUtilization = Math.max(1, Math.min(100, Math.ceil((run.units * 100) / COMPUTE_BUDGET)));
    const failed = (kind: FunctionErrorKind, message: string): FunctionRunResult => ({
      computeUtilization,
      logs: run.logs,
      error: { kind, message },
      functionOutput: '',
    });
    if (run.execution !== undefined) return failed('execution', run.execution);
    if (run.validation !== undefined) return failed('validation', run.validation);
    if (state.originError) return failed('validation', state.originError);
    const checked = validateOutput(state.eventType, state.event, run.output!, state.options.rawQueryString);
    if (!checked.ok) return failed('validation', checked.message);
    return new RunResult(computeUtilization, run.logs, checked.output, state.origin, checked.functionOutput);
  }

  /** The sandbox's only way out. Strings in, a string out: `+result`, `-` (not found) or `!message`. */
  readonly #hostCall = (op: string, a?: string, b?: string, c?: string, d?: string, e?: string): string => {
    try {
      const state = this.#state;
      switch (op) {
        case 'digest':
          return `+${digest(a, b === '1', c, d, e)}`;
        case 'kvs.get': {
          if (!this.kvs) return '!No KeyValueStore is associated with this function';
          const value = this.kvs.get(String(a));
          return value === undefined ? '-' : `+${value}`;
        }
        case 'kvs.exists':
          if (!this.kvs) return '!No KeyValueStore is associated with this function';
          return this.kvs.get(String(a)) === undefined ? '+0' : '+1';
        case 'kvs.meta': {
          const meta = this.kvs?.meta?.();
          return meta ? `+${JSON.stringify(meta)}` : '!KeyValueStore metadata is not available';
        }
        case 'origin': {
          if (!state) return '!no invocation is running';
          const checked = checkOriginCall(
            String(a),
            JSON.parse(String(b)),
            c ? JSON.parse(c) : undefined,
            state.event,
          );
          if ('override' in checked) state.origin = checked.override;
          else state.originError ??= checked.message;
          return '+';
        }
        case 'random': {
          const fn = state?.options.random;
          const x = typeof fn === 'function' ? fn() : 0;
          return `+${typeof x === 'number' && x >= 0 && x < 1 ? x : 0}`;
        }
        case 'settle':
          state?.settle?.(String(b));
          return '+';
        default:
          return `!unknown runtime service ${String(op)}`;
      }
    } catch (error) {
      return `!${error instanceof Error ? error.message : 'runtime service failed'}`;
    }
  };
}

/** A successful run; `functionOutput` is built on first read (only TestFunction needs it). */
class RunResult implements FunctionRunResult {
  #json: string | undefined;
  constructor(
    readonly computeUtilization: number,
    readonly logs: string[],
    readonly output: FunctionOutput,
    readonly origin: OriginOverride | undefined,
    private readonly toFunctionOutput: () => string,
  ) {}
  get functionOutput(): string {
    this.#json ??= this.toFunctionOutput();
    return this.#json;
  }
}

function digest(alg?: string, hmac?: boolean, key?: string, data?: string, encoding?: string): string {
  if (!alg || !DIGEST_ALGORITHMS.has(alg) || !encoding || !DIGEST_ENCODINGS.has(encoding))
    throw new Error('Digest method not supported');
  const h = hmac ? createHmac(alg, Buffer.from(key ?? '', 'latin1')) : createHash(alg);
  h.update(Buffer.from(data ?? '', 'latin1'));
  return h.digest(encoding as 'hex');
}
