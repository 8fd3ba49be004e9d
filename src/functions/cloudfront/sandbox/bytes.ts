/**
 * Sandbox-side (see primordials.ts). Byte strings — one char per byte, 0–255, the form
 * cloudfront-js-1.0 uses for binary data — and the encodings both runtimes speak:
 * UTF-8, hex, base64, base64url, latin1.
 */
import type { Primordials } from './primordials.js';

export function createBytes(P: Primordials, charge: (bytes: number) => void) {
  // charge(n): n bytes processed, billed against the compute budget
  const { StringCharCodeAt: code, StringFromCharCode, ReflectApply, StringSlice } = P;
  const CHUNK = 4096;

  /** Chars from an array of codes, in chunks (apply's argument limit). */
  function fromCodes(codes: number[], count: number): string {
    if (count <= CHUNK) {
      if (codes.length !== count) codes.length = count;
      return ReflectApply(StringFromCharCode, undefined, codes);
    }
    let out = '';
    for (let i = 0; i < count; i += CHUNK) {
      const to = P.MathMin(i + CHUNK, count);
      const part: number[] = new P.Array(to - i) as number[];
      for (let j = i; j < to; j++) part[j - i] = codes[j];
      out += ReflectApply(StringFromCharCode, undefined, part);
    }
    return out;
  }

  const ASCII = /^[^\u0080-\uffff]*$/;
  /** UTF-8 bytes of `s`; a lone surrogate becomes U+FFFD, as in Node. */
  function utf8Encode(s: string): string {
    charge(s.length);
    if (P.RegExpExec(ASCII, s) !== null) return s;
    const out: number[] = [];
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      let c = code(s, i);
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < s.length ? code(s, i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
        } else c = 0xfffd;
      }
      if (c < 0x80) out[n++] = c;
      else if (c < 0x800) {
        out[n++] = 0xc0 | (c >> 6);
        out[n++] = 0x80 | (c & 63);
      } else if (c < 0x10000) {
        out[n++] = 0xe0 | (c >> 12);
        out[n++] = 0x80 | ((c >> 6) & 63);
        out[n++] = 0x80 | (c & 63);
      } else {
        out[n++] = 0xf0 | (c >> 18);
        out[n++] = 0x80 | ((c >> 12) & 63);
        out[n++] = 0x80 | ((c >> 6) & 63);
        out[n++] = 0x80 | (c & 63);
      }
    }
    return fromCodes(out, n);
  }

  /** Text of UTF-8 `bytes`; malformed sequences become U+FFFD, or null when `fatal`. */
  function utf8Decode(bytes: string, fatal: boolean): string | null {
    charge(bytes.length);
    if (P.RegExpExec(ASCII, bytes) !== null) return bytes;
    const out: number[] = [];
    let n = 0;
    const len = bytes.length;
    for (let i = 0; i < len; ) {
      const b = code(bytes, i);
      let need = 0;
      let cp = 0;
      let min = 0;
      if (b < 0x80) {
        out[n++] = b;
        i++;
        continue;
      }
      if (b >= 0xc2 && b <= 0xdf) {
        need = 1;
        cp = b & 31;
        min = 0x80;
      } else if (b >= 0xe0 && b <= 0xef) {
        need = 2;
        cp = b & 15;
        min = 0x800;
      } else if (b >= 0xf0 && b <= 0xf4) {
        need = 3;
        cp = b & 7;
        min = 0x10000;
      }
      let j = 1;
      for (; need > 0 && j <= need && i + j < len; j++) {
        const c = code(bytes, i + j);
        if ((c & 0xc0) !== 0x80) break;
        cp = (cp << 6) | (c & 63);
      }
      if (need === 0 || j <= need || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        if (fatal) return null;
        out[n++] = 0xfffd;
        i += need === 0 ? 1 : j;
        continue;
      }
      if (cp >= 0x10000) {
        cp -= 0x10000;
        out[n++] = 0xd800 + (cp >> 10);
        out[n++] = 0xdc00 + (cp & 1023);
      } else out[n++] = cp;
      i += need + 1;
    }
    return fromCodes(out, n);
  }

  const HEX = '0123456789abcdef';
  function hexEncode(bytes: string): string {
    charge(bytes.length);
    let out = '';
    for (let i = 0; i < bytes.length; i++) {
      const b = code(bytes, i);
      out += HEX[b >> 4] + HEX[b & 15];
    }
    return out;
  }
  function hexValue(c: number): number {
    if (c >= 48 && c <= 57) return c - 48;
    if (c >= 97 && c <= 102) return c - 87;
    if (c >= 65 && c <= 70) return c - 55;
    return -1;
  }
  /** Node's rule: decoding stops at the first pair that is not two hex digits. */
  function hexDecode(text: string): string {
    charge(text.length);
    const out: number[] = [];
    let n = 0;
    for (let i = 0; i + 1 < text.length; i += 2) {
      const hi = hexValue(code(text, i));
      const lo = hexValue(code(text, i + 1));
      if (hi < 0 || lo < 0) break;
      out[n++] = hi * 16 + lo;
    }
    return fromCodes(out, n);
  }

  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  function base64Encode(bytes: string, url: boolean): string {
    charge(bytes.length);
    const table = url ? B64URL : B64;
    let out = '';
    let i = 0;
    for (; i + 2 < bytes.length; i += 3) {
      const v = (code(bytes, i) << 16) | (code(bytes, i + 1) << 8) | code(bytes, i + 2);
      out += table[v >> 18] + table[(v >> 12) & 63] + table[(v >> 6) & 63] + table[v & 63];
    }
    const rest = bytes.length - i;
    if (rest === 1) {
      const v = code(bytes, i) << 16;
      out += table[v >> 18] + table[(v >> 12) & 63] + (url ? '' : '==');
    } else if (rest === 2) {
      const v = (code(bytes, i) << 16) | (code(bytes, i + 1) << 8);
      out += table[v >> 18] + table[(v >> 12) & 63] + table[(v >> 6) & 63] + (url ? '' : '=');
    }
    return out;
  }
  function base64Value(c: number): number {
    if (c >= 65 && c <= 90) return c - 65;
    if (c >= 97 && c <= 122) return c - 71;
    if (c >= 48 && c <= 57) return c + 4;
    if (c === 43 || c === 45) return 62;
    if (c === 47 || c === 95) return 63;
    return -1;
  }
  /** Node's lenient decoder: both alphabets, whitespace and junk skipped, stops at `=`. */
  function base64Decode(text: string): string {
    charge(text.length);
    const out: number[] = [];
    let n = 0;
    let acc = 0;
    let bits = 0;
    for (let i = 0; i < text.length; i++) {
      const c = code(text, i);
      if (c === 61) break;
      const v = base64Value(c);
      if (v < 0) continue;
      acc = ((acc << 6) | v) & 0xffffff;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[n++] = (acc >> bits) & 255;
      }
    }
    return fromCodes(out, n);
  }

  /** Latin-1 view of text: chars above 255 keep their low byte, as Buffer.from(s, 'latin1') does. */
  function latin1(text: string): string {
    charge(text.length);
    for (let i = 0; i < text.length; i++) {
      if (code(text, i) > 255) {
        const out: number[] = [];
        for (let j = 0; j < text.length; j++) out[j] = code(text, j) & 255;
        return fromCodes(out, text.length);
      }
    }
    return text;
  }

  function ascii(bytes: string): string {
    const out: number[] = [];
    for (let i = 0; i < bytes.length; i++) out[i] = code(bytes, i) & 127;
    return fromCodes(out, bytes.length);
  }

  /** `text` in `encoding` → bytes. Unknown encodings are the caller's check. */
  function encode(text: string, encoding: string): string {
    switch (encoding) {
      case 'hex':
        return hexDecode(text);
      case 'base64':
      case 'base64url':
        return base64Decode(text);
      case 'latin1':
      case 'binary':
      case 'ascii':
        return latin1(text);
      default:
        return utf8Encode(text);
    }
  }
  /** bytes → text in `encoding`. */
  function decode(bytes: string, encoding: string): string {
    switch (encoding) {
      case 'hex':
        return hexEncode(bytes);
      case 'base64':
        return base64Encode(bytes, false);
      case 'base64url':
        return base64Encode(bytes, true);
      case 'latin1':
      case 'binary':
        return bytes;
      case 'ascii':
        return ascii(bytes);
      default:
        return utf8Decode(bytes, false) as string;
    }
  }
  const ENCODINGS = ['utf8', 'utf-8', 'hex', 'base64', 'base64url', 'latin1', 'binary', 'ascii'];
  /** Lowercased known encoding name, or undefined. */
  function encodingName(enc: unknown): string | undefined {
    if (typeof enc !== 'string') return undefined;
    const lower = P.StringToLowerCase(enc);
    for (let i = 0; i < ENCODINGS.length; i++)
      if (ENCODINGS[i] === lower) return lower === 'utf-8' ? 'utf8' : lower;
    return undefined;
  }

  function toArray(bytes: string): Uint8Array {
    const arr = new P.Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) arr[i] = code(bytes, i);
    return arr;
  }
  function fromArray(arr: Uint8Array, start: number, end: number): string {
    const codes: number[] = new P.Array(end - start) as number[];
    for (let i = start; i < end; i++) codes[i - start] = arr[i];
    charge(end - start);
    return fromCodes(codes, end - start);
  }

  return {
    utf8Encode,
    utf8Decode,
    encode,
    decode,
    encodingName,
    toArray,
    fromArray,
    fromCodes,
    slice: StringSlice,
  };
}

export type Bytes = ReturnType<typeof createBytes>;
