/**
 * From an origin response to what the cache records about it: CloudFront's freshness for this
 * behavior (src/cache/ttl.ts) and the entry metadata (expiry, stale windows, Cache-Tag tags).
 */
import { parseCacheControl } from '../cache/cache-control.js';
import { edgeFreshness, type Freshness } from '../cache/ttl.js';
import type { CacheEntryMeta } from '../cache/types.js';
import type { Exchange } from './exchange.js';

export function freshnessOf(
  ex: Exchange,
  status: number,
  headers: Record<string, string | string[]>,
): Freshness {
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
  const now = ex.runtime.clock.now();
  const freshUntilMs = now + freshness.ttlSeconds * 1000;
  return {
    key: ex.cacheKey!,
    distributionId: ex.distribution!.Id,
    path: ex.request.path,
    status,
    headers: storableHeaders(headers),
    size,
    storedAtMs: now,
    freshUntilMs,
    staleWhileRevalidateUntilMs: freshUntilMs + freshness.staleWhileRevalidateSeconds * 1000,
    staleIfErrorUntilMs: freshUntilMs + freshness.staleIfErrorSeconds * 1000,
    tags: cacheTags(headers['cache-tag']),
    storedSeq: ex.originSequence,
  };
}

/**
 * `Cache-Control: no-cache="Set-Cookie"` caches the body but not the cookie (caching.md §2.2);
 * Cache-Tag is edgefront's own purge metadata, kept out of what viewers see from the cache too.
 */
function storableHeaders(headers: Record<string, string | string[]>): Record<string, string | string[]> {
  const fields = parseCacheControl(headers['cache-control']).noCacheFields;
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    if (
      name === 'content-length' ||
      name === 'transfer-encoding' ||
      name === 'connection' ||
      name === 'keep-alive'
    )
      continue;
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
