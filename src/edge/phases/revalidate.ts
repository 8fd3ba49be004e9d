/**
 * Expired entries (reference/caching.md §2.3–2.4): the origin request carries the stored
 * validators (If-None-Match / If-Modified-Since); a 304 refreshes the entry (RefreshHit); an
 * origin 5xx or failure serves the stale copy within stale-if-error, or — with no stale
 * directive — for ErrorCachingMinTTL (10 s); stale-while-revalidate serves at once and
 * refreshes in the background. `must-revalidate` turns stale serving off (ttl.ts).
 */

import { parseCacheControl } from '../../cache/cache-control.js';
import { declaredLength, storeInBackground } from '../../cache/cache-fill.js';
import { DEFAULT_ERROR_CACHING_MIN_TTL } from '../../cache/ttl.js';
import { type CacheEntry, type CacheEntryMeta, copyMeta } from '../../cache/types.js';
import type { OriginRequest, OriginResponse } from '../../origin/types.js';
import { entryMeta, freshnessOf } from '../cache-entry-meta.js';
import { copyHeaders } from '../copy-headers.js';
import { copyExchange, type Exchange } from '../exchange.js';
import type { Next } from '../lifecycle.js';
import { serveHit } from './cache-lookup.js';
import { buildOriginRequest, originsFor } from './origin-request.js';
import { destroyBody } from './origin-response.js';

/** Replaces the viewer's validators with the stored entry's (§2.4 step 1). */
export function withValidators(request: OriginRequest, entry: CacheEntry): OriginRequest {
  const headers = copyHeaders(request.headers);
  delete headers['if-none-match'];
  delete headers['if-modified-since'];
  delete headers['if-match'];
  delete headers['if-unmodified-since'];
  delete headers['if-range'];
  delete headers.range;
  const etag = entry.headers.etag;
  const lastModified = entry.headers['last-modified'];
  if (typeof etag === 'string') headers['if-none-match'] = etag;
  if (typeof lastModified === 'string') headers['if-modified-since'] = lastModified;
  return { ...request, headers };
}

/** The entry after a 304: the 304's headers win, freshness is recomputed from them. */
export function refreshedMeta(ex: Exchange, entry: CacheEntry, notModified: OriginResponse): CacheEntryMeta {
  const headers: Record<string, string | string[]> = {
    ...(entry.headers as Record<string, string | string[]>),
  };
  for (const name in notModified.headers) {
    if (name === 'content-length' || name === 'transfer-encoding' || name === 'connection') continue;
    headers[name] = notModified.headers[name];
  }
  const freshness = freshnessOf(ex, entry.status, headers);
  return entryMeta(ex, entry.status, headers, entry.size, freshness);
}

/** Origin answered a revalidation: 304 → RefreshHit; 5xx → stale if allowed; else the new response. */
export async function afterRevalidation(ex: Exchange, response: OriginResponse): Promise<Next | undefined> {
  const entry = ex.stale!;
  if (response.status === 304) {
    destroyBody(response.body);
    const meta = refreshedMeta(ex, entry, response);
    await ex.runtime.cache.update(meta);
    const refreshed = await ex.runtime.cache.lookup(meta.key);
    return serveHit(ex, refreshed ?? entry, 'RefreshHit');
  }
  if (response.status >= 500 && (await serveStaleOnError(ex))) {
    destroyBody(response.body);
    return 'viewer-response';
  }
  return undefined;
}

/**
 * Serves the stale entry for an origin failure when CloudFront would (§2.3, §2.4 step 4):
 * inside stale-if-error, or with no stale-if-error directive and no must-revalidate, for
 * ErrorCachingMinTTL more seconds.
 */
export async function serveStaleOnError(ex: Exchange): Promise<boolean> {
  const entry = ex.stale;
  if (!entry) return false;
  const now = ex.runtime.clock.now();
  const cc = parseCacheControl(entry.headers['cache-control']);
  if (cc.mustRevalidate || cc.proxyRevalidate) return false;
  if (cc.staleIfError !== undefined) {
    if (now >= entry.staleIfErrorUntilMs) return false;
  } else {
    const errorTtl =
      ex.distribution!.customErrorResponses.get(500)?.ErrorCachingMinTTL ?? DEFAULT_ERROR_CACHING_MIN_TTL;
    await ex.runtime.cache.update({ ...copyMeta(entry), freshUntilMs: now + errorTtl * 1000 });
  }
  serveHit(ex, entry, 'Hit');
  return true;
}

/** stale-while-revalidate: one background conditional request per key; failures are ignored. */
export function refreshInBackground(ex: Exchange, entry: CacheEntry): void {
  const cache = ex.runtime.cache;
  const collapse = cache.collapse(entry.key);
  if (!('done' in collapse)) return; // a refresh (or a miss) for this key is already in flight
  const behavior = ex.behavior!;
  const [origin] = originsFor(ex, behavior);
  const request = withValidators(
    buildOriginRequest(ex, behavior, origin, {
      method: 'GET',
      path: ex.originPath,
      query: ex.request.query,
      withBody: false,
    }),
    entry,
  );
  const refresh = copyExchange(ex);
  refresh.stale = entry;
  refresh.originSequence = cache.sequence();
  ex.runtime.fetcher
    .fetch(request)
    .then(async (response) => {
      if (response.status === 304) {
        destroyBody(response.body);
        await cache.update(refreshedMeta(refresh, entry, response));
        return;
      }
      const freshness = freshnessOf(refresh, response.status, response.headers);
      if (!freshness.cacheable || response.status >= 500) {
        destroyBody(response.body);
        return;
      }
      const length = declaredLength(response.headers);
      const meta = entryMeta(refresh, response.status, response.headers, length ?? 0, freshness);
      await storeInBackground(cache, meta, length, response.body); // by tier: never whole in memory
    })
    .catch(() => {})
    .finally(collapse.done);
}
