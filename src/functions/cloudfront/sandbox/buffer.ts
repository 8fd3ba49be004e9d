/**
 * Sandbox-side (see primordials.ts). cloudfront-js-2.0's `Buffer` (reference §4.3, Node
 * semantics), `TextEncoder`, `TextDecoder`, `atob` and `btoa`. Allocations above the memory cap
 * throw MemoryError (README "Memory").
 */
import type { Bytes } from './bytes.js';
import type { Primordials } from './primordials.js';

export function createBufferModule(
  P: Primordials,
  B: Bytes,
  checkAlloc: (bytes: number) => void,
  charge: (bytes: number) => void,
) {
  const U8 = P.Uint8Array;
  const { TypedArrayLength: len } = P;

  const outOfRange = (name: string, value: unknown) =>
    new P.RangeError(`The value of "${name}" is out of range. Received ${String(value)}`);
  const encodingOf = (enc: unknown, fallback = 'utf8'): string => {
    if (enc === undefined || enc === null) return fallback;
    const name = B.encodingName(enc);
    if (name === undefined) throw new P.TypeError(`Unknown encoding: ${String(enc)}`);
    return name;
  };
  const isBytes = (v: unknown): v is Uint8Array => v instanceof U8;
  const offsetOf = (buf: Uint8Array, offset: unknown, size: number): number => {
    const o = offset === undefined ? 0 : offset;
    if (typeof o !== 'number' || !P.NumberIsInteger(o))
      throw new P.TypeError('The "offset" argument must be an integer');
    if (o < 0 || o + size > len(buf)) throw outOfRange('offset', o);
    return o;
  };
  const view = (buf: Uint8Array) => new P.DataView(buf.buffer, buf.byteOffset, len(buf));

  class Buffer extends U8 {
    static override from(value: unknown, encOrOffset?: unknown, length?: number): Buffer {
      if (typeof value === 'string') return fromBytes(B.encode(value, encodingOf(encOrOffset)));
      if (value instanceof P.ArrayBuffer) {
        const offset = encOrOffset === undefined ? 0 : Number(encOrOffset);
        const n = length === undefined ? value.byteLength - offset : length;
        if (offset < 0 || offset > value.byteLength) throw outOfRange('offset', offset);
        if (n < 0 || offset + n > value.byteLength) throw outOfRange('length', n);
        return new Buffer(value, offset, n);
      }
      if (P.ArrayIsArray(value) || isBytes(value) || P.ArrayBufferIsView(value)) {
        const src = value as ArrayLike<number>;
        const n = src.length;
        checkAlloc(n);
        const buf = new Buffer(n);
        for (let i = 0; i < n; i++) buf[i] = src[i] & 255;
        charge(n);
        return buf;
      }
      if (typeof value === 'object' && value !== null) {
        const o = value as { type?: unknown; data?: unknown };
        if (o.type === 'Buffer' && P.ArrayIsArray(o.data)) return Buffer.from(o.data);
      }
      throw new P.TypeError(
        'The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object.',
      );
    }
    static alloc(size: number, fill?: unknown, enc?: string): Buffer {
      const buf = Buffer.allocUnsafe(size);
      if (fill !== undefined && fill !== 0) buf.fill(fill, 0, size, enc);
      return buf;
    }
    static allocUnsafe(size: number): Buffer {
      if (typeof size !== 'number' || size < 0 || !P.NumberIsInteger(size)) throw outOfRange('size', size);
      checkAlloc(size);
      return new Buffer(size);
    }
    static allocUnsafeSlow(size: number): Buffer {
      return Buffer.allocUnsafe(size);
    }
    static byteLength(value: unknown, enc?: string): number {
      if (typeof value === 'string') return B.encode(value, encodingOf(enc)).length;
      if (isBytes(value) || P.ArrayBufferIsView(value)) return (value as Uint8Array).byteLength;
      if (value instanceof P.ArrayBuffer) return value.byteLength;
      throw new P.TypeError(
        'The "string" argument must be of type string or an instance of Buffer or ArrayBuffer.',
      );
    }
    static compare(a: Uint8Array, b: Uint8Array): number {
      if (!isBytes(a) || !isBytes(b)) throw new P.TypeError('The arguments must be Buffers or Uint8Arrays');
      const n = P.MathMin(len(a), len(b));
      for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
      return len(a) === len(b) ? 0 : len(a) < len(b) ? -1 : 1;
    }
    static concat(list: Uint8Array[], totalLength?: number): Buffer {
      if (!P.ArrayIsArray(list)) throw new P.TypeError('The "list" argument must be an instance of Array.');
      let total = 0;
      for (let i = 0; i < list.length; i++) {
        if (!isBytes(list[i]))
          throw new P.TypeError(`The "list[${i}]" argument must be an instance of Buffer or Uint8Array.`);
        total += len(list[i]);
      }
      const n = totalLength === undefined ? total : totalLength;
      const out = Buffer.alloc(n);
      let at = 0;
      for (let i = 0; i < list.length && at < n; i++) {
        const part = list[i];
        const take = P.MathMin(len(part), n - at);
        P.TypedArraySet(out, P.TypedArraySubarray(part, 0, take), at);
        at += take;
      }
      return out;
    }
    static isBuffer(value: unknown): boolean {
      return value instanceof Buffer;
    }
    static isEncoding(enc: unknown): boolean {
      return B.encodingName(enc) !== undefined;
    }

    override toString(enc?: string, start?: number, end?: number): string {
      const n = len(this);
      const s = start === undefined ? 0 : P.MathMin(n, P.MathMax(0, start));
      const e = end === undefined ? n : P.MathMin(n, P.MathMax(0, end));
      if (e <= s) return '';
      return B.decode(B.fromArray(this, s, e), encodingOf(enc));
    }
    toJSON(): { type: 'Buffer'; data: number[] } {
      const data: number[] = [];
      for (let i = 0; i < len(this); i++) data[i] = this[i];
      return { type: 'Buffer', data };
    }
    equals(other: Uint8Array): boolean {
      return Buffer.compare(this, other) === 0;
    }
    compare(target: Uint8Array, tStart = 0, tEnd?: number, sStart = 0, sEnd?: number): number {
      if (!isBytes(target))
        throw new P.TypeError('The "target" argument must be an instance of Buffer or Uint8Array.');
      const t = P.TypedArraySubarray(target, tStart, tEnd === undefined ? len(target) : tEnd);
      const s = P.TypedArraySubarray(this, sStart, sEnd === undefined ? len(this) : sEnd);
      return Buffer.compare(s, t);
    }
    copy(target: Uint8Array, tStart = 0, sStart = 0, sEnd?: number): number {
      if (!isBytes(target))
        throw new P.TypeError('The "target" argument must be an instance of Buffer or Uint8Array.');
      const end = P.MathMin(sEnd === undefined ? len(this) : sEnd, len(this));
      const n = P.MathMin(end - sStart, len(target) - tStart);
      if (n <= 0) return 0;
      P.TypedArraySet(target, P.TypedArraySubarray(this, sStart, sStart + n), tStart);
      return n;
    }
    override fill(value: unknown, offset?: unknown, end?: unknown, enc?: string): this {
      const [o, e, encoding] = positional(offset, end, enc, 0, len(this));
      if (o < 0 || e > len(this) || o > e) throw outOfRange('offset', o);
      const pattern =
        typeof value === 'number'
          ? B.fromCodes([value & 255], 1)
          : typeof value === 'string'
            ? B.encode(value, encodingOf(encoding))
            : isBytes(value)
              ? B.fromArray(value, 0, len(value))
              : B.fromCodes([0], 1);
      if (pattern.length === 0) throw new P.TypeError('The argument "value" is invalid.');
      for (let i = o, j = 0; i < e; i++, j = (j + 1) % pattern.length)
        this[i] = P.StringCharCodeAt(pattern, j);
      charge(e - o);
      return this;
    }
    override includes(value: unknown, byteOffset?: number, enc?: string): boolean {
      return this.indexOf(value, byteOffset, enc) !== -1;
    }
    override indexOf(value: unknown, byteOffset?: number, enc?: string): number {
      return search(this, value, byteOffset, enc, false);
    }
    override lastIndexOf(value: unknown, byteOffset?: number, enc?: string): number {
      return search(this, value, byteOffset, enc, true);
    }
    override slice(start?: number, end?: number): Buffer {
      return P.TypedArraySubarray(this, start, end) as Buffer;
    }
    override subarray(start?: number, end?: number): Buffer {
      return P.TypedArraySubarray(this, start, end) as Buffer;
    }
    write(text: string, offsetOrEnc?: unknown, lengthOrEnc?: unknown, enc?: string): number {
      const [offset, max, encoding] = positional(offsetOrEnc, lengthOrEnc, enc, 0, len(this));
      if (offset < 0 || offset > len(this)) throw outOfRange('offset', offset);
      const bytes = B.encode(String(text), encodingOf(encoding));
      const n = P.MathMin(bytes.length, max, len(this) - offset);
      for (let i = 0; i < n; i++) this[offset + i] = P.StringCharCodeAt(bytes, i);
      return n;
    }
    swap16(): this {
      return swap(this, 2);
    }
    swap32(): this {
      return swap(this, 4);
    }
    swap64(): this {
      return swap(this, 8);
    }
    readIntBE(offset: number, byteLength: number): number {
      return readVar(this, offset, byteLength, false, true);
    }
    readIntLE(offset: number, byteLength: number): number {
      return readVar(this, offset, byteLength, true, true);
    }
    readUIntBE(offset: number, byteLength: number): number {
      return readVar(this, offset, byteLength, false, false);
    }
    readUIntLE(offset: number, byteLength: number): number {
      return readVar(this, offset, byteLength, true, false);
    }
    writeIntBE(value: number, offset: number, byteLength: number): number {
      return writeVar(this, value, offset, byteLength, false, true);
    }
    writeIntLE(value: number, offset: number, byteLength: number): number {
      return writeVar(this, value, offset, byteLength, true, true);
    }
    writeUIntBE(value: number, offset: number, byteLength: number): number {
      return writeVar(this, value, offset, byteLength, false, false);
    }
    writeUIntLE(value: number, offset: number, byteLength: number): number {
      return writeVar(this, value, offset, byteLength, true, false);
    }
  }

  /** Node's `(a?, b?, encoding?)` where the encoding may take an earlier place: [a, b, encoding]. */
  function positional(
    a: unknown,
    b: unknown,
    enc: string | undefined,
    aDefault: number,
    bDefault: number,
  ): [number, number, string | undefined] {
    let encoding = enc;
    let x = aDefault;
    let y = bDefault;
    if (typeof a === 'string') encoding = a;
    else if (a !== undefined) x = a as number;
    if (typeof b === 'string') encoding = b;
    else if (b !== undefined) y = b as number;
    return [x, y, encoding];
  }

  function fromBytes(bytes: string): Buffer {
    checkAlloc(bytes.length);
    const buf = new Buffer(bytes.length);
    for (let i = 0; i < bytes.length; i++) buf[i] = P.StringCharCodeAt(bytes, i);
    return buf;
  }

  function search(buf: Uint8Array, value: unknown, byteOffset: unknown, enc: unknown, last: boolean): number {
    const n = len(buf);
    let needle: string;
    if (typeof value === 'number') needle = B.fromCodes([value & 255], 1);
    else if (typeof value === 'string')
      needle = B.encode(value, encodingOf(typeof byteOffset === 'string' ? byteOffset : enc));
    else if (isBytes(value)) needle = B.fromArray(value, 0, len(value));
    else
      throw new P.TypeError(
        'The "value" argument must be one of type number or string or an instance of Buffer.',
      );
    let from = typeof byteOffset === 'number' ? byteOffset : last ? n : 0;
    if (from < 0) from += n;
    const hay = B.fromArray(buf, 0, n);
    if (last) {
      for (let i = P.MathMin(from, n - needle.length); i >= 0; i--) if (matchesAt(hay, needle, i)) return i;
      return -1;
    }
    for (let i = P.MathMax(0, from); i + needle.length <= n; i++) if (matchesAt(hay, needle, i)) return i;
    return -1;
  }
  function matchesAt(hay: string, needle: string, at: number): boolean {
    for (let j = 0; j < needle.length; j++)
      if (P.StringCharCodeAt(hay, at + j) !== P.StringCharCodeAt(needle, j)) return false;
    return true;
  }
  function swap<T extends Uint8Array>(buf: T, size: number): T {
    const n = len(buf);
    if (n % size !== 0) throw new P.RangeError(`Buffer size must be a multiple of ${size * 8}-bits`);
    for (let i = 0; i < n; i += size) {
      for (let a = i, b = i + size - 1; a < b; a++, b--) {
        const t = buf[a];
        buf[a] = buf[b];
        buf[b] = t;
      }
    }
    return buf;
  }
  function checkByteLength(byteLength: unknown): number {
    if (typeof byteLength !== 'number' || !P.NumberIsInteger(byteLength) || byteLength < 1 || byteLength > 6)
      throw outOfRange('byteLength', byteLength);
    return byteLength;
  }
  function readVar(
    buf: Uint8Array,
    offset: number,
    byteLength: number,
    le: boolean,
    signed: boolean,
  ): number {
    const size = checkByteLength(byteLength);
    const o = offsetOf(buf, offset, size);
    let v = 0;
    for (let i = 0; i < size; i++) v = v * 256 + buf[o + (le ? size - 1 - i : i)];
    if (signed && v >= 2 ** (8 * size - 1)) v -= 2 ** (8 * size);
    return v;
  }
  function writeVar(
    buf: Uint8Array,
    value: number,
    offset: number,
    byteLength: number,
    le: boolean,
    signed: boolean,
  ) {
    const size = checkByteLength(byteLength);
    const o = offsetOf(buf, offset, size);
    const max = signed ? 2 ** (8 * size - 1) - 1 : 2 ** (8 * size) - 1;
    const min = signed ? -(2 ** (8 * size - 1)) : 0;
    if (typeof value !== 'number' || value > max || value < min) throw outOfRange('value', value);
    let v = value < 0 ? value + 2 ** (8 * size) : value;
    for (let i = 0; i < size; i++) {
      buf[o + (le ? i : size - 1 - i)] = v % 256;
      v = P.MathFloor(v / 256);
    }
    return o + size;
  }

  // Fixed-size readers and writers: readUInt16LE, writeDoubleBE, … (and Node's readUint16LE spellings).
  const FIXED: [string, number, string, number, number][] = [
    ['Int8', 1, 'Int8', -128, 127],
    ['UInt8', 1, 'Uint8', 0, 255],
    ['Int16', 2, 'Int16', -32768, 32767],
    ['UInt16', 2, 'Uint16', 0, 65535],
    ['Int32', 4, 'Int32', -2147483648, 2147483647],
    ['UInt32', 4, 'Uint32', 0, 4294967295],
    ['Float', 4, 'Float32', -Infinity, Infinity],
    ['Double', 8, 'Float64', -Infinity, Infinity],
  ];
  const proto = Buffer.prototype as unknown as Record<string, unknown>;
  for (let i = 0; i < FIXED.length; i++) {
    const [name, size, dv, min, max] = FIXED[i];
    const ends = size === 1 ? [''] : ['BE', 'LE'];
    for (let k = 0; k < ends.length; k++) {
      const end = ends[k];
      const le = end === 'LE';
      const getter = `get${dv}` as 'getInt8';
      const setter = `set${dv}` as 'setInt8';
      const read = function (this: Uint8Array, offset?: number) {
        return (view(this)[getter] as (o: number, le: boolean) => number)(offsetOf(this, offset, size), le);
      };
      const write = function (this: Uint8Array, value: number, offset?: number) {
        const o = offsetOf(this, offset, size);
        if (typeof value !== 'number' || value < min || value > max) throw outOfRange('value', value);
        (view(this)[setter] as (o: number, v: number, le: boolean) => void)(o, value, le);
        return o + size;
      };
      P.ObjectDefineProperty(proto, `read${name}${end}`, { value: read, writable: true, configurable: true });
      P.ObjectDefineProperty(proto, `write${name}${end}`, {
        value: write,
        writable: true,
        configurable: true,
      });
      if (name[1] === 'I' && name[0] === 'U') {
        const alt = `Uint${P.StringSlice(name, 4)}${end}`;
        P.ObjectDefineProperty(proto, `read${alt}`, { value: read, writable: true, configurable: true });
        P.ObjectDefineProperty(proto, `write${alt}`, { value: write, writable: true, configurable: true });
      }
    }
  }

  class TextEncoder {
    get encoding() {
      return 'utf-8';
    }
    encode(input = ''): Uint8Array {
      const bytes = B.utf8Encode(String(input));
      checkAlloc(bytes.length);
      return B.toArray(bytes);
    }
    encodeInto(input: string, dest: Uint8Array): { read: number; written: number } {
      const text = String(input);
      let read = 0;
      let written = 0;
      const room = len(dest);
      while (read < text.length) {
        const c = P.StringCharCodeAt(text, read);
        const step = c >= 0xd800 && c <= 0xdbff && read + 1 < text.length ? 2 : 1;
        const bytes = B.utf8Encode(P.StringSlice(text, read, read + step));
        if (written + bytes.length > room) break;
        for (let i = 0; i < bytes.length; i++) dest[written++] = P.StringCharCodeAt(bytes, i);
        read += step;
      }
      return { read, written };
    }
  }

  class TextDecoder {
    readonly encoding = 'utf-8';
    readonly fatal: boolean;
    readonly ignoreBOM: boolean;
    constructor(label = 'utf-8', options?: { fatal?: boolean; ignoreBOM?: boolean }) {
      const l = P.StringToLowerCase(String(label));
      if (l !== 'utf-8' && l !== 'utf8' && l !== 'unicode-1-1-utf-8')
        throw new P.RangeError(`The "${label}" encoding is not supported`);
      this.fatal = options?.fatal === true;
      this.ignoreBOM = options?.ignoreBOM === true;
    }
    decode(input?: ArrayBuffer | ArrayBufferView): string {
      if (input === undefined) return '';
      let bytes: Uint8Array;
      if (input instanceof P.ArrayBuffer) bytes = new U8(input);
      else if (P.ArrayBufferIsView(input)) bytes = new U8(input.buffer, input.byteOffset, input.byteLength);
      else
        throw new P.TypeError('The "input" argument must be an instance of ArrayBuffer or ArrayBufferView.');
      let text = B.utf8Decode(B.fromArray(bytes, 0, len(bytes)), this.fatal);
      if (text === null) throw new P.TypeError('The encoded data was not valid for encoding utf-8');
      if (!this.ignoreBOM && P.StringCharCodeAt(text, 0) === 0xfeff) text = P.StringSlice(text, 1);
      return text;
    }
  }

  const invalidCharacter = (what: string) => {
    const e = new P.Error(what);
    e.name = 'InvalidCharacterError';
    return e;
  };
  const BASE64_TEXT = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;
  function atob(input: unknown): string {
    const text = String(input);
    if (P.RegExpExec(BASE64_TEXT, text) === null)
      throw invalidCharacter('The string to be decoded is not correctly encoded.');
    return B.decode(B.encode(text, 'base64'), 'latin1');
  }
  function btoa(input: unknown): string {
    const text = String(input);
    for (let i = 0; i < text.length; i++)
      if (P.StringCharCodeAt(text, i) > 255) throw invalidCharacter('Invalid character');
    return B.decode(text, 'base64');
  }

  return { Buffer, TextEncoder, TextDecoder, atob, btoa, fromBytes };
}

export type BufferModule = ReturnType<typeof createBufferModule>;
