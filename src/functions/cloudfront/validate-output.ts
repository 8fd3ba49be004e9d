/**
 * What CloudFront checks in a function's return value (reference §3, §3.4, §5.1, §5.2); failing
 * any check is a FunctionValidationError (502). The sandbox sends only what changed
 * (output-tokens.ts); this file applies that to the host's own copy of the event, with the
 * multiValue write-back rules of §3.2, validates what changed, and normalises the result for
 * the pipeline.
 */
import { isReadOnlyHeader } from '../header-rules.js';
import { headerNameClass } from './header-names.js';
import { MAX_BODY_BYTES, MAX_URL_CHARS } from './limits.js';
import type { OutputEntry, OutputMap, RequestTokens, ResponseTokens } from './output-tokens.js';
import type {
  EventResponseCookie,
  EventValue,
  FunctionEvent,
  FunctionEventType,
  FunctionOutput,
  FunctionRequestOutput,
  FunctionResponseCookieOutput,
  FunctionResponseOutput,
} from './types.js';

export type ValidatedOutput =
  | { ok: true; output: FunctionOutput; functionOutput: () => string }
  | { ok: false; message: string };

class Invalid extends Error {}
const invalid = (message: string): never => {
  throw new Invalid(message);
};
const record = <T>(): Record<string, T> => Object.create(null);

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL = /[\x00-\x1f\x7f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL_OR_SPACE = /[\x00-\x20\x7f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const BAD_QUERY = /[\x00-\x20\x7f#]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const BAD_COOKIE_NAME = /[\x00-\x20\x7f=;,]/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Validates `out`, what the handler returned for `event`. */
export function validateOutput(
  eventType: FunctionEventType,
  event: FunctionEvent,
  out: RequestTokens | ResponseTokens,
  rawQueryString?: string,
): ValidatedOutput {
  try {
    if (out.kind === 'request') {
      const { request, query } = checkRequest(out, event, rawQueryString);
      return {
        ok: true,
        output: { request },
        functionOutput: () =>
          JSON.stringify({
            request: {
              headers: eventForm(request.headers),
              method: request.method,
              querystring: query ? eventForm(query) : request.querystring,
              uri: request.uri,
              cookies: eventForm(request.cookies),
            },
          }),
      };
    }
    const response = checkResponse(out, event, eventType === 'viewer-request');
    return {
      ok: true,
      output: { response },
      functionOutput: () =>
        JSON.stringify({
          response: {
            headers: eventForm(response.headers),
            statusDescription: response.statusDescription,
            cookies: cookieEventForm(response.cookies),
            statusCode: response.statusCode,
            body: response.body,
          },
        }),
    };
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, message: error.message };
    throw error;
  }
}

function checkRequest(
  out: RequestTokens,
  event: FunctionEvent,
  rawQueryString: string | undefined,
): { request: FunctionRequestOutput; query?: Record<string, string[]> } {
  const input = event.request;
  if (out.method !== undefined && out.method !== input.method)
    invalid(`request.method is read-only (was ${JSON.stringify(input.method)})`);
  let uri = input.uri;
  if (out.uri !== undefined) {
    uri = out.uri;
    if (!uri.startsWith('/')) invalid(`request.uri must start with "/" (got ${JSON.stringify(uri)})`);
    if (CONTROL_OR_SPACE.test(uri)) invalid('request.uri must not contain spaces or control characters');
  }

  let querystring: string;
  let query: Record<string, string[]> | undefined;
  const q = out.querystring;
  if (typeof q === 'string') {
    if (BAD_QUERY.test(q)) invalid('request.querystring must not contain spaces, control characters or "#"');
    querystring = q;
  } else if (q === undefined && rawQueryString !== undefined) {
    querystring = rawQueryString;
  } else {
    query = new Merged(input.querystring, q, valuesOf, writeBack, (name, values) => {
      for (const v of [name, ...values])
        if (BAD_QUERY.test(v))
          invalid('request.querystring must not contain spaces, control characters or "#"');
    }).lists();
    querystring = serializeQuery(query);
  }
  if (uri.length + (querystring === '' ? 0 : querystring.length + 1) >= MAX_URL_CHARS)
    invalid(`the URI and query string must be under ${MAX_URL_CHARS} characters`);

  const headers = checkHeaders(input.headers, out.headers, 'request', 'viewer-request', true);
  const cookies = new Merged(input.cookies, out.cookies, valuesOf, writeBack, (name, values) => {
    if (name === '' || BAD_COOKIE_NAME.test(name))
      invalid(`request cookie name ${JSON.stringify(name)} is invalid`);
    for (const v of values)
      if (CONTROL.test(v) || v.includes(';')) invalid(`request cookie ${name} has an invalid value`);
  });
  const request = new RequestOutput(input.method, uri, querystring, headers, cookies, {
    uri: uri !== input.uri,
    querystring: q !== undefined,
    headers: headers.changed,
    cookies: cookies.changed,
  });
  return { request, query };
}

/** Headers and cookies are assembled on first read (a class: getters on a literal are slow in V8). */
class LazyMaps<Cookie> {
  readonly #headers: Merged<EventValue, string>;
  readonly #cookies: { lists(): Record<string, Cookie[]> };
  constructor(headers: Merged<EventValue, string>, cookies: { lists(): Record<string, Cookie[]> }) {
    this.#headers = headers;
    this.#cookies = cookies;
  }
  get headers() {
    return this.#headers.lists();
  }
  get cookies() {
    return this.#cookies.lists();
  }
  /** A plain object with every field (for logs and the CLI). */
  toJSON() {
    return { ...this, headers: this.headers, cookies: this.cookies };
  }
}

class RequestOutput extends LazyMaps<string> implements FunctionRequestOutput {
  constructor(
    readonly method: string,
    readonly uri: string,
    readonly querystring: string,
    headers: Merged<EventValue, string>,
    cookies: Merged<EventValue, string>,
    readonly changed: FunctionRequestOutput['changed'],
  ) {
    super(headers, cookies);
  }
}

class ResponseOutput extends LazyMaps<FunctionResponseCookieOutput> implements FunctionResponseOutput {
  statusDescription?: string;
  body?: { encoding: 'text' | 'base64'; data: string };
  constructor(
    readonly statusCode: number,
    headers: Merged<EventValue, string>,
    cookies: Merged<EventResponseCookie, FunctionResponseCookieOutput>,
    readonly changed: FunctionResponseOutput['changed'],
  ) {
    super(headers, cookies);
  }
}

// Deviation from CloudFront (undocumented there): an empty value is written `name=`, never bare `name`.
function serializeQuery(lists: Record<string, string[]>): string {
  let s = '';
  for (const name in lists) for (const v of lists[name]) s += `${s === '' ? '' : '&'}${name}=${v}`;
  return s;
}

function checkHeaders(
  input: Record<string, EventValue> | undefined,
  map: OutputMap | undefined,
  what: string,
  eventType: FunctionEventType,
  readOnlyApplies: boolean,
): Merged<EventValue, string> {
  const merged = new Merged(input, map, valuesOf, writeBack, (name, values) => {
    const kind = headerNameClass(name);
    if (kind === 'uppercase') invalid(`${what} header names must be lowercase: ${JSON.stringify(name)}`);
    if (kind === 'invalid')
      invalid(`${what} header name ${JSON.stringify(name)} is not a valid HTTP header name`);
    if (kind === 'disallowed') invalid(`${what} header ${name} is disallowed: functions can't add it`);
    for (const v of values) if (/[\r\n\0]/.test(v)) invalid(`${what} header ${name} has an invalid value`);
  });
  if (readOnlyApplies) {
    for (const name of merged.touched) {
      if (!isReadOnlyHeader('cloudfront-function', eventType, name)) continue;
      const before = input?.[name] ? valuesOf(input[name]) : [];
      if (!sameList(before, merged.lists()[name] ?? []))
        invalid(`${what} header ${name} is read-only in ${eventType} functions`);
    }
  }
  return merged;
}

function checkResponse(
  out: ResponseTokens,
  event: FunctionEvent,
  generated: boolean,
): FunctionResponseOutput {
  const statusCode = out.statusCode;
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599)
    invalid(`response.statusCode must be an integer from 100 to 599 (got ${statusCode})`);
  const input = generated ? undefined : event.response;
  const headers = checkHeaders(input?.headers, out.headers, 'response', 'viewer-response', !generated);
  const cookies = new Merged(input?.cookies, out.cookies, cookiesOf, cookieWriteBack, (name, list) => {
    if (name === '' || BAD_COOKIE_NAME.test(name))
      invalid(`response cookie name ${JSON.stringify(name)} is invalid`);
    for (const c of list)
      if (CONTROL.test(c.value) || c.value.includes(';') || CONTROL.test(c.attributes))
        invalid(`response cookie ${name} has an invalid value or attributes`);
  });
  const response = new ResponseOutput(statusCode, headers, cookies, {
    statusCode: generated || statusCode !== event.response?.statusCode,
    headers: generated || headers.changed,
    cookies: generated || cookies.changed,
    body: out.body !== undefined,
  });
  if (out.statusDescription !== undefined) {
    if (CONTROL.test(out.statusDescription))
      invalid('response.statusDescription must not contain control characters');
    response.statusDescription = out.statusDescription;
  }
  if (out.body) response.body = checkBody(out.body.encoding, out.body.data);
  return response;
}

function checkBody(encoding: string, data: string): { encoding: 'text' | 'base64'; data: string } {
  if (encoding !== 'text' && encoding !== 'base64')
    invalid('response.body.encoding must be "text" or "base64"');
  if (encoding === 'base64' && !BASE64.test(data.replace(/\s+/g, '')))
    invalid('response.body.data is not valid base64');
  const bytes = encoding === 'base64' ? Buffer.byteLength(data, 'base64') : Buffer.byteLength(data);
  if (bytes > MAX_BODY_BYTES) invalid(`response.body is larger than ${MAX_BODY_BYTES} bytes`);
  return { encoding: encoding as 'text' | 'base64', data };
}

const NOTHING: readonly string[] = Object.freeze([]);

/**
 * One map of the output: the event's map `input` with the function's changes `map` applied.
 * The constructor validates every entry the function set (`check`); the complete lists are
 * assembled only when asked for (most runs change a map in one place or not at all).
 */
class Merged<In, T> {
  /** Whether the function changed anything in the map. */
  readonly changed: boolean;
  /** Names the function set or deleted (every name of either side, for a whole new map). */
  readonly touched: readonly string[];
  /** Names and final values of the entries the function set, in its order. */
  readonly #names: string[] = [];
  readonly #values: T[][] = [];
  #lists: Record<string, T[]> | undefined;

  constructor(
    private readonly input: Record<string, In> | undefined,
    private readonly map: OutputMap | undefined,
    private readonly fromInput: (entry: In) => T[],
    fromOutput: (name: string, entry: OutputEntry, original: In | undefined) => T[],
    check: (name: string, values: T[]) => void,
  ) {
    this.changed = map !== undefined;
    if (!map) {
      this.touched = NOTHING;
      return;
    }
    for (let i = 0; i < map.set.length; i++) {
      const [name, entry] = map.set[i];
      const values = fromOutput(name, entry, input && Object.hasOwn(input, name) ? input[name] : undefined);
      check(name, values);
      this.#names.push(name);
      this.#values.push(values);
    }
    this.touched = map.full
      ? [...new Set([...Object.keys(input ?? {}), ...this.#names])]
      : map.deleted.concat(this.#names);
  }

  lists(): Record<string, T[]> {
    if (this.#lists) return this.#lists;
    const lists = record<T[]>();
    const { input, map } = this;
    if (!map?.full) {
      for (const name in input) {
        if (map?.deleted.includes(name)) continue;
        lists[name] = this.fromInput(input[name]);
      }
    }
    // The function's values replace the event's in place (keeping the order), or come last.
    for (let i = 0; i < this.#names.length; i++) lists[this.#names[i]] = this.#values[i];
    this.#lists = lists;
    return lists;
  }
}

function valuesOf(entry: EventValue): string[] {
  return entry.multiValue && entry.multiValue.length > 0
    ? entry.multiValue.map((v) => v.value)
    : [entry.value];
}

function cookiesOf(entry: EventResponseCookie): FunctionResponseCookieOutput[] {
  const list = entry.multiValue && entry.multiValue.length > 0 ? entry.multiValue : [entry];
  return list.map((c) => ({ value: c.value, attributes: c.attributes ?? '' }));
}

/**
 * §3.2: a changed `multiValue` wins; otherwise `value` replaces the first occurrence and the
 * later duplicates stay.
 */
function writeBack(name: string, entry: OutputEntry, original: EventValue | undefined): string[] {
  const mv = entry.multiValue;
  if (mv && mv.length > 0) {
    const values = mv.map((v) => v.value);
    const originalMv = original?.multiValue?.map((v) => v.value);
    if (!originalMv || !sameList(originalMv, values)) return values;
  }
  if (entry.value === undefined) return invalid(`["${name}"].value must be a string`);
  if (!original?.multiValue || original.multiValue.length < 2) return [entry.value];
  return [entry.value, ...valuesOf(original).slice(1)];
}

function cookieWriteBack(
  name: string,
  entry: OutputEntry,
  original: EventResponseCookie | undefined,
): FunctionResponseCookieOutput[] {
  const mv = entry.multiValue;
  const originalMv = original?.multiValue?.length ? cookiesOf(original) : undefined;
  if (mv && mv.length > 0) {
    const cookies = mv.map((c) => ({ value: c.value, attributes: c.attributes ?? '' }));
    const same =
      originalMv?.length === cookies.length &&
      cookies.every((c, i) => c.value === originalMv[i].value && c.attributes === originalMv[i].attributes);
    if (!same) return cookies;
  }
  if (entry.value === undefined) return invalid(`response.cookies["${name}"].value must be a string`);
  const first = { value: entry.value, attributes: entry.attributes ?? '' };
  return originalMv ? [first, ...originalMv.slice(1)] : [first];
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Lists back in the event's `{ value, multiValue }` shape (TestFunction's FunctionOutput). */
function eventForm(lists: Record<string, string[]>): Record<string, EventValue> {
  const out = record<EventValue>();
  for (const name in lists) {
    const list = lists[name];
    out[name] =
      list.length > 1 ? { value: list[0], multiValue: list.map((value) => ({ value })) } : { value: list[0] };
  }
  return out;
}

function cookieEventForm(
  lists: Record<string, FunctionResponseCookieOutput[]>,
): Record<string, EventResponseCookie> {
  const out = record<EventResponseCookie>();
  for (const name in lists) {
    const [first] = lists[name];
    out[name] =
      lists[name].length > 1
        ? { value: first.value, attributes: first.attributes, multiValue: lists[name].map((c) => ({ ...c })) }
        : { value: first.value, attributes: first.attributes };
  }
  return out;
}
