/**
 * A viewer response from a cached entry (reference/caching.md §3.1–3.3): `Age`, conditional
 * requests answered 304 (weak ETag comparison, If-Modified-Since), a single byte range
 * answered 206 with Content-Range (416 when unsatisfiable, the full 200 when the Range header
 * is malformed or asks for several ranges), and HEAD sharing GET's entry.
 */
import { copyHitHeaders } from '../edge/copy-headers.js';
import type { EdgeResponse, ViewerRequest } from '../edge/exchange.js';
import type { CacheEntry } from './types.js';

/** Headers a 304 carries (RFC 9110 §15.4.5): the validators and what caching needs. */
const NOT_MODIFIED_HEADERS = [
  'cache-control',
  'content-location',
  'date',
  'etag',
  'expires',
  'last-modified',
  'vary',
];

export function responseFromEntry(entry: CacheEntry, req: ViewerRequest, nowMs: number): EdgeResponse {
  const age = String(Math.max(0, Math.floor((nowMs - entry.storedAtMs) / 1000)));
  if (entry.status === 200 && isNotModified(entry, req)) {
    const headers: Record<string, string | string[]> = { age };
    for (const name of NOT_MODIFIED_HEADERS) {
      const value = entry.headers[name];
      if (value !== undefined) headers[name] = value;
    }
    return { status: 304, headers, body: null };
  }
  const headers = copyHitHeaders(entry.headers);
  headers.age = age;
  const range = entry.status === 200 ? header(req, 'range') : undefined;
  if (range !== undefined && ifRangeMatchesEntry(entry, req)) {
    const parsed = parseRange(range, entry.size);
    if (parsed === 'unsatisfiable') {
      return {
        status: 416,
        headers: Object.assign(headers, { 'content-range': `bytes */${entry.size}`, 'content-length': '0' }),
        body: null,
      };
    }
    if (parsed) {
      const [start, end] = parsed;
      headers['content-range'] = `bytes ${start}-${end}/${entry.size}`;
      headers['content-length'] = String(end - start + 1);
      return {
        status: 206,
        headers,
        body: entry.buffer ? entry.buffer.subarray(start, end + 1) : entry.readBody(start, end),
      };
    }
  }
  headers['content-length'] = String(entry.size);
  // Stored headers hold no hop-by-hop fields (src/edge/cache-entry-meta.ts); without
  // Set-Cookie and Vary, which depend on the behavior, viewer-response has nothing to filter.
  const viewerSafe = headers['set-cookie'] === undefined && headers.vary === undefined;
  return {
    status: entry.status,
    headers,
    body: entry.buffer ?? entry.readBody(),
    viewerSafe,
    storedHeaders: viewerSafe ? entry.headers : undefined,
  };
}

function header(req: ViewerRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2); ETags compare weakly. */
function isNotModified(entry: CacheEntry, req: ViewerRequest): boolean {
  const inm = header(req, 'if-none-match');
  if (inm !== undefined) {
    const etag = entry.headers.etag;
    if (typeof etag !== 'string') return false;
    if (inm.trim() === '*') return true;
    const mine = opaque(etag);
    return inm.split(',').some((tag) => opaque(tag.trim()) === mine);
  }
  const ims = header(req, 'if-modified-since');
  const lastModified = entry.headers['last-modified'];
  if (ims === undefined || typeof lastModified !== 'string') return false;
  const since = Date.parse(ims);
  const modified = Date.parse(lastModified);
  return !Number.isNaN(since) && !Number.isNaN(modified) && modified <= since;
}

function opaque(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

function ifRangeMatchesEntry(entry: CacheEntry, req: ViewerRequest): boolean {
  const etag = entry.headers.etag;
  const lastModified = entry.headers['last-modified'];
  return ifRangeMatches(
    typeof etag === 'string' ? etag : undefined,
    typeof lastModified === 'string' ? lastModified : undefined,
    header(req, 'if-range'),
  );
}

/** If-Range: the range applies only while the validator still matches (strong ETag or date). */
export function ifRangeMatches(
  etag: string | undefined,
  lastModified: string | undefined,
  ifRange: string | undefined,
): boolean {
  if (ifRange === undefined) return true;
  if (ifRange.startsWith('"') || ifRange.startsWith('W/'))
    return ifRange === etag && !ifRange.startsWith('W/');
  return ifRange === lastModified;
}

/**
 * `bytes=a-b`, `bytes=a-`, `bytes=-n` → [start, end] inclusive; 'unsatisfiable' when it starts
 * past the end; undefined (serve the whole object) when malformed or multi-range (§3.2).
 */
export function parseRange(value: string, size: number): [number, number] | 'unsatisfiable' | undefined {
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(value);
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Number(m[2]);
  if (m[2] !== '' && end < start) return undefined; // invalid: the whole object (§3.2)
  if (start >= size) return 'unsatisfiable';
  return [start, Math.min(end, size - 1)];
}
