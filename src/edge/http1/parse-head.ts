/**
 * The request line and header section of an HTTP/1.x request (RFC 9112 §2–§5), parsed the way
 * node:http's llhttp does for everything the rest of edgefront reads: lowercase `headers` with
 * node's duplicate rules, `rawHeaders` as received, and the framing of the body (§6).
 * Anything llhttp rejects is a `ParseFailure` (400), so both engines answer alike.
 */

export interface ParsedHead {
  method: string;
  /** The request target as sent (origin-form or absolute-form). */
  target: string;
  version: '1.0' | '1.1';
  headers: Record<string, string | string[] | undefined>;
  rawHeaders: string[];
  /** The connection may carry another request after this one (RFC 9112 §9.3). */
  keepAlive: boolean;
  /** -1: no body; -2: chunked; otherwise the Content-Length. */
  bodyLength: number;
  expect: string | undefined;
}

export const NO_BODY = -1;
export const CHUNKED = -2;

/** A request the parser refuses: answered with `status` and the connection closed. */
export class ParseFailure extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE_INVALID = /[^\t\x20-\x7e\x80-\xff]/;
const TARGET_INVALID = /[^\x21-\x7e\x80-\xff]/;
const DIGITS = /^[0-9]+$/;

/** node:http keeps the first of these when they repeat (IncomingMessage#_addHeaderLine). */
const FIRST_WINS = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

/** Parses `head` (latin1, without the blank line that ends it; leading empty lines removed). */
export function parseHead(head: string): ParsedHead {
  let lineEnd = head.indexOf('\r\n');
  if (lineEnd === -1) lineEnd = head.length;
  const line = head.slice(0, lineEnd);
  const sp1 = line.indexOf(' ');
  const sp2 = line.lastIndexOf(' ');
  if (sp1 <= 0 || sp2 === sp1) throw new ParseFailure(400, 'malformed request line');
  const method = line.slice(0, sp1);
  const target = line.slice(sp1 + 1, sp2);
  const proto = line.slice(sp2 + 1);
  if (!TOKEN.test(method)) throw new ParseFailure(400, 'invalid method');
  if (target.length === 0 || TARGET_INVALID.test(target))
    throw new ParseFailure(400, 'invalid request target');
  let version: '1.0' | '1.1';
  if (proto === 'HTTP/1.1') version = '1.1';
  else if (proto === 'HTTP/1.0') version = '1.0';
  else throw new ParseFailure(400, 'unsupported HTTP version');

  const headers: Record<string, string | string[] | undefined> = {};
  const rawHeaders: string[] = [];
  let contentLength: string | undefined;
  let transferEncoding: string | undefined;
  let connection = '';
  let pos = lineEnd + 2;
  while (pos < head.length) {
    let end = head.indexOf('\r\n', pos);
    if (end === -1) end = head.length;
    const colon = head.indexOf(':', pos);
    if (colon === -1 || colon > end) throw new ParseFailure(400, 'header line without a colon');
    const rawName = head.slice(pos, colon);
    // A name must be a token: this also refuses obs-fold (a line starting with SP/HTAB, §5.2).
    if (!TOKEN.test(rawName)) throw new ParseFailure(400, 'invalid header name');
    const value = head.slice(colon + 1, end).trim();
    if (FIELD_VALUE_INVALID.test(value)) throw new ParseFailure(400, 'invalid header value');
    rawHeaders.push(rawName, value);
    const name = rawName.toLowerCase();
    const existing = headers[name];
    if (name === 'content-length') {
      // Duplicates, even equal ones, are refused as llhttp does (request smuggling, §6.3).
      if (contentLength !== undefined) throw new ParseFailure(400, 'duplicate Content-Length');
      contentLength = value;
    } else if (name === 'transfer-encoding') {
      transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
    } else if (name === 'connection') {
      connection = connection ? `${connection}, ${value}` : value;
    }
    if (existing === undefined) {
      headers[name] = name === 'set-cookie' ? [value] : value;
    } else if (name === 'set-cookie') {
      (existing as string[]).push(value);
    } else if (name === 'cookie') {
      headers[name] = `${existing}; ${value}`;
    } else if (!FIRST_WINS.has(name)) {
      headers[name] = `${existing}, ${value}`;
    }
    pos = end + 2;
  }

  let bodyLength = NO_BODY;
  if (transferEncoding !== undefined) {
    if (contentLength !== undefined) throw new ParseFailure(400, 'both Content-Length and Transfer-Encoding');
    if (transferEncoding.toLowerCase() !== 'chunked')
      throw new ParseFailure(400, 'unsupported Transfer-Encoding');
    bodyLength = CHUNKED;
  } else if (contentLength !== undefined) {
    if (!DIGITS.test(contentLength) || contentLength.length > 15)
      throw new ParseFailure(400, 'invalid Content-Length');
    bodyLength = Number(contentLength);
  }
  const keepAlive = connection === '' ? version === '1.1' : isKeepAlive(version, connection.toLowerCase());
  const expect = headers.expect as string | undefined;
  return { method, target, version, headers, rawHeaders, keepAlive, bodyLength, expect };
}

function isKeepAlive(version: '1.0' | '1.1', tokens: string): boolean {
  return version === '1.1'
    ? !/(^|[\s,])close($|[\s,])/.test(tokens)
    : /(^|[\s,])keep-alive($|[\s,])/.test(tokens);
}
