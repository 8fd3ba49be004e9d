/**
 * Sandbox-side (see primordials.ts). The built-in modules (reference §4): `crypto` and
 * `querystring` (both runtimes), `cloudfront` (2.0: KVS reads, origin helpers, edgeLocation).
 * Hashing, KVS reads and origin checks go to the host through `service()`, which passes and
 * returns strings only.
 */
import type { BufferModule } from './buffer.js';
import type { Bytes } from './bytes.js';
import type { Primordials } from './primordials.js';

export interface ModuleContext {
  v2: boolean;
  /** Calls the host: `'+' + result` on success, `'-'` for "not found", `'!' + message` on error. */
  service: (op: string, a?: string, b?: string, c?: string, d?: string, e?: string) => string;
  /** Serialises a user value to JSON without calling user `toJSON` (the run's output serialiser). */
  toJson: (value: unknown) => string | undefined;
  /** The current run, read at call time: the module objects outlive runs. */
  run: { eventType: string; edgeName?: string; edgeIp?: string; edgeRegion?: string };
  kvsAssociated: boolean;
  kvsId: string;
  noop: () => void;
}

export function createModules(P: Primordials, B: Bytes, buffer: BufferModule | undefined, M: ModuleContext) {
  // --- crypto (§4.1)
  const ALGORITHMS = ['md5', 'sha1', 'sha256'];
  const DIGEST_ENCODINGS = ['hex', 'base64', 'base64url', 'latin1', 'binary'];
  function toBytes(data: unknown, enc: unknown): string {
    // Deviation from CloudFront: a 1.0 byte string (e.g. a digest) is an ordinary string here,
    // so it is hashed as UTF-8 like any other; CloudFront hashes its bytes.
    if (typeof data === 'string') {
      const e = enc === undefined ? 'utf8' : B.encodingName(enc);
      if (e === undefined) throw new P.TypeError(`Unknown encoding: ${P.String(enc)}`);
      return B.encode(data, e);
    }
    if (P.ArrayBufferIsView(data)) {
      const v = data as ArrayBufferView;
      return B.fromArray(new P.Uint8Array(v.buffer, v.byteOffset, v.byteLength), 0, v.byteLength);
    }
    throw new P.TypeError(
      'The "data" argument must be of type string or an instance of Buffer, TypedArray, or DataView.',
    );
  }
  function makeDigest(alg: unknown, key: string | undefined) {
    const name = typeof alg === 'string' ? P.StringToLowerCase(alg) : '';
    let known = false;
    for (let i = 0; i < ALGORITHMS.length; i++) if (ALGORITHMS[i] === name) known = true;
    if (!known) throw new P.Error('Digest method not supported');
    let data = '';
    let done = false;
    const digest = {
      update(chunk: unknown, enc?: unknown) {
        if (done) throw new P.Error('Digest already called');
        data += toBytes(chunk, enc);
        return digest;
      },
      digest(enc?: unknown) {
        if (done) throw new P.Error('Digest already called');
        done = true;
        let e = '';
        if (enc !== undefined) {
          e = typeof enc === 'string' ? P.StringToLowerCase(enc) : '';
          let ok = false;
          for (let i = 0; i < DIGEST_ENCODINGS.length; i++) if (DIGEST_ENCODINGS[i] === e) ok = true;
          if (!ok) throw new P.TypeError(`Unknown digest encoding: ${P.String(enc)}`);
        }
        const r = M.service(
          'digest',
          name,
          key === undefined ? '' : '1',
          key ?? '',
          data,
          e === '' ? 'binary' : e,
        );
        if (r[0] !== '+') throw new P.Error(P.StringSlice(r, 1));
        const out = P.StringSlice(r, 1);
        // §2.4: without an encoding, 1.0 returns a byte string and 2.0 a Buffer.
        if (e === '' && buffer) return buffer.fromBytes(out);
        return out;
      },
    };
    return digest;
  }
  const crypto = {
    createHash(alg: unknown) {
      return makeDigest(alg, undefined);
    },
    createHmac(alg: unknown, key: unknown) {
      if (key === undefined || key === null)
        throw new P.TypeError('The "key" argument must be of type string or Buffer.');
      return makeDigest(alg, toBytes(key, undefined));
    },
  };

  // --- querystring (§4.2), Node's semantics
  const HEX_PAIR = /^%[0-9a-fA-F]{2}/;
  function qsUnescape(text: unknown): string {
    const s = P.String(text);
    try {
      return decodeURIComponent(s);
    } catch {
      // Invalid escapes stay as written; bytes that are not UTF-8 become U+FFFD.
      let bytes = '';
      for (let i = 0; i < s.length; i++) {
        if (s[i] === '%' && P.RegExpExec(HEX_PAIR, P.StringSlice(s, i, i + 3)) !== null) {
          bytes += B.fromCodes([parseInt(P.StringSlice(s, i + 1, i + 3), 16)], 1);
          i += 2;
        } else bytes += B.utf8Encode(s[i]);
      }
      return B.utf8Decode(bytes, false) as string;
    }
  }
  function qsEscape(text: unknown): string {
    return encodeURIComponent(P.String(text));
  }
  function splitOn(s: string, sep: string, max: number): string[] {
    const parts: string[] = [];
    if (s === '') return parts;
    let at = 0;
    while (parts.length < max) {
      const i = sep === '' ? -1 : P.StringIndexOf(s, sep, at);
      if (i < 0) {
        parts[parts.length] = P.StringSlice(s, at);
        break;
      }
      parts[parts.length] = P.StringSlice(s, at, i);
      at = i + sep.length;
    }
    return parts;
  }
  const PLUS = /\+/g;
  function parse(
    str: unknown,
    sep?: unknown,
    eq?: unknown,
    options?: { maxKeys?: number; decodeURIComponent?: unknown },
  ) {
    const out: Record<string, string | string[]> = P.ObjectCreate(null);
    if (typeof str !== 'string' || str.length === 0) return out;
    const s = typeof sep === 'string' && sep !== '' ? sep : '&';
    const e = typeof eq === 'string' && eq !== '' ? eq : '=';
    const maxKeys = options && typeof options.maxKeys === 'number' ? options.maxKeys : 1000;
    const decode =
      options && typeof options.decodeURIComponent === 'function' ? options.decodeURIComponent : qsUnescape;
    const pairs = splitOn(str, s, maxKeys > 0 ? maxKeys : Infinity);
    for (let i = 0; i < pairs.length; i++) {
      const pair = pairs[i].replace(PLUS, ' ');
      const at = P.StringIndexOf(pair, e);
      const k = (decode as (t: string) => string)(at < 0 ? pair : P.StringSlice(pair, 0, at));
      const v = at < 0 ? '' : (decode as (t: string) => string)(P.StringSlice(pair, at + e.length));
      const prev = out[k];
      if (prev === undefined) out[k] = v;
      else if (P.ArrayIsArray(prev)) prev[prev.length] = v;
      else out[k] = [prev, v];
    }
    return out;
  }
  function primitive(v: unknown): string {
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return P.NumberIsFinite(v) ? `${v}` : '';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    return '';
  }
  function stringify(
    obj: unknown,
    sep?: unknown,
    eq?: unknown,
    options?: { encodeURIComponent?: unknown },
  ): string {
    if (obj === null || typeof obj !== 'object') return '';
    const s = typeof sep === 'string' ? sep : '&';
    const e = typeof eq === 'string' ? eq : '=';
    const enc = (
      options && typeof options.encodeURIComponent === 'function' ? options.encodeURIComponent : qsEscape
    ) as (t: string) => string;
    const keys = P.ObjectKeys(obj);
    let out = '';
    for (let i = 0; i < keys.length; i++) {
      const k = enc(primitive(keys[i]));
      const v = (obj as Record<string, unknown>)[keys[i]];
      if (P.ArrayIsArray(v)) {
        for (let j = 0; j < v.length; j++) out += (out === '' ? '' : s) + k + e + enc(primitive(v[j]));
      } else out += (out === '' ? '' : s) + k + e + enc(primitive(v));
    }
    return out;
  }
  const querystring = {
    parse,
    decode: parse,
    stringify,
    encode: stringify,
    escape: qsEscape,
    unescape: qsUnescape,
  };

  // --- cloudfront (§4.4, 2.0 only)
  const kvsError = (message: string) => {
    const p = P.PromiseReject(new P.Error(message));
    P.PromiseThen(p, undefined, M.noop); // never an unhandledRejection, even if user code ignores it
    return p;
  };
  function kvsHandle() {
    return {
      get(key: unknown, options?: { format?: unknown }) {
        if (typeof key !== 'string') return kvsError('key must be a string');
        const format = options && options.format !== undefined ? options.format : 'string';
        if (format !== 'string' && format !== 'json' && format !== 'bytes')
          return kvsError(`Unknown format: ${P.String(format)}`);
        const r = M.service('kvs.get', key);
        if (r === '-') return kvsError('KeyNotFound');
        if (r[0] !== '+') return kvsError(P.StringSlice(r, 1));
        const value = P.StringSlice(r, 1);
        if (format === 'string') return P.PromiseResolve(value);
        if (format === 'bytes') return P.PromiseResolve(buffer!.Buffer.from(value, 'utf8'));
        try {
          return P.PromiseResolve(P.JSONParse(value));
        } catch (err) {
          const p = P.PromiseReject(err);
          P.PromiseThen(p, undefined, M.noop);
          return p;
        }
      },
      exists(key: unknown) {
        if (typeof key !== 'string') return kvsError('key must be a string');
        const r = M.service('kvs.exists', key);
        if (r[0] !== '+') return kvsError(P.StringSlice(r, 1));
        return P.PromiseResolve(r === '+1');
      },
      meta() {
        const r = M.service('kvs.meta');
        if (r[0] !== '+') return kvsError(P.StringSlice(r, 1));
        return P.PromiseResolve(P.JSONParse(P.StringSlice(r, 1)));
      },
    };
  }
  function originCall(kind: string, a: unknown, b?: unknown) {
    const r = M.service(
      'origin',
      kind,
      M.toJson(a) ?? 'null',
      b === undefined ? '' : (M.toJson(b) ?? 'null'),
    );
    if (r[0] === '!') throw new P.Error(P.StringSlice(r, 1));
  }
  const cloudfront = {
    kvs(id?: unknown) {
      if (!M.kvsAssociated) throw new P.Error('No KeyValueStore is associated with this function');
      if (id !== undefined && M.kvsId !== '' && id !== M.kvsId)
        throw new P.Error(`KeyValueStore ${P.String(id)} is not associated with this function`);
      return kvsHandle();
    },
    updateRequestOrigin(params: unknown) {
      originCall('update', params);
    },
    selectRequestOriginById(originId: unknown, overrides?: unknown) {
      originCall('select', originId, overrides);
    },
    createRequestOriginGroup(params: unknown) {
      originCall('group', params);
    },
    get edgeLocation() {
      const r = M.run;
      if (r.eventType !== 'viewer-request' || r.edgeName === undefined) return {};
      return { name: r.edgeName, serverIp: r.edgeIp, region: r.edgeRegion };
    },
    get distributionTenant(): never {
      throw new P.TypeError('distributionTenant module is not available');
    },
  };

  return { crypto, querystring, cloudfront };
}
