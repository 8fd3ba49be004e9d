/**
 * Sandbox-side (see primordials.ts). The runtime's entry points, created once per context before
 * any user code runs:
 * - `run(...)` takes the event as a flat list of primitives (the host's `encodeEvent`), builds the
 *   event object here (event.ts), instantiates the user's script, calls `handler`, and returns
 *   one token string (output-tokens.ts): units spent, log lines, then the output or an error.
 *   For a 2.0 handler that returns a promise it returns `''` and reports later through `settle`.
 * - the host is reached through `hostCall` only, with strings in and out; a host exception is
 *   never rethrown into the context (it would carry the host's `Function`).
 */
import type { createBufferModule } from './buffer.js';
import type { createBytes } from './bytes.js';
import type { createEventCodec } from './event.js';
import type { GlobalsContext, setupGlobals } from './globals.js';
import type { createModules, ModuleContext } from './modules.js';
import type { capturePrimordials } from './primordials.js';

export type HostCall = (op: string, a?: string, b?: string, c?: string, d?: string, e?: string) => string;

export interface SandboxConfig {
  v2: boolean;
  budget: number;
  scriptName: string;
  maxAllocBytes: number;
  maxLogBytes: number;
  maxOutputChars: number;
  serviceUnits: number;
  bytesPerUnit: number;
  kvsAssociated: boolean;
  kvsId: string;
}

export interface SandboxFactories {
  capturePrimordials: typeof capturePrimordials;
  createBytes: typeof createBytes;
  createEventCodec: typeof createEventCodec;
  createBufferModule: typeof createBufferModule;
  createModules: typeof createModules;
  setupGlobals: typeof setupGlobals;
}

/** The user's instrumented script: `(counter, modules) => handler`. */
export type ScriptFactory = (counter: unknown, modules: (name: string) => unknown) => unknown;

export interface Bridge {
  install(factory: ScriptFactory): void;
  run(...args: unknown[]): string;
  /** Ends a pending async run (its promise never settled); returns its envelope. */
  abort(message: string): string;
}

