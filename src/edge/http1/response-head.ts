/**
 * The pieces of an HTTP/1.1 response head the `edgefront` engine writes (connection.ts): the
 * status line with node's reason phrase, header lines checked as node:http checks them, and
 * the Date value, each cached because a hit writes the same ones on every response.
 */
import { STATUS_CODES } from 'node:http';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE_INVALID = /[^\t\x20-\x7e\x80-\xff]/;

const STATUS_LINES: string[] = [];
for (const code in STATUS_CODES) STATUS_LINES[Number(code)] = `HTTP/1.1 ${code} ${STATUS_CODES[code]}\r\n`;

export function statusLine(status: number): string {
  return STATUS_LINES[status] ?? `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
}

/**
 * Response header names already checked, each with the last value that passed: a hit repeats
 * the same names and mostly the same values (Via, X-Cache, X-Amz-Cf-Pop, Content-Length) on
 * every response, and comparing with the last one costs less than the check (bench/README.md).
 */
const LAST_VALID = new Map<string, string | null>();
const MAX_NAMES_KEPT = 1024;

function checkValue(name: string, value: string): void {
  if (FIELD_VALUE_INVALID.test(value)) throw new TypeError(`invalid characters in response header "${name}"`);
}

/** Appends `name: value` lines to a response head, refusing what would split the response. */
export function appendHeader(head: string, name: string, value: string | string[]): string {
  // node:http throws on these (ERR_INVALID_HTTP_TOKEN / ERR_INVALID_CHAR): response splitting.
  const last = LAST_VALID.get(name);
  if (last === undefined && !TOKEN.test(name))
    throw new TypeError(`invalid response header name ${JSON.stringify(name)}`);
  if (typeof value === 'string') {
    if (value !== last) {
      checkValue(name, value);
      if (last !== undefined || LAST_VALID.size < MAX_NAMES_KEPT) LAST_VALID.set(name, value);
    }
    return `${head}${name}: ${value}\r\n`;
  }
  for (let i = 0; i < value.length; i++) {
    checkValue(name, value[i]);
    head += `${name}: ${value[i]}\r\n`;
  }
  if (last === undefined && LAST_VALID.size < MAX_NAMES_KEPT) LAST_VALID.set(name, null); // the name is checked
  return head;
}

/**
 * A cached object's stored headers as wire lines, rendered and checked once per entry instead of
 * on every hit (the header loop was the largest JS cost of a 1 KiB hit, bench/README.md).
 * `count` is how many names the response's copy of them starts with (copyHeaders keeps their
 * order), so the sender skips exactly those.
 */
export interface RenderedHeaders {
  readonly lines: Buffer;
  readonly count: number;
  readonly hasDate: boolean;
}

/**
 * Names a hit's response assigns after copying the stored headers (serve-cached.ts, the
 * viewer-response phase) or that the sender frames itself: a stored one would change after
 * rendering, so such an entry is sent the ordinary way.
 */
const ASSIGNED_ON_HIT = new Set([
  'age',
  'content-length',
  'via',
  'x-cache',
  'x-amz-cf-pop',
  'x-amz-cf-id',
  'connection',
  'transfer-encoding',
  'keep-alive',
]);

/** Keyed by the entry's own (immutable) headers object, so it goes when the entry goes. */
const renderedByHeaders = new WeakMap<object, RenderedHeaders | null>();

/** The stored headers' lines, or null when they cannot be sent pre-rendered. Throws as appendHeader. */
export function renderedHeaders(stored: Readonly<Record<string, string | string[]>>): RenderedHeaders | null {
  let rendered = renderedByHeaders.get(stored);
  if (rendered === undefined) {
    rendered = renderHeaders(stored);
    renderedByHeaders.set(stored, rendered);
  }
  return rendered;
}

function renderHeaders(stored: Readonly<Record<string, string | string[]>>): RenderedHeaders | null {
  let lines = '';
  let count = 0;
  let hasDate = false;
  for (const name in stored) {
    if (ASSIGNED_ON_HIT.has(name)) return null;
    if (name === 'date') hasDate = true;
    lines = appendHeader(lines, name, stored[name]);
    count++;
  }
  return { lines: Buffer.from(lines, 'latin1'), count, hasDate };
}

let dateString = '';
let dateExpiresMs = 0;

/** The Date header, formatted once a second (as node:http's utcDate cache). */
export function utcDate(): string {
  const now = Date.now();
  if (now >= dateExpiresMs) {
    dateString = new Date(now).toUTCString();
    dateExpiresMs = now - (now % 1000) + 1000;
  }
  return dateString;
}
