/**
 * Sandbox-side code (runs inside the function's V8 context, see README "Sandbox"): every function
 * in `sandbox/` except `script.ts` is turned into source with `.toString()` and evaluated in the
 * context, so it may reference nothing outside itself but its parameters and the context's
 * globals.
 *
 * The context's built-ins, captured before user code runs: user code may replace
 * `JSON.stringify` or `Array.prototype.push`, but the runtime keeps the originals.
 * Methods are uncurried (`slice(s, 0, 2)`), as Node's primordials are.
 */
export function capturePrimordials() {
  const call = Function.prototype.call;
  const uncurry = <T, A extends unknown[], R>(fn: (this: T, ...args: A) => R) =>
    call.bind(fn as never) as unknown as (self: T, ...args: A) => R;
  const TypedArray = Object.getPrototypeOf(Uint8Array) as { prototype: object };
  const P = {
    Array,
    ArrayBuffer,
    DataView,
    Date,
    Error,
    Map,
    Promise,
    RangeError,
    String,
    TypeError,
    Uint8Array,
    TypedArray,
    ObjectKeys: Object.keys,
    ObjectCreate: Object.create,
    ObjectDefineProperty: Object.defineProperty,
    ObjectFreeze: Object.freeze,
    ObjectGetOwnPropertyNames: Object.getOwnPropertyNames,
    ObjectGetOwnPropertyDescriptor: Object.getOwnPropertyDescriptor,
    ObjectGetPrototypeOf: Object.getPrototypeOf,
    ObjectSetPrototypeOf: Object.setPrototypeOf,
    ArrayIsArray: Array.isArray,
    JSONParse: JSON.parse,
    JSONStringify: JSON.stringify,
    MathFloor: Math.floor,
    MathMin: Math.min,
    MathMax: Math.max,
    NumberIsInteger: Number.isInteger,
    NumberIsFinite: Number.isFinite,
    NumberIsNaN: Number.isNaN,
    StringFromCharCode: String.fromCharCode,
    ReflectApply: Reflect.apply,
    ReflectConstruct: Reflect.construct,
    PromiseResolve: Promise.resolve.bind(Promise) as <T>(v: T) => Promise<Awaited<T>>,
    PromiseReject: Promise.reject.bind(Promise) as (e: unknown) => Promise<never>,
    PromiseThen: uncurry(Promise.prototype.then) as (
      p: unknown,
      ok?: (v: unknown) => unknown,
      err?: (e: unknown) => unknown,
    ) => Promise<unknown>,
    StringCharCodeAt: uncurry(String.prototype.charCodeAt),
    StringSlice: uncurry(String.prototype.slice),
    StringIndexOf: uncurry(String.prototype.indexOf),
    StringToLowerCase: uncurry(String.prototype.toLowerCase),
    StringRepeat: uncurry(String.prototype.repeat),
    StringPadStart: uncurry(String.prototype.padStart),
    StringPadEnd: uncurry(String.prototype.padEnd),
    ArrayFill: uncurry(Array.prototype.fill),
    RegExpExec: uncurry(RegExp.prototype.exec),
    TypedArraySet: uncurry(Uint8Array.prototype.set) as (
      self: Uint8Array,
      src: ArrayLike<number>,
      at?: number,
    ) => void,
    TypedArraySubarray: uncurry(Uint8Array.prototype.subarray) as (
      self: Uint8Array,
      start?: number,
      end?: number,
    ) => Uint8Array,
    TypedArrayLength: uncurry(
      Object.getOwnPropertyDescriptor(TypedArray.prototype, 'length')!.get as (this: Uint8Array) => number,
    ),
    ArrayBufferIsView: ArrayBuffer.isView,
  };
  return P;
}

export type Primordials = ReturnType<typeof capturePrimordials>;
