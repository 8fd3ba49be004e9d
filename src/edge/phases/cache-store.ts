/**
 * After origin-response, before viewer-response. Stores what CloudFront would cache
 * (src/cache/ttl.ts: status, method, Cache-Control/Expires against Min/Default/MaxTTL) while
 * the body streams to the viewer: chunks are collected on the side and the entry is written
 * only when the body ended complete (a viewer that hangs up, an origin that drops the
 * connection or a Content-Length mismatch stores nothing: caching.md §3.5). HEAD responses
 * and 206s (ranges the origin applied: caching disabled) are not stored; a Range request on a
 * cacheable miss asked the origin for the whole object, which is stored
 * (src/edge/range-response.ts); a collapsed miss's waiters are released once the
 * entry is written or known not to be. → 'viewer-response'.
 */
import { pipeline, type Readable, Transform } from 'node:stream';
import { entryMeta, freshnessOf } from '../cache-entry-meta.js';
import { copyHeaders } from '../copy-headers.js';
import type { Exchange } from '../exchange.js';
import type { Next } from '../lifecycle.js';

export function cacheStore(ex: Exchange): Next {
  const done = ex.collapseDone;
  ex.collapseDone = undefined;
  const response = ex.response;
  const stores =
    ex.cacheKey !== undefined &&
    response !== undefined &&
    ex.originStatus !== undefined &&
    ex.request.method !== 'HEAD' &&
    response.status !== 206 &&
    (ex.result === 'Miss' || ex.result === 'Error');
  if (!stores) {
    done?.();
    return 'viewer-response';
  }
  // A custom error page is cached like the error it replaces (caching.md §2.5, §7).
  const freshness = freshnessOf(ex, ex.originStatus!, response.headers);
  if (!freshness.cacheable) {
    done?.();
    return 'viewer-response';
  }
  const headers = copyHeaders(response.headers);
  const status = response.status;
  const cache = ex.runtime.cache;
  const finish = (body: Buffer) => {
    cache.store(entryMeta(ex, status, headers, body.byteLength, freshness), body).then(done, done);
  };
  const body = response.body;
  if (body === null) finish(Buffer.alloc(0));
  else if (Buffer.isBuffer(body)) finish(body);
  else if (expectedLength(headers) !== undefined && expectedLength(headers)! > cache.maxStorableBytes)
    done?.();
  else response.body = tee(body, expectedLength(headers), cache.maxStorableBytes, finish, done);
  return 'viewer-response';
}

function expectedLength(headers: Record<string, string | string[]>): number | undefined {
  const value = headers['content-length'];
  if (typeof value !== 'string') return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * Passes the body through to the viewer while keeping a copy; gives up the copy past `limit`
 * bytes. A body destroyed before its end (viewer gone, origin failure) stores nothing.
 */
function tee(
  body: Readable,
  expected: number | undefined,
  limit: number,
  finish: (body: Buffer) => void,
  abandon: (() => void) | undefined,
): Readable {
  let chunks: Buffer[] | undefined = [];
  let bytes = 0;
  let settled = false;
  const settle = (stored: Buffer | undefined) => {
    if (settled) return;
    settled = true;
    if (stored) finish(stored);
    else abandon?.();
  };
  const copy = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (chunks !== undefined) {
        if (bytes > limit) chunks = undefined;
        else chunks.push(chunk);
      }
      callback(null, chunk);
    },
    flush(callback) {
      const complete = chunks !== undefined && (expected === undefined || bytes === expected);
      settle(complete ? Buffer.concat(chunks!, bytes) : undefined);
      callback();
    },
  });
  pipeline(body, copy, () => settle(undefined)); // destroying either end destroys both
  return copy;
}
