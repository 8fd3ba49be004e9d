/**
 * Sandbox-side (see primordials.ts). Shapes the context's global object into the runtime's
 * (reference §2.2–2.3): removes what CloudFront Functions lack, adds `console`, `require`, the
 * error types, 2.0's Buffer/TextEncoder/TextDecoder/atob/btoa and 1.0's byte-string helpers, pins
 * `Date` to the invocation start, makes `Math.random` seedable, caps allocations, and keeps stack
 * traces to the function's own frames.
 */
import type { BufferModule } from './buffer.js';
import type { Bytes } from './bytes.js';
import type { Primordials } from './primordials.js';

export interface GlobalsContext {
  v2: boolean;
  scriptName: string;
  maxAllocBytes: number;
  /** Per-run values, read at call time. */
  clock: { now: number; random: () => number };
  log: (line: string) => void;
  format: (value: unknown) => string;
  modules: Record<string, unknown>;
  memoryError: (what: string) => Error;
}

export function setupGlobals(P: Primordials, B: Bytes, buffer: BufferModule | undefined, G: GlobalsContext) {
  const g = globalThis as unknown as Record<string, unknown>;
  const define = (target: object, name: string, value: unknown) =>
    P.ObjectDefineProperty(target, name, { value, writable: true, configurable: true, enumerable: false });
  // Globals V8 has and CloudFront Functions do not (§2.2: anything not listed is unsupported).
  // Deviation from CloudFront: some may exist there unlisted; refusing them errs on the safe side.
  const removed = [
    'WebAssembly',
    'SharedArrayBuffer',
    'Atomics',
    'FinalizationRegistry',
    'WeakRef',
    'Proxy',
    'Reflect',
    'Intl',
    'Map',
    'Set',
    'WeakMap',
    'WeakSet',
    'BigInt',
    'BigInt64Array',
    'BigUint64Array',
    'escape',
    'unescape',
  ];
  if (!G.v2) removed.push('DataView', 'AggregateError');
  for (const name of removed) delete g[name];

  // 2.0-only members (§2.2) leave 1.0; members listed for neither runtime leave both.
  const drop = (target: object, names: string[]) => {
    for (const n of names) delete (target as Record<string, unknown>)[n];
  };
  drop(Array, ['from']);
  drop(Array.prototype, ['flat', 'flatMap']);
  if (!G.v2) {
    drop(Object, ['getOwnPropertyDescriptors']);
    drop(String.prototype, ['replaceAll']);
    drop(Promise, ['all', 'allSettled', 'any', 'race']);
    drop(Symbol, ['for', 'keyFor']);
    drop(P.TypedArray, ['from', 'of']);
    drop(P.TypedArray.prototype, [
      'every',
      'filter',
      'find',
      'findIndex',
      'forEach',
      'includes',
      'indexOf',
      'lastIndexOf',
      'map',
      'reduce',
      'reduceRight',
      'reverse',
      'some',
      'sort',
    ]);
  }

  // Error types (§2.2): InternalError in both, MemoryError in 1.0.
  const errorType = (name: string) => {
    const E = function (this: Error, message?: string) {
      const e = P.ReflectConstruct(P.Error, [message], new.target ?? E) as Error;
      return e;
    } as unknown as ErrorConstructor;
    (E as { prototype: unknown }).prototype = P.ObjectCreate(P.Error.prototype, {
      constructor: { value: E, writable: true, configurable: true },
      name: { value: name, writable: true, configurable: true },
    });
    P.ObjectSetPrototypeOf(E, P.Error);
    return E;
  };
  define(g, 'InternalError', errorType('InternalError'));
  if (!G.v2) define(g, 'MemoryError', errorType('MemoryError'));

  // console.log only (§2.2); 2.0 documents one argument.
  const consoleObject = P.ObjectCreate(P.ObjectGetPrototypeOf({}));
  define(consoleObject, 'log', function log(...args: unknown[]) {
    if (G.v2 || args.length <= 1) {
      G.log(args.length === 0 ? '' : G.format(args[0]));
      return;
    }
    let line = '';
    for (let i = 0; i < args.length; i++) line += (i === 0 ? '' : ' ') + G.format(args[i]);
    G.log(line);
  });
  define(g, 'console', consoleObject);

  // require() for crypto and querystring in both runtimes (§2.1).
  define(g, 'require', function require(name: unknown) {
    if (name === 'crypto' || name === 'querystring') return G.modules[name];
    throw new P.Error(`Cannot find module '${P.String(name)}'`);
  });

  // Date: every "now" is the invocation start time (§2.2).
  const OriginalDate = P.Date;
  const PinnedDate = function (this: unknown, ...args: unknown[]) {
    if (new.target === undefined) return new OriginalDate(G.clock.now).toString();
    return P.ReflectConstruct(OriginalDate, args.length === 0 ? [G.clock.now] : args, new.target);
  } as unknown as DateConstructor;
  (PinnedDate as { prototype: unknown }).prototype = OriginalDate.prototype;
  P.ObjectDefineProperty(PinnedDate, 'name', { value: 'Date' });
  define(OriginalDate.prototype, 'constructor', PinnedDate);
  define(PinnedDate, 'now', function now() {
    return G.clock.now;
  });
  define(PinnedDate, 'parse', OriginalDate.parse);
  define(PinnedDate, 'UTC', OriginalDate.UTC);
  define(g, 'Date', PinnedDate);

  define(Math, 'random', function random() {
    return G.clock.random();
  });

  // Allocation caps (README "Memory"): the natives whose size an argument chooses.
  const cap = G.maxAllocBytes;
  const capCtor = (name: string) => {
    const Original = g[name] as Uint8ArrayConstructor;
    const size = (Original as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
    const Capped = function (this: unknown, ...args: unknown[]) {
      if (new.target === undefined) throw new P.TypeError(`Constructor ${name} requires 'new'`);
      const a = args[0];
      const n =
        typeof a === 'number'
          ? a
          : a !== null && typeof a === 'object' && !(a instanceof P.ArrayBuffer)
            ? (a as { length?: unknown }).length
            : 0;
      if (typeof n === 'number' && n * size > cap) throw G.memoryError(`new ${name}(${n})`);
      return P.ReflectConstruct(Original, args, new.target);
    } as unknown as Uint8ArrayConstructor;
    P.ObjectSetPrototypeOf(Capped, P.ObjectGetPrototypeOf(Original));
    for (const key of P.ObjectGetOwnPropertyNames(Original)) {
      if (key !== 'prototype' && key !== 'length' && key !== 'name')
        P.ObjectDefineProperty(Capped, key, P.ObjectGetOwnPropertyDescriptor(Original, key)!);
    }
    P.ObjectDefineProperty(Capped, 'name', { value: name });
    (Capped as { prototype: unknown }).prototype = Original.prototype;
    define(Original.prototype, 'constructor', Capped);
    define(g, name, Capped);
  };
  for (const name of [
    'ArrayBuffer',
    'Int8Array',
    'Uint8Array',
    'Uint8ClampedArray',
    'Int16Array',
    'Uint16Array',
    'Int32Array',
    'Uint32Array',
    'Float32Array',
    'Float64Array',
  ])
    capCtor(name);
  const maxChars = cap;
  define(String.prototype, 'repeat', function repeat(this: string, count: number) {
    if (this.length * count > maxChars) throw G.memoryError('String.prototype.repeat');
    return P.StringRepeat(this, count);
  });
  define(String.prototype, 'padStart', function padStart(this: string, n: number, fill?: string) {
    if (n > maxChars) throw G.memoryError('String.prototype.padStart');
    return P.StringPadStart(this, n, fill);
  });
  define(String.prototype, 'padEnd', function padEnd(this: string, n: number, fill?: string) {
    if (n > maxChars) throw G.memoryError('String.prototype.padEnd');
    return P.StringPadEnd(this, n, fill);
  });
  define(
    Array.prototype,
    'fill',
    function fill(this: unknown[], value: unknown, start?: number, end?: number) {
      if (this.length * 8 > cap) throw G.memoryError('Array.prototype.fill');
      return P.ArrayFill(this, value, start, end);
    },
  );

  if (buffer) {
    define(g, 'Buffer', buffer.Buffer);
    define(g, 'TextEncoder', buffer.TextEncoder);
    define(g, 'TextDecoder', buffer.TextDecoder);
    define(g, 'atob', buffer.atob);
    define(g, 'btoa', buffer.btoa);
  } else {
    // 1.0's non-standard byte-string helpers (§2.2).
    const range = (s: string, start?: number, end?: number) =>
      P.StringSlice(s, start === undefined ? 0 : start, end === undefined ? s.length : end);
    const bytesFrom = function bytesFrom(value: unknown, encoding?: string) {
      if (typeof value === 'string') return B.encode(value, B.encodingName(encoding) ?? 'hex');
      if (P.ArrayIsArray(value)) {
        const codes: number[] = [];
        for (let i = 0; i < value.length; i++) codes[i] = (value[i] as number) & 255;
        return B.fromCodes(codes, codes.length);
      }
      throw new P.TypeError('bytesFrom: value must be an array of octets or an encoded string');
    };
    define(String, 'bytesFrom', bytesFrom);
    define(String.prototype, 'bytesFrom', bytesFrom);
    define(String.prototype, 'fromBytes', function fromBytes(this: string, start?: number, end?: number) {
      return range(this, start, end);
    });
    define(String.prototype, 'fromUTF8', function fromUTF8(this: string, start?: number, end?: number) {
      return B.utf8Decode(range(this, start, end), true);
    });
    define(String.prototype, 'toBytes', function toBytes(this: string, start?: number, end?: number) {
      const s = range(this, start, end);
      for (let i = 0; i < s.length; i++) if (P.StringCharCodeAt(s, i) > 255) return null;
      return s;
    });
    define(String.prototype, 'toUTF8', function toUTF8(this: string, start?: number, end?: number) {
      return B.utf8Encode(range(this, start, end));
    });
  }

  // Stack traces show the function's own frames only, never the host's.
  const formatStack = (error: unknown, frames: { getFileName(): unknown; toString(): string }[]) => {
    let text = G.format(error);
    for (let i = 0; i < frames.length; i++) {
      if (frames[i].getFileName() === G.scriptName) text += `\n    at ${frames[i].toString()}`;
    }
    return text;
  };
  P.ObjectDefineProperty(P.Error, 'prepareStackTrace', {
    value: formatStack,
    writable: false,
    configurable: false,
  });
}
