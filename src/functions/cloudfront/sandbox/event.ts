/**
 * Sandbox-side (see primordials.ts). Both halves of the event's trip through the sandbox:
 * - `build()` makes the event object from the host's flat list of primitives (event-codec.ts
 *   writes it) and remembers every entry object it made;
 * - `encode(result)` turns what the handler returned into a token string the host reads without
 *   JSON (JSON costs µs per call). For the event's own request/response it sends only what
 *   changed; for a new object, everything. It checks types only (a header value is a string);
 *   the host validates the rest against its own copy of the event, so nothing here can hide a
 *   change: it can only fail to send one the host would then not apply.
 *
 * A token is `tag + length + ':' + text`. The host's reader (output-tokens.ts) documents the grammar.
 */
import type { Primordials } from './primordials.js';

/**
 * What build() made for one map of the event. `data` holds, per entry, `STRIDE` slots: name,
 * entry object, value, attributes; `multi[i]`, for an entry that had a multiValue array, that
 * array and a snapshot of its contents. Plain arrays (fast to make): if user code plants index
 * setters on Array.prototype it can only stop its own changes from being reported (the host
 * applies reported changes to its own copy of the event).
 */
interface Originals {
  obj: unknown;
  count: number;
  data: unknown[];
  multi: [unknown[], string][] | undefined;
}

