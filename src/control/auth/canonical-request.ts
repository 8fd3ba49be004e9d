/**
 * The canonical request shared by SigV4 and SigV4A (reference/control-api.md §4.1), rebuilt on
 * the server side from what arrived on the wire. Everything here mirrors what the AWS SDKs
 * sign (`@smithy/signature-v4`'s SignatureV4Base), so a request an SDK signed canonicalises
 * to the very same bytes.
 */
import { createHash } from 'node:crypto';

/** One `name=value` pair of the query, both still percent-encoded exactly as canonicalised. */
export interface QueryParam {
  readonly name: string;
  readonly value: string;
}

/** RFC 3986: only `A-Z a-z 0-9 - _ . ~` stand for themselves; every other byte is `%XX`, upper-case hex. */
const ENCODED_BYTE: readonly string[] = Array.from({ length: 256 }, (_, byte) => {
  const char = String.fromCharCode(byte);
  return /[A-Za-z0-9\-_.~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
});

export function uriEncode(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += ENCODED_BYTE[byte];
  return out;
}

const PERCENT_TRIPLET = /%[0-9A-Fa-f]{2}/g;

/**
 * Wire text → bytes. Works on bytes, not strings, so `%FF` (not UTF-8) survives the round trip
 * through {@link uriEncode}; a `%` not followed by two hex digits is kept literally, and `+`
 * stays `+` (RFC 3986, as the SDKs encode it: a space is always `%20`).
 */
export function percentDecode(text: string): Buffer {
  if (!text.includes('%')) return Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let last = 0;
  for (const match of text.matchAll(PERCENT_TRIPLET)) {
    parts.push(Buffer.from(text.slice(last, match.index), 'utf8'));
    parts.push(Buffer.from(match[0].slice(1), 'hex'));
    last = match.index + 3;
  }
  parts.push(Buffer.from(text.slice(last), 'utf8'));
  return Buffer.concat(parts);
}

/**
 * The CanonicalURI candidates for a wire path, most likely first (§4.1). Every service but S3
 * encodes the path again on top of the wire encoding (`%3A` → `%253A`); that is what the SDKs
 * sign. The single-encoded form (decode, encode once) is the fallback for clients that sign
 * the path S3-style. Both are normalised like the SDK: empty and `.` segments dropped, `..`
 * removes the segment before it, a trailing slash kept.
 */
export function canonicalUris(path: string): string[] {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const lead = path.startsWith('/') ? '/' : '';
  const trail = segments.length > 0 && path.endsWith('/') ? '/' : '';
  const doubleEncoded = lead + segments.map((s) => uriEncode(Buffer.from(s, 'utf8'))).join('/') + trail;
  const singleEncoded = lead + segments.map((s) => uriEncode(percentDecode(s))).join('/') + trail;
  return singleEncoded === doubleEncoded ? [doubleEncoded] : [doubleEncoded, singleEncoded];
}

/** Splits a raw query string (no `?`) into pairs, each re-encoded the canonical way. */
export function parseQuery(query: string): QueryParam[] {
  const params: QueryParam[] = [];
  if (query === '') return params;
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : part.slice(eq + 1);
    params.push({ name: uriEncode(percentDecode(name)), value: uriEncode(percentDecode(value)) });
  }
  return params;
}

/** The decoded value of the first parameter with this exact name (AWS's X-Amz-* names are case-sensitive). */
export function queryValue(params: readonly QueryParam[], name: string): string | undefined {
  // X-Amz-* names are all unreserved characters, so their canonical encoding is themselves.
  const param = params.find((p) => p.name === name);
  return param && percentDecode(param.value).toString('utf8');
}

/**
 * CanonicalQueryString: sorted by encoded name, then encoded value, joined by `&` (§4.1).
 * `X-Amz-Signature` is left out in any letter case: a presigned URL cannot sign its own
 * signature, and the SDKs drop that name in the header form too, so a verifier must as well.
 */
export function canonicalQueryString(params: readonly QueryParam[]): string {
  const kept = params.filter((p) => p.name.toLowerCase() !== 'x-amz-signature');
  kept.sort((a, b) => compare(a.name, b.name) || compare(a.value, b.value));
  return kept.map((p) => `${p.name}=${p.value}`).join('&');
}

// Canonical names and values are ASCII, so code-unit order is byte order.
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The CanonicalHeaders block for the signed header names, each line `name:value\n` (§4.1).
 * Values are trimmed and whitespace runs collapsed to one space exactly as the SDK does
 * (space, tab, CR and LF only; a no-break space is data). Repeated headers, as an array
 * (`req.headersDistinct`), are joined with `,`. A signed header that is absent canonicalises as
 * empty, which then simply fails the signature.
 */
export function canonicalHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  signedHeaders: readonly string[],
): string {
  let block = '';
  for (const name of signedHeaders) {
    // HTTP/2 carries Host as :authority; the signer saw it as `host`.
    const value = name === 'host' ? (headers.host ?? headers[':authority']) : headers[name];
    block += `${name}:${canonicalHeaderValue(value)}\n`;
  }
  return block;
}

function canonicalHeaderValue(value: string | string[] | undefined): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? value.map(trimAll).join(',') : trimAll(value);
}

const trimAll = (value: string): string => value.replace(/[ \t\r\n]+/g, ' ').replace(/^ | $/g, '');

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The canonical request itself (§4.1); `headerBlock` comes from {@link canonicalHeaders}. */
export function canonicalRequest(
  method: string,
  uri: string,
  query: string,
  headerBlock: string,
  signedHeadersLine: string,
  payloadHash: string,
): string {
  return `${method}\n${uri}\n${query}\n${headerBlock}\n${signedHeadersLine}\n${payloadHash}`;
}
