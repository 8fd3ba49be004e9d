/**
 * The request line and header section of an HTTP/1.x request (RFC 9112 §2–§5), parsed the way
 * node:http's llhttp does for everything the rest of edgefront reads: lowercase `headers` with
 * node's duplicate rules, `rawHeaders` as received, and the framing of the body (§6).
 * Anything llhttp rejects is a `ParseFailure` (400), so both engines answer alike; what llhttp
 * lets through but edgefront refuses on both engines (a Transfer-Encoding other than `chunked`,
 * a missing or repeated Host, versions other than 1.0/1.1) node-viewer.ts refuses for node:http.
 */

import { METHODS } from 'node:http';

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

/** What a reused ParsedHead holds between requests. */
const EMPTY_HEADERS: Record<string, string | string[] | undefined> = Object.freeze({});
const EMPTY_RAW: string[] = Object.freeze([]) as unknown as string[];

/**
 * A ParsedHead to parse into again and again: a connection keeps one and reads it before it
 * parses its next request, so a request costs no result object (88 bytes a hit).
 */
export function reusableParsedHead(): ParsedHead {
  return {
    method: '',
    target: '',
    version: '1.1',
    headers: EMPTY_HEADERS,
    rawHeaders: EMPTY_RAW,
    keepAlive: false,
    bodyLength: NO_BODY,
    expect: undefined,
  };
}

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
/** llhttp's URL bytes: visible ASCII only (no control, space, DEL or non-ASCII byte). */
const TARGET_INVALID = /[^\x21-\x7e]/;
const DIGITS = /^[0-9]+$/;

/**
 * The methods llhttp knows (node:http's METHODS); any other is 400 on both engines. CONNECT is
 * refused too: node:http hands it to a `connect` listener, which server.ts answers with 400.
 */
const KNOWN_METHODS = new Set(METHODS.filter((m) => m !== 'CONNECT'));

/** Methods most requests use: matched in place, so the method is a constant string, not a slice. */
const COMMON_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS', 'DELETE', 'PATCH'];

/** The constant for head[0, end) when it is one of COMMON_METHODS (case-sensitive, as methods are). */
function commonMethod(head: string, end: number): string | undefined {
  for (let i = 0; i < COMMON_METHODS.length; i++) {
    const method = COMMON_METHODS[i];
    if (method.length === end && head.startsWith(method)) return method;
  }
  return undefined;
}

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

/**
 * Request header names viewers send most, by length: a name that matches one (ASCII letters in
 * any case) becomes the constant lowercase string, and its raw form a constant too when it is
 * spelled as below, so the common headers cost no slice, no lowercasing and no string-table
 * lookup when they become keys (measured: bench/README.md, "HTTP/1 engine").
 */
const KNOWN_NAMES: string[][] = [];
const CANONICAL_RAW = new Map<string, string>();
for (const name of [
  'host',
  'user-agent',
  'accept',
  'accept-encoding',
  'accept-language',
  'connection',
  'cookie',
  'referer',
  'cache-control',
  'pragma',
  'if-none-match',
  'if-modified-since',
  'if-range',
  'range',
  'origin',
  'authorization',
  'content-type',
  'content-length',
  'x-forwarded-for',
  'upgrade-insecure-requests',
  'sec-fetch-site',
  'sec-fetch-mode',
  'sec-fetch-dest',
  'sec-fetch-user',
  'sec-ch-ua',
  'sec-ch-ua-mobile',
  'sec-ch-ua-platform',
  'priority',
  'dnt',
  'te',
  'via',
  'expect',
  'transfer-encoding',
]) {
  if (KNOWN_NAMES[name.length] === undefined) KNOWN_NAMES[name.length] = [];
  KNOWN_NAMES[name.length].push(name);
  CANONICAL_RAW.set(
    name,
    name.replace(/(^|-)[a-z]/g, (c) => c.toUpperCase()),
  );
}

/** Set by knownName: whether the raw name was spelled exactly as its lowercase form. */
let knownWasLowercase = false;

/** The lowercase constant for head[start, end) if it is a known name, else undefined. */
function knownName(head: string, start: number, end: number): string | undefined {
  const candidates = KNOWN_NAMES[end - start];
  if (candidates === undefined) return undefined;
  next: for (let k = 0; k < candidates.length; k++) {
    const name = candidates[k];
    let lowercase = true;
    for (let i = 0; i < name.length; i++) {
      const c = head.charCodeAt(start + i);
      const l = name.charCodeAt(i);
      if (c === l) continue;
      // Only ASCII letters fold: a CR or other byte must never pass as '-'.
      if (l >= 97 && l <= 122 && c === l - 32) {
        lowercase = false;
        continue;
      }
      continue next;
    }
    knownWasLowercase = lowercase;
    return name;
  }
  return undefined;
}