export function createBridge(hostCall: HostCall, configJson: string, F: SandboxFactories): Bridge {
  const P = F.capturePrimordials();
  const C = P.JSONParse(configJson) as SandboxConfig;
  const budget = C.budget;
  const imul = Math.imul;

  // The budget counter. Instrumented code runs `++c.n > budget && c.x()`. Between runs it stays
  // exhausted, so promise callbacks a finished run left behind stop at their first check.
  const counter = P.ObjectCreate(null) as { n: number; x: () => never };
  counter.n = budget + 1;
  const exceeded = new P.Error('compute budget exceeded');
  exceeded.name = 'InternalError';
  P.ObjectFreeze(exceeded);
  counter.x = () => {
    throw exceeded;
  };
  const charge = (units: number) => {
    counter.n += units;
    if (counter.n > budget) counter.x();
  };
  const chargeBytes = (bytes: number) => charge(P.MathFloor(bytes / C.bytesPerUnit));
  const noop = () => {};

  function memoryError(what: string): Error {
    const e = new P.Error(`memory limit exceeded: ${what}`);
    e.name = 'MemoryError';
    return e;
  }

  /** The one way to the host: strings in, a string out; host failures become context errors. */
  function callHost(op: string, a?: string, b?: string, c?: string, d?: string, e?: string): string {
    let r: unknown;
    try {
      r = hostCall(op, a, b, c, d, e);
    } catch {
      r = undefined;
    }
    if (typeof r !== 'string') {
      const err = new P.Error('runtime service failed');
      err.name = 'InternalError';
      throw err;
    }
    return r;
  }
  function service(op: string, a?: string, b?: string, c?: string, d?: string, e?: string): string {
    charge(C.serviceUnits);
    if (d !== undefined) chargeBytes(d.length);
    return callHost(op, a, b, c, d, e);
  }

  // --- per-run state
  let running = false;
  let runId = 0;
  let logs = '';
  let logBytes = 0;
  let rawQuery: string | undefined;
  let rngState = 0;
  let hostRandom = false;
  const runInfo: ModuleContext['run'] = { eventType: '' };
  const clock: GlobalsContext['clock'] = {
    now: 0,
    random() {
      if (hostRandom) {
        const r = callHost('random');
        if (r[0] !== '+') throw new P.Error(P.StringSlice(r, 1));
        return +P.StringSlice(r, 1);
      }
      // splitmix32, seeded per run (CloudFront seeds with the invocation timestamp).
      rngState = (rngState + 0x9e3779b9) | 0;
      let t = rngState ^ (rngState >>> 16);
      t = imul(t, 0x21f0aaad);
      t ^= t >>> 15;
      t = imul(t, 0x735a2d97);
      return ((t ^ (t >>> 15)) >>> 0) / 4294967296;
    },
  };

  function utf8Length(s: string): number {
    let n = s.length;
    for (let i = 0; i < s.length; i++) {
      const c = P.StringCharCodeAt(s, i);
      if (c >= 0x80) n += c >= 0x800 && (c < 0xd800 || c > 0xdfff) ? 2 : 1;
    }
    return n;
  }
  function log(line: string) {
    if (!running || logBytes >= C.maxLogBytes) return;
    let text = line;
    const size = utf8Length(text);
    if (logBytes + size > C.maxLogBytes) {
      text = P.StringSlice(text, 0, C.maxLogBytes - logBytes);
      while (utf8Length(text) > C.maxLogBytes - logBytes) text = P.StringSlice(text, 0, text.length - 1);
    }
    logBytes += size;
    logs += codec.tok('L', text);
  }

  /** JSON of a user value: own enumerable data only, no `toJSON`, bounded in depth and size. */
  function toJson(value: unknown, depth = 0): string | undefined {
    if (value === null) return 'null';
    switch (typeof value) {
      case 'string':
        return P.JSONStringify(value);
      case 'number':
        return P.NumberIsFinite(value) ? `${value}` : 'null';
      case 'boolean':
        return value ? 'true' : 'false';
      case 'object':
        break;
      default:
        return undefined;
    }
    if (depth > 32) throw new P.TypeError('the value is nested too deeply, or circular');
    let out: string;
    if (P.ArrayIsArray(value) || P.ArrayBufferIsView(value)) {
      const list = value as ArrayLike<unknown>;
      const n = list.length;
      out = '[';
      for (let i = 0; i < n; i++) {
        const item = toJson(list[i], depth + 1);
        out += (i === 0 ? '' : ',') + (item === undefined ? 'null' : item);
        if (out.length > C.maxOutputChars) throw memoryError('function output');
      }
      out += ']';
    } else {
      const keys = P.ObjectKeys(value as object);
      out = '{';
      let first = true;
      for (let i = 0; i < keys.length; i++) {
        const item = toJson((value as Record<string, unknown>)[keys[i]], depth + 1);
        if (item === undefined) continue;
        out += (first ? '' : ',') + P.JSONStringify(keys[i]) + ':' + item;
        first = false;
        if (out.length > C.maxOutputChars) throw memoryError('function output');
      }
      out += '}';
    }
    return out;
  }

  /** console.log's text for a value: strings as they are, errors as `Name: message`, else JSON. */
  function format(value: unknown): string {
    if (typeof value === 'string') return value;
    try {
      if (typeof value === 'function')
        return `[Function: ${(value as { name?: string }).name || 'anonymous'}]`;
      if (value === null || typeof value !== 'object') return P.String(value);
      if (value instanceof P.Error) return P.String(value);
      const json = toJson(value);
      return json === undefined ? P.String(value) : json;
    } catch {
      return '[object]';
    }
  }

  const B = F.createBytes(P, chargeBytes);
  const buffer = C.v2 ? F.createBufferModule(P, B, checkAlloc, chargeBytes) : undefined;
  function checkAlloc(bytes: number) {
    if (bytes > C.maxAllocBytes) throw memoryError(`${bytes} bytes`);
  }
  const modules = F.createModules(P, B, buffer, {
    v2: C.v2,
    service,
    toJson,
    run: runInfo,
    kvsAssociated: C.kvsAssociated,
    kvsId: C.kvsId,
    noop,
  });
  const moduleTable: Record<string, unknown> = P.ObjectCreate(null);
  moduleTable.crypto = modules.crypto;
  moduleTable.querystring = modules.querystring;
  if (C.v2) {
    moduleTable.cloudfront = modules.cloudfront;
    moduleTable.buffer = { Buffer: buffer!.Buffer };
  }
  const lookupModule = (name: string) => moduleTable[name];
  F.setupGlobals(P, B, buffer, {
    v2: C.v2,
    scriptName: C.scriptName,
    maxAllocBytes: C.maxAllocBytes,
    clock,
    log,
    format,
    modules: moduleTable,
    memoryError,
  });

  const codec = F.createEventCodec(P, C.v2, () => rawQuery);
  /** The run's own fields, between the request line and the maps (event-codec.ts). */
  function readRunFields(A: ArrayLike<unknown>, from: number): number {
    let at = from;
    rawQuery = A[at++] as string | undefined;
    clock.now = A[at++] as number;
    const seed = A[at++] as number;
    hostRandom = P.NumberIsNaN(seed); // NaN: the host supplies each value
    rngState = hostRandom ? 0 : (seed ^ (seed / 4294967296)) | 0;
    runInfo.eventType = A[0] as string;
    runInfo.edgeName = A[at++] as string | undefined;
    runInfo.edgeIp = A[at++] as string | undefined;
    runInfo.edgeRegion = A[at++] as string | undefined;
    return at;
  }

  // --- running
  let factory: ScriptFactory | undefined;

  function finish(body: string): string {
    const units = counter.n;
    counter.n = budget + 1;
    running = false;
    return codec.tok('U', `${units}`) + logs + body;
  }
  function describe(error: unknown): string {
    if (counter.n > budget || error === exceeded) return 'InternalError: compute budget exceeded';
    try {
      const text = P.String(error);
      return text.length > 4096 ? P.StringSlice(text, 0, 4096) : text;
    } catch {
      return 'Error';
    }
  }
  const failExecution = (error: unknown) => finish(codec.tok('E', describe(error)));
  function succeed(value: unknown): string {
    if (counter.n > budget) return failExecution(exceeded);
    let tokens: string;
    try {
      tokens = codec.encode(value, runInfo.eventType);
    } catch (error) {
      const message = codec.invalidMessage(error);
      if (message === undefined || counter.n > budget) return failExecution(error);
      return finish(codec.tok('V', message));
    }
    if (counter.n > budget) return failExecution(exceeded);
    return finish(tokens);
  }

  function run(): string {
    const id = ++runId;
    logs = '';
    logBytes = 0;
    running = true;
    counter.n = 0;
    try {
      // biome-ignore lint/complexity/noArguments: the event arrives as this call's arguments
      const event = codec.build(arguments, readRunFields);
      const handler = factory!(counter, lookupModule);
      if (typeof handler !== 'function') throw new P.TypeError('handler is not a function');
      const result = handler(event);
      // Only a native promise of this context counts (a thrown brand-check TypeError costs µs).
      if (
        result === null ||
        typeof result !== 'object' ||
        P.ObjectGetPrototypeOf(result) !== P.Promise.prototype
      )
        return succeed(result);
      if (!C.v2) {
        P.PromiseThen(result, noop, noop);
        return finish(
          codec.tok('V', 'the handler returned a Promise: cloudfront-js-1.0 has no async handlers'),
        );
      }
      P.PromiseThen(
        result,
        (value) => {
          if (id === runId && running) callHost('settle', `${id}`, succeed(value));
        },
        (error) => {
          if (id === runId && running) callHost('settle', `${id}`, failExecution(error));
        },
      );
      return '';
    } catch (error) {
      return failExecution(error);
    }
  }

  return {
    install(f: ScriptFactory) {
      factory = f;
    },
    run,
    abort(message: string) {
      runId++;
      return finish(codec.tok('E', message));
    },
  };
}