export function createEventCodec(P: Primordials, v2: boolean, rawQueryString: () => string | undefined) {
  /** A type error in the returned value: reported as a FunctionValidationError. */
  class InvalidOutput {
    constructor(readonly message: string) {}
  }
  const STRIDE = 4;
  const requestProto = P.ObjectCreate(P.ObjectGetPrototypeOf({}), {
    rawQueryString: { value: rawQueryString, writable: true, configurable: true },
  });
  const tok = (tag: string, text: string) => `${tag}${text.length}:${text}`;
  const own = (obj: Record<string, unknown>, name: string): unknown =>
    name === '__proto__' ? P.ObjectGetOwnPropertyDescriptor(obj, name)?.value : obj[name];
  const invalid = (message: string): never => {
    throw new InvalidOutput(message);
  };

  let A: ArrayLike<unknown> = [];
  let at = 0;
  const next = () => A[at++];

  let event: { request: unknown; response?: unknown } | undefined;
  let method: unknown;
  let uri: unknown;
  let query: Originals;
  let headers: Originals;
  let cookies: Originals;
  let responseHeaders: Originals;
  let responseCookies: Originals;

  function put(obj: Record<string, unknown>, name: string, value: unknown) {
    if (name === '__proto__')
      P.ObjectDefineProperty(obj, name, { value, writable: true, enumerable: true, configurable: true });
    else obj[name] = value;
  }

  function section(withAttributes: boolean): Originals {
    const obj: Record<string, unknown> = {};
    const n = next() as number;
    const data: unknown[] = [];
    let multi: [unknown[], string][] | undefined;
    for (let i = 0; i < n; i++) {
      const name = next() as string;
      let k = next() as number;
      const isMulti = k < 0;
      if (isMulti) k = -k;
      const value = next();
      const attributes = withAttributes ? next() : undefined;
      let entry: Record<string, unknown>;
      if (!isMulti && k === 1) entry = attributes === undefined ? { value } : { value, attributes };
      else {
        const list: unknown[] = [attributes === undefined ? { value } : { value, attributes }];
        let snap =
          tok('v', value as string) + (attributes === undefined ? '' : tok('a', attributes as string));
        for (let j = 1; j < k; j++) {
          const v = next() as string;
          const a = withAttributes ? (next() as string | undefined) : undefined;
          list[j] = a === undefined ? { value: v } : { value: v, attributes: a };
          snap += tok('v', v) + (a === undefined ? '' : tok('a', a));
        }
        entry =
          attributes === undefined ? { value, multiValue: list } : { value, attributes, multiValue: list };
        multi ??= [];
        multi[i] = [list, snap];
      }
      put(obj, name, entry);
      const at = i * STRIDE;
      data[at] = name;
      data[at + 1] = entry;
      data[at + 2] = value;
      data[at + 3] = attributes;
    }
    return { obj, count: n, data, multi };
  }

  /** The event from the host's list (layout: event-codec.ts). `head` receives the run's fields. */
  function build(
    args: ArrayLike<unknown>,
    head: (fields: ArrayLike<unknown>, from: number) => number,
  ): unknown {
    A = args;
    at = 0;
    const eventType = next();
    const version = next();
    const distributionDomainName = next();
    const distributionId = next();
    const requestId = next();
    const endpoint = next();
    const ip = next();
    method = next();
    uri = next();
    at = head(A, at);
    const context: Record<string, unknown> = {};
    if (distributionDomainName !== undefined) context.distributionDomainName = distributionDomainName;
    if (endpoint !== undefined) context.endpoint = endpoint;
    if (distributionId !== undefined) context.distributionId = distributionId;
    context.eventType = eventType;
    if (requestId !== undefined) context.requestId = requestId;
    query = section(false);
    headers = section(false);
    cookies = section(false);
    // 2.0's request.rawQueryString() is inherited, so it is not enumerable (and a literal is fast).
    const request = v2
      ? {
          __proto__: requestProto,
          method,
          uri,
          querystring: query.obj,
          headers: headers.obj,
          cookies: cookies.obj,
        }
      : { method, uri, querystring: query.obj, headers: headers.obj, cookies: cookies.obj };
    const ev: { version: unknown; context: unknown; viewer: unknown; request: unknown; response?: unknown } =
      {
        version,
        context,
        viewer: { ip },
        request,
      };
    if (next() === 1) {
      const statusCode = next();
      const statusDescription = next();
      responseHeaders = section(false);
      responseCookies = section(true);
      ev.response =
        statusDescription === undefined
          ? { statusCode, headers: responseHeaders.obj, cookies: responseCookies.obj }
          : { statusCode, statusDescription, headers: responseHeaders.obj, cookies: responseCookies.obj };
    }
    A = [];
    event = ev;
    return ev;
  }

  // --- encoding the result

  function entryTokens(name: string, e: unknown, withAttributes: boolean, where: string): string {
    const path = `${where}["${name}"]`;
    if (e === null || typeof e !== 'object')
      return invalid(`${path} must be an object such as { value: "…" }`);
    const entry = e as Record<string, unknown>;
    const value = entry.value;
    const mv = entry.multiValue;
    let out = tok('n', name);
    if (typeof value === 'string') out += tok('v', value);
    else if (mv === undefined || (P.ArrayIsArray(mv) && mv.length === 0))
      invalid(`${path}.value must be a string`);
    if (withAttributes) {
      const a = entry.attributes;
      if (a !== undefined) {
        if (typeof a !== 'string') invalid(`${path}.attributes must be a string`);
        out += tok('a', a as string);
      }
    }
    if (mv !== undefined) out += tok('M', multiTokens(mv, withAttributes, path));
    return out;
  }
  function multiTokens(mv: unknown, withAttributes: boolean, path: string): string {
    if (!P.ArrayIsArray(mv)) return invalid(`${path}.multiValue must be an array`);
    let out = '';
    const n = mv.length;
    for (let j = 0; j < n; j++) {
      const item = mv[j] as Record<string, unknown> | null;
      if (item === null || typeof item !== 'object' || typeof item.value !== 'string')
        invalid(`${path}.multiValue[${j}] must be { value: "…" }`);
      out += tok('v', item!.value as string);
      if (withAttributes && item!.attributes !== undefined) {
        if (typeof item!.attributes !== 'string')
          invalid(`${path}.multiValue[${j}].attributes must be a string`);
        out += tok('a', item!.attributes as string);
      }
    }
    return out;
  }
  function unchanged(o: Originals, at: number, e: unknown, withAttributes: boolean): boolean {
    const d = o.data;
    if (e !== d[at + 1]) return false;
    const entry = e as Record<string, unknown>;
    if (entry.value !== d[at + 2]) return false;
    if (withAttributes && entry.attributes !== d[at + 3]) return false;
    const mv = entry.multiValue;
    const original = o.multi?.[at / STRIDE];
    if (mv !== original?.[0]) return false;
    if (mv === undefined) return true;
    try {
      return multiTokens(mv, withAttributes, '') === original![1];
    } catch (error) {
      if (error instanceof InvalidOutput) return false;
      throw error;
    }
  }
  /** `tag` then `d` (diff against the event's map) or `f` (the whole map); '' when unchanged. */
  function sectionTokens(
    tag: string,
    map: unknown,
    o: Originals | undefined,
    withAttributes: boolean,
    where: string,
  ) {
    if (map === undefined || map === null) return tok(tag, 'f');
    if (typeof map !== 'object' || P.ArrayIsArray(map)) return invalid(`${where} must be an object`);
    const obj = map as Record<string, unknown>;
    const keys = P.ObjectKeys(obj);
    if (o === undefined || obj !== o.obj) {
      let out = tok(tag, 'f');
      for (let i = 0; i < keys.length; i++) out += entryTokens(keys[i], obj[keys[i]], withAttributes, where);
      return out;
    }
    let out = '';
    let present = 0;
    const d = o.data;
    for (let at = 0; at < o.count * STRIDE; at += STRIDE) {
      const name = d[at] as string;
      const e = own(obj, name);
      if (e === undefined) out += tok('x', name);
      else {
        present++;
        if (!unchanged(o, at, e, withAttributes)) out += entryTokens(name, e, withAttributes, where);
      }
    }
    if (keys.length !== present) {
      // Names the function added: those that are not the event's.
      const known = new P.Map<string, true>();
      for (let at = 0; at < o.count * STRIDE; at += STRIDE) known.set(d[at] as string, true);
      for (let i = 0; i < keys.length; i++)
        if (!known.has(keys[i])) out += entryTokens(keys[i], obj[keys[i]], withAttributes, where);
    }
    return out === '' ? '' : tok(tag, 'd') + out;
  }

  function requestTokens(r: Record<string, unknown>, same: boolean): string {
    let out = tok('R', same ? 'i' : 'n');
    const m = r.method;
    if (!same || m !== method) {
      if (typeof m === 'string') out += tok('m', m);
      else if (m !== undefined || same) invalid('request.method is read-only');
    }
    const u = r.uri;
    if (typeof u !== 'string') invalid('request.uri must be a string');
    if (!same || u !== uri) out += tok('u', u as string);
    const q = r.querystring;
    if (typeof q === 'string') out += tok('q', q);
    else out += sectionTokens('Q', q, same ? query : undefined, false, 'request.querystring');
    out += sectionTokens('H', r.headers, same ? headers : undefined, false, 'request.headers');
    out += sectionTokens('K', r.cookies, same ? cookies : undefined, false, 'request.cookies');
    return out;
  }

  function responseTokens(r: Record<string, unknown>, same: boolean): string {
    let out = tok('S', same ? 'i' : 'n');
    const code = r.statusCode;
    if (typeof code !== 'number') invalid(`response.statusCode must be an integer (got ${typeof code})`);
    out += tok('c', `${code}`);
    const description = r.statusDescription;
    if (description !== undefined) {
      if (typeof description !== 'string') invalid('response.statusDescription must be a string');
      out += tok('d', description as string);
    }
    out += sectionTokens('H', r.headers, same ? responseHeaders : undefined, false, 'response.headers');
    out += sectionTokens('K', r.cookies, same ? responseCookies : undefined, true, 'response.cookies');
    const body = r.body;
    if (typeof body === 'string') out += tok('e', 'text') + tok('b', body);
    else if (body !== undefined) {
      if (body === null || typeof body !== 'object')
        invalid('response.body must be a string or { encoding, data }');
      const b = body as Record<string, unknown>;
      const encoding = b.encoding === undefined ? 'text' : b.encoding;
      if (typeof encoding !== 'string') invalid('response.body.encoding must be "text" or "base64"');
      if (typeof b.data !== 'string') invalid('response.body.data must be a string');
      out += tok('e', encoding as string) + tok('b', b.data as string);
    }
    return out;
  }

  /** Tokens for the handler's return value (throws InvalidOutput, or what a user getter throws). */
  function encode(result: unknown, eventType: string): string {
    if (result === undefined) invalid('The function returned nothing: return the request or a response');
    if (result === null || typeof result !== 'object')
      invalid('The function must return an object (the request or a response)');
    const r = result as Record<string, unknown>;
    const ev = event!;
    if (eventType === 'viewer-response') {
      if (r !== ev.response && r.statusCode === undefined)
        invalid('A viewer-response function must return the response object');
      return responseTokens(r, r === ev.response);
    }
    if (r === ev.request) return requestTokens(r, true);
    return r.statusCode !== undefined ? responseTokens(r, false) : requestTokens(r, false);
  }

  /** The message when `error` is a type error of the returned value, else undefined. */
  const invalidMessage = (error: unknown) => (error instanceof InvalidOutput ? error.message : undefined);
  return { build, encode, tok, invalidMessage };
}
