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

const STATUS_LINE_BYTES: Buffer[] = [];

/** The status line as bytes, encoded once per status. */
export function statusLineBytes(status: number): Buffer {
  let line = STATUS_LINE_BYTES[status];
  if (line === undefined) {
    line = Buffer.from(statusLine(status), 'latin1');
    if (status >= 100 && status <= 999) STATUS_LINE_BYTES[status] = line;
  }
  return line;
}

/**
 * What is known about each response header name: its last value that passed the check, and the
 * last value written with, once it came twice in a row, its whole encoded line. A hit repeats
 * the same names and mostly the same values (Via, X-Cache, X-Amz-Cf-Pop, Content-Length, Age
 * within a second) on every response: comparing with the last value costs less than the check,
 * and copying a line less than encoding it (bench/README.md, "Hit path allocations").
 */
interface NameState {
  /** The last value that passed the check; null: only the name is checked (list values). */
  checked: string | null;
  /** The last value written, and its line when that value was written twice in a row. */
  written: string | null;
  line: Buffer | null;
}

const NAMES = new Map<string, NameState>();
const MAX_NAMES_KEPT = 1024;
/** Longer lines are encoded each time rather than kept: the cache stays a few hundred KiB at most. */
const MAX_LINE_KEPT = 256;

function checkName(name: string): void {
  if (!TOKEN.test(name)) throw new TypeError(`invalid response header name ${JSON.stringify(name)}`);
}

function checkValue(name: string, value: string): void {
  if (FIELD_VALUE_INVALID.test(value)) throw new TypeError(`invalid characters in response header "${name}"`);
}

/**
 * Checks `name: value` as node:http does (ERR_INVALID_HTTP_TOKEN / ERR_INVALID_CHAR: response
 * splitting), throwing a TypeError, and returns the state kept for the name (undefined once
 * MAX_NAMES_KEPT names are kept).
 */
function checked(name: string, value: string | string[]): NameState | undefined {
  let state = NAMES.get(name);
  if (state === undefined) {
    checkName(name);
    if (NAMES.size < MAX_NAMES_KEPT) {
      state = { checked: null, written: null, line: null };
      NAMES.set(name, state);
    }
  }
  if (typeof value === 'string') {
    if (value !== state?.checked) {
      checkValue(name, value);
      if (state !== undefined) state.checked = value;
    }
  } else {
    for (let i = 0; i < value.length; i++) checkValue(name, value[i]);
  }
  return state;
}

/** Appends `name: value` lines to a response head, refusing what would split the response. */
export function appendHeader(head: string, name: string, value: string | string[]): string {
  checked(name, value);
  if (typeof value === 'string') return `${head}${name}: ${value}\r\n`;
  for (let i = 0; i < value.length; i++) head += `${name}: ${value[i]}\r\n`;
  return head;
}

/**
 * The bytes the `name: value` lines take (one line per list element), after the same checks
 * as appendHeader: call it for every line before writing any, so a refused value leaves
 * nothing half written.
 */
export function headerBytes(name: string, value: string | string[]): number {
  value = asText(value);
  checked(name, value);
  if (typeof value === 'string') return name.length + value.length + 4;
  let bytes = 0;
  for (let i = 0; i < value.length; i++) bytes += name.length + value[i].length + 4;
  return bytes;
}

/** Writes lines headerBytes has checked into `out` at `at`; returns where they end. */
export function writeHeader(out: Buffer, at: number, name: string, value: string | string[]): number {
  value = asText(value);
  if (typeof value !== 'string') {
    for (let i = 0; i < value.length; i++) at = writeLine(out, at, name, value[i]);
    return at;
  }
  const state = NAMES.get(name);
  if (state === undefined) return writeLine(out, at, name, value);
  if (state.written === value && state.line !== null) {
    out.set(state.line, at);
    return at + state.line.length;
  }
  const end = writeLine(out, at, name, value);
  if (state.written !== value) {
    state.written = value;
    state.line = null;
  } else if (end - at <= MAX_LINE_KEPT) {
    state.line = Buffer.from(out.subarray(at, end));
  }
  return end;
}

/**
 * The value as text: a number (or a list holding one) that reached the sender untyped is written
 * as node:http and the string-built head wrote it, not measured as NaN bytes or dropped.
 */
function asText(value: string | string[]): string | string[] {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return String(value);
  for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'string') return value.map(String);
  return value;
}

function writeLine(out: Buffer, at: number, name: string, value: string): number {
  at = writeLatin1(out, at, name);
  out[at++] = 58; // ':'
  out[at++] = 32; // SP
  at = writeLatin1(out, at, value);
  out[at++] = 13;
  out[at++] = 10;
  return at;
}

/**
 * Writes a string the checks have passed (every char ≤ 0xff) as latin1. Short strings byte by
 * byte in JavaScript, longer ones through Buffer#write: a call into C++ costs ~70 ns whatever
 * the length, the loop 1.5–4 ns a character (more on a sliced string such as an X-Amz-Cf-Id),
 * so they break even at about 24 characters (measured on this host). Neither makes a flat copy
 * of the string, as writing a concatenated head did.
 */
export function writeLatin1(out: Buffer, at: number, s: string): number {
  const n = s.length;
  if (n > 24) return at + out.write(s, at, n, 'latin1');
  for (let i = 0; i < n; i++) out[at + i] = s.charCodeAt(i);
  return at + n;
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
let dateLineBytes = Buffer.alloc(0);
let dateExpiresMs = 0;

/** The Date header, formatted once a second (as node:http's utcDate cache). */
export function utcDate(): string {
  const now = Date.now();
  if (now >= dateExpiresMs) {
    dateString = new Date(now).toUTCString();
    dateLineBytes = Buffer.from(`Date: ${dateString}\r\n`, 'latin1');
    dateExpiresMs = now - (now % 1000) + 1000;
  }
  return dateString;
}

/** `Date: ...` and its CRLF as bytes, encoded once a second. */
export function dateLine(): Buffer {
  utcDate();
  return dateLineBytes;
}