/** The raw spelling of a known name: a constant when it is lowercase or canonical ("User-Agent"). */
function rawKnownName(head: string, start: number, end: number, name: string): string {
  if (knownWasLowercase) return name;
  const canonical = CANONICAL_RAW.get(name)!;
  return head.startsWith(canonical, start) ? canonical : head.slice(start, end);
}

/**
 * Where the raw names and values are collected before being copied into an array of their
 * exact size: an array grown by push starts at 17 slots and grows by half again, most of it
 * never used. Never shortened (that would free its slots); the slots a request used are
 * emptied after the copy, so no old head stays referenced (a value sliced from a head keeps the
 * whole head alive).
 */
const RAW_SCRATCH: string[] = [];

/** Drops what a reused ParsedHead refers to of the last request (strings sliced from its head). */
export function releaseParsedHead(head: ParsedHead): void {
  head.target = '';
  head.headers = EMPTY_HEADERS;
  head.rawHeaders = EMPTY_RAW;
  head.expect = undefined;
}

/**
 * Parses `head` (latin1, without the blank line that ends it; leading empty lines removed) into
 * `into` (every field is set), or into a new object. The headers and rawHeaders are new each time.
 */
export function parseHead(head: string, into?: ParsedHead): ParsedHead {
  let lineEnd = head.indexOf('\r\n');
  if (lineEnd === -1) lineEnd = head.length;
  // The request line is read in place, without slicing it (nor the version) out of the head.
  let sp1 = head.indexOf(' ');
  if (sp1 > lineEnd) sp1 = -1;
  let sp2 = lineEnd - 1; // String#lastIndexOf calls into the runtime: slower than this scan
  while (sp2 >= 0 && head.charCodeAt(sp2) !== 32) sp2--;
  if (sp1 <= 0 || sp2 === sp1) throw new ParseFailure(400, 'malformed request line');
  const method = commonMethod(head, sp1) ?? head.slice(0, sp1);
  // As llhttp: more than one SP may separate the target from its neighbours (RFC 9112 §3 allows it).
  let targetStart = sp1 + 1;
  while (head.charCodeAt(targetStart) === 32) targetStart++;
  let targetEnd = sp2;
  while (targetEnd > targetStart && head.charCodeAt(targetEnd - 1) === 32) targetEnd--;
  const target = head.slice(targetStart, targetEnd);
  if (!KNOWN_METHODS.has(method)) throw new ParseFailure(400, 'unknown method');
  if (target.length === 0 || TARGET_INVALID.test(target))
    throw new ParseFailure(400, 'invalid request target');
  let version: '1.0' | '1.1';
  if (lineEnd - sp2 !== 9 || !head.startsWith('HTTP/1.', sp2 + 1))
    throw new ParseFailure(400, 'unsupported HTTP version');
  const minor = head.charCodeAt(sp2 + 8);
  if (minor === 49 /* 1 */) version = '1.1';
  else if (minor === 48 /* 0 */) version = '1.0';
  else throw new ParseFailure(400, 'unsupported HTTP version');

  const headers: Record<string, string | string[] | undefined> = {};
  const raw = RAW_SCRATCH;
  let rawCount = 0;
  let contentLength: string | undefined;
  let transferEncoding: string | undefined;
  let connection = '';
  let hosts = 0;
  let pos = lineEnd + 2;
  while (pos < head.length) {
    let end = head.indexOf('\r\n', pos);
    if (end === -1) end = head.length;
    const colon = head.indexOf(':', pos);
    if (colon === -1 || colon > end) throw new ParseFailure(400, 'header line without a colon');
    let name = knownName(head, pos, colon);
    let rawName: string;
    if (name !== undefined) {
      rawName = rawKnownName(head, pos, colon, name);
    } else {
      rawName = head.slice(pos, colon);
      // A name must be a token: this also refuses obs-fold (a line starting with SP/HTAB, §5.2).
      if (!TOKEN.test(rawName)) throw new ParseFailure(400, 'invalid header name');
      name = rawName.toLowerCase();
    }
    const value = trimmedValue(head, colon + 1, end);
    if (FIELD_VALUE_INVALID.test(value)) throw new ParseFailure(400, 'invalid header value');
    raw[rawCount++] = rawName;
    raw[rawCount++] = value;
    const existing = headers[name];
    if (name === 'content-length') {
      // Duplicates, even equal ones, are refused as llhttp does (request smuggling, §6.3).
      if (contentLength !== undefined) throw new ParseFailure(400, 'duplicate Content-Length');
      contentLength = value;
    } else if (name === 'transfer-encoding') {
      transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
    } else if (name === 'connection') {
      connection = connection ? `${connection}, ${value}` : value;
    } else if (name === 'host') {
      hosts++;
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

  // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host, and to any
  // request with more than one (which Host would the cache key and the origin use?).
  if (hosts > 1 || (hosts === 0 && version === '1.1'))
    throw new ParseFailure(400, 'missing or repeated Host');

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
  const rawHeaders = raw.slice(0, rawCount);
  for (let i = 0; i < rawCount; i++) raw[i] = ''; // the scratch keeps no slice of this head (a loop: Array#fill is a builtin call, ~0.5 % of a hit)
  if (into === undefined)
    return { method, target, version, headers, rawHeaders, keepAlive, bodyLength, expect };
  into.method = method;
  into.target = target;
  into.version = version;
  into.headers = headers;
  into.rawHeaders = rawHeaders;
  into.keepAlive = keepAlive;
  into.bodyLength = bodyLength;
  into.expect = expect;
  return into;
}

/**
 * The field value in head[start, end) without the optional whitespace around it (SP and HTAB
 * only, RFC 9110 §5.6.3), in one slice. Not String#trim, which also strips CR, LF and other
 * controls: `Host: x\r\r\n` would pass as `x` where llhttp refuses the CR (found by
 * test/blackbox/security/viewer-fuzz.test.ts).
 */
function trimmedValue(head: string, start: number, end: number): string {
  while (start < end && (head.charCodeAt(start) === 32 || head.charCodeAt(start) === 9)) start++;
  while (end > start && (head.charCodeAt(end - 1) === 32 || head.charCodeAt(end - 1) === 9)) end--;
  return head.slice(start, end);
}

function isKeepAlive(version: '1.0' | '1.1', tokens: string): boolean {
  return version === '1.1'
    ? !/(^|[\s,])close($|[\s,])/.test(tokens)
    : /(^|[\s,])keep-alive($|[\s,])/.test(tokens);
}

/** A method llhttp could still be reading: `prefix` starts a known method. */
function isMethodPrefix(prefix: string): boolean {
  for (const method of KNOWN_METHODS) if (method.startsWith(prefix)) return true;
  return false;
}

/**
 * Checks a request head that has not ended yet, so that what can never become a request is
 * refused at once (llhttp refuses at the first bad byte) rather than when the headers timeout
 * passes: a control character or DEL, a bare LF or CR, a non-ASCII byte or HTAB in the request
 * line, a method no known method starts with (a TLS handshake on the HTTP port, binary garbage).
 * Incremental: each byte is checked once however slowly the head trickles in.
 */
export class HeadPrefix {
  /** Bytes of the pending head already checked. */
  private checked = 0;
  private methodDone = false;
  private lineDone = false;

  reset(): void {
    this.checked = 0;
    this.methodDone = false;
    this.lineDone = false;
  }

  /** Where the head's end (CRLF CRLF) may start, at the earliest, in a buffer holding it from `start`. */
  searchFrom(start: number): number {
    return start + Math.max(0, this.checked - 3);
  }

  /** false: no valid request starts with `buf` from `start` on (up to `end`, where a complete head ends). */
  isPlausible(buf: Buffer, start: number, end = buf.length): boolean {
    let i = start + this.checked;
    for (; i < end; i++) {
      const b = buf[i];
      if (b === 13) {
        if (i + 1 === end) break; // the next byte decides
        if (buf[i + 1] !== 10) return false;
        this.lineDone = true;
        i++;
        continue;
      }
      if (b === 10 || b === 0x7f || (b < 0x20 && b !== 9)) return false;
      if (this.lineDone) continue;
      if (b >= 0x80 || b === 9) return false;
      if (!this.methodDone) {
        const method = buf.toString('latin1', start, b === 32 ? i : i + 1);
        if (b === 32 ? !KNOWN_METHODS.has(method) : !isMethodPrefix(method)) return false;
        this.methodDone = b === 32;
      }
    }
    this.checked = i - start;
    return true;
  }
}
