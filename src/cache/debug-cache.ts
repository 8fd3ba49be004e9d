/**
 * `GET /debug/cache?distribution=ID[&path=/p][&key=K][&limit=N]` on the admin port, answered
 * only to loopback peers: what the cache holds for a distribution, in both tiers (key, tier,
 * path, status, size, TTL left, age, tags), to see in development why a request was a Hit or a
 * Miss. Each key is listed once: `tier` is where a lookup answers from (memory first), `tiers`
 * every tier holding it (memory entries are written through to disk). Entries still being
 * filled from the origin are not listed until stored.
 */
import { zeroCopyStatus } from '../zero-copy.js';
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
  const key = query.get('key') ?? undefined;
  const limit = Math.min(Number(query.get('limit') ?? 1000) || 1000, 10_000);
  const entries = [];
  for (const { meta, tier, tiers } of cache.tieredEntries(distributionId)) {
    if ((path !== undefined && meta.path !== path) || (key !== undefined && meta.key !== key)) continue;
    entries.push({
      key: meta.key,
      tier,
      tiers,
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
  const disk = cache.disk;
  return {
    status: 200,
    body: {
      // zeroCopy: whether large bodies are sent with sendfile (src/zero-copy.ts), and why not.
      memory: { entries: cache.memory.entryCount, bytes: cache.memory.bytesUsed, zeroCopy: zeroCopyStatus() },
      ...(disk && { disk: { entries: disk.entryCount, bytes: disk.bytesUsed } }),
      entries,
    },
  };
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
