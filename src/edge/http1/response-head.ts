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

/** Response header names already checked: a hit's names repeat on every response. */
const VALID_NAMES = new Set<string>();

/** Appends `name: value` lines to a response head, refusing what would split the response. */
export function appendHeader(head: string, name: string, value: string | string[]): string {
  // node:http throws on these (ERR_INVALID_HTTP_TOKEN / ERR_INVALID_CHAR): response splitting.
  if (!VALID_NAMES.has(name)) {
    if (!TOKEN.test(name)) throw new TypeError(`invalid response header name ${JSON.stringify(name)}`);
    if (VALID_NAMES.size < 1024) VALID_NAMES.add(name);
  }
  if (typeof value === 'string') {
    if (FIELD_VALUE_INVALID.test(value))
      throw new TypeError(`invalid characters in response header "${name}"`);
    return `${head}${name}: ${value}\r\n`;
  }
  for (let i = 0; i < value.length; i++) {
    if (FIELD_VALUE_INVALID.test(value[i]))
      throw new TypeError(`invalid characters in response header "${name}"`);
    head += `${name}: ${value[i]}\r\n`;
  }
  return head;
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
