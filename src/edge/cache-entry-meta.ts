/**
 * From an origin response to what the cache records about it: CloudFront's freshness for this
 * behavior (src/cache/ttl.ts) and the entry metadata (expiry, stale windows, Cache-Tag tags).
 */
import { parseCacheControl } from '../cache/cache-control.js';
import { edgeFreshness, type Freshness } from '../cache/ttl.js';
import type { CacheEntryMeta } from '../cache/types.js';
import { ownString } from '../own-string.js';
import type { Exchange } from './exchange.js';
import { HOP_BY_HOP, namedByConnection } from './origin-headers.js';
import { carriedFreshness, tierAgeMs } from './tier/state.js';

export function freshnessOf(
  ex: Exchange,
  status: number,
  headers: Record<string, string | string[]>,
): Freshness {
  // A regional tier answered: its TTL decision and age stand (src/edge/tier/).
  const carried = carriedFreshness(ex);
  if (carried !== undefined) return carried;
  const behavior = ex.behavior!;
  const custom = ex.distribution!.customErrorResponses.get(status);
  return edgeFreshness({
    status,
    method: ex.request.method,
    headers,
    policy: behavior.cachePolicy.Config,
    errorCachingMinTtl: custom?.ErrorCachingMinTTL,
    nowMs: ex.runtime.clock.now(),
    originIsS3: ex.originCandidates[0]?.kind === 's3',
    cachedMethods: behavior.cachedMethods,
  });
}

export function entryMeta(
  ex: Exchange,
  status: number,
  headers: Record<string, string | string[]>,
  size: number,
  freshness: Freshness,
): CacheEntryMeta {
  // An object a regional tier held for a while arrives that old: Age carries over (tier/).
  const storedAtMs = ex.runtime.clock.now() - tierAgeMs(ex);
  const freshUntilMs = storedAtMs + freshness.ttlSeconds * 1000;
  return {
    key: ownString(ex.cacheKey!),
    distributionId: ex.distribution!.Id,
    path: ownString(ex.request.path),
    status,
    headers: storableHeaders(headers),
    size,
    storedAtMs,
    freshUntilMs,
    staleWhileRevalidateUntilMs: freshUntilMs + freshness.staleWhileRevalidateSeconds * 1000,
    staleIfErrorUntilMs: freshUntilMs + freshness.staleIfErrorSeconds * 1000,
    tags: cacheTags(headers['cache-tag']),
    storedSeq: ex.originSequence,
  };
}

/**
 * `Cache-Control: no-cache="Set-Cookie"` caches the body but not the cookie (caching.md §2.2).
 * Hop-by-hop headers (and those the origin's Connection header names) and Content-Length (the
 * stored size is authoritative) are never stored, so a hit can skip viewer-response's filter
 * (`viewerSafe` in src/cache/serve-cached.ts).
 */
function storableHeaders(headers: Record<string, string | string[]>): Record<string, string | string[]> {
  const fields = parseCacheControl(headers['cache-control']).noCacheFields;
  const connectionNamed = namedByConnection(headers.connection);
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    if (name === 'content-length' || HOP_BY_HOP.has(name) || connectionNamed?.has(name)) continue;
    if (fields.includes(name)) continue;
    out[name] = headers[name];
  }
  return out;
}

export function cacheTags(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const tags: string[] = [];
  for (const part of (Array.isArray(value) ? value.join(',') : value).split(',')) {
    const tag = part.trim();
    if (tag) tags.push(tag);
  }
  return tags;
}
