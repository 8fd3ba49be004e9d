/**
 * After origin-response, before viewer-response. Stores what CloudFront would cache
 * (src/cache/ttl.ts: status, method, Cache-Control/Expires against Min/Default/MaxTTL) while
 * the body streams to the viewer (src/cache/cache-fill.ts): collected in memory up to the
 * memory tier's entry limit, written to the disk tier as it arrives above it, and stored only
 * when the body ended complete (an origin that drops the connection or a Content-Length
 * mismatch stores nothing; a viewer that hangs up stores nothing unless collapsed requests are
 * still following the body: caching.md §3.5). HEAD responses and 206s (ranges the origin
 * applied: caching disabled) are not stored; a Range request on a cacheable miss asked the
 * origin for the whole object, which is stored (src/edge/range-response.ts). The leader of a
 * collapsed miss publishes its response as soon as it is known to be stored, so the waiters
 * follow the body as it arrives (§3.4). → 'viewer-response'.
 */
import type { Readable } from 'node:stream';
import { CacheFill, declaredLength } from '../../cache/cache-fill.js';
import { entryMeta, freshnessOf } from '../cache-entry-meta.js';
import { copyHeaders } from '../copy-headers.js';
import type { Exchange } from '../exchange.js';
import type { Next } from '../lifecycle.js';
import { tierOutcome } from '../tier/state.js';

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
    (ex.result === 'Miss' ||
      ex.result === 'Error' ||
      ex.lambdaGeneratedAtOrigin ||
      tierOutcome(ex) !== undefined);
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
  const cache = ex.runtime.cache;
  const body = response.body;
  if (body === null || Buffer.isBuffer(body)) {
    const whole = body ?? Buffer.alloc(0);
    cache.store(entryMeta(ex, response.status, headers, whole.byteLength, freshness), whole).then(done, done);
    return 'viewer-response';
  }
  const expectedBytes = declaredLength(headers);
  const tier = cache.tierFor(expectedBytes);
  if (tier === undefined) {
    done?.(); // larger than any tier takes: passed through uncached
    return 'viewer-response';
  }
  const fill = new CacheFill({
    cache,
    meta: entryMeta(ex, response.status, headers, expectedBytes ?? 0, freshness),
    expectedBytes,
    tier,
    source: body as Readable,
    onSettled: done,
  });
  response.body = fill.viewerBody;
  ex.fillingCache = true;
  if (done) cache.publish(ex.cacheKey!, fill);
  return 'viewer-response';
}
