/**
 * `GET /debug/cache?distribution=ID[&path=/p][&limit=N]` on the admin port, answered only to
 * loopback peers: what the cache holds for a distribution (key, path, status, size, TTL left,
 * tags), to see in development why a request was a Hit or a Miss. Memory tier only; the disk
 * tier's entries are listed once its index is exposed.
 */
import type { EdgeCache } from './edge-cache.js';

export interface DebugCacheAnswer {
  status: number;
  body: unknown;
}

export function debugCache(
  cache: EdgeCache,
  query: URLSearchParams,
  nowMs: number,
  peer: string,
): DebugCacheAnswer {
  if (!isLoopback(peer))
    return { status: 403, body: { error: '/debug/cache answers loopback clients only' } };
  const distributionId = query.get('distribution') ?? undefined;
  const path = query.get('path') ?? undefined;
  const limit = Math.min(Number(query.get('limit') ?? 1000) || 1000, 10_000);
  const entries = [];
  for (const meta of cache.entries(distributionId)) {
    if (path !== undefined && meta.path !== path) continue;
    entries.push({
      key: meta.key,
      distributionId: meta.distributionId,
      path: meta.path,
      status: meta.status,
      size: meta.size,
      ttlLeftSeconds: Math.round((meta.freshUntilMs - nowMs) / 1000),
      ageSeconds: Math.floor((nowMs - meta.storedAtMs) / 1000),
      tags: meta.tags,
    });
    if (entries.length >= limit) break;
  }
  return {
    status: 200,
    body: { memory: { entries: cache.memory.entryCount, bytes: cache.memory.bytesUsed }, entries },
  };
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
