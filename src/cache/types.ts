/**
 * What the cache stores and the interface every tier implements (memory, disk). The edge
 * (src/edge/phases/cache-lookup.ts, cache-store.ts) talks to tiers only through these types,
 * so a tier can be swapped or stacked without touching the lifecycle.
 */
import type { Readable } from 'node:stream';

/** Everything about a cached response except its body bytes. */
export interface CacheEntryMeta {
  /** The full cache key (src/cache/key.ts): distribution + path + policy-selected values. */
  readonly key: string;
  readonly distributionId: string;
  /** Raw viewer path (no query string): what invalidation paths match against. */
  readonly path: string;
  readonly status: number;
  /** Origin response headers as stored (lowercase names; set-cookie may be an array). */
  readonly headers: Readonly<Record<string, string | string[]>>;
  /** Body length in bytes. */
  readonly size: number;
  /** When the response was received or last revalidated: the base of `Age`. */
  readonly storedAtMs: number;
  /** End of freshness (storedAtMs + edge TTL). */
  readonly freshUntilMs: number;
  /** Last instant a stale copy may be served while revalidating in the background. */
  readonly staleWhileRevalidateUntilMs: number;
  /** Last instant a stale copy may be served when the origin fails (5xx, unreachable). */
  readonly staleIfErrorUntilMs: number;
  /** `Cache-Tag` values from the origin response, for purge by tag. */
  readonly tags: readonly string[];
  /** InvalidationLog.sequence() taken when the origin request was sent (src/cache/invalidate.ts). */
  readonly storedSeq?: number;
}

export interface CacheEntry extends CacheEntryMeta {
  /** Reads the body, or the inclusive byte range [start, end] of it. */
  readBody(start?: number, end?: number): Readable;
  /** The whole body when it is in memory: the hot path sends it without a stream. */
  readonly buffer?: Buffer;
}

export interface CacheStore {
  /** Synchronous for the memory tier (the hot path); the disk tier returns a promise. */
  get(key: string): CacheEntry | undefined | Promise<CacheEntry | undefined>;
  /** Stores a complete body; replaces an entry with the same key. Returns false if not admitted. */
  put(meta: CacheEntryMeta, body: Buffer): boolean | Promise<boolean>;
  /** Replaces an entry's metadata (a 304 revalidation refreshes freshness and headers). */
  update(meta: CacheEntryMeta): void | Promise<void>;
  delete(key: string): void | Promise<void>;
  /** Every entry's metadata, for invalidation sweeps and /debug/cache. */
  entries(): Iterable<CacheEntryMeta> | AsyncIterable<CacheEntryMeta>;
  clear(): void | Promise<void>;
  readonly bytesUsed: number;
  readonly entryCount: number;
}

/**
 * An entry's metadata copied field by field (never by spread: a tier may keep fields as
 * prototype getters over a compact record, src/cache/memory-entry.ts).
 */
export function copyMeta(meta: CacheEntryMeta, size = meta.size): CacheEntryMeta {
  return {
    key: meta.key,
    distributionId: meta.distributionId,
    path: meta.path,
    status: meta.status,
    headers: meta.headers,
    size,
    storedAtMs: meta.storedAtMs,
    freshUntilMs: meta.freshUntilMs,
    staleWhileRevalidateUntilMs: meta.staleWhileRevalidateUntilMs,
    staleIfErrorUntilMs: meta.staleIfErrorUntilMs,
    tags: meta.tags,
    // The invalidation sequence of the origin request: a purge issued while the body was still
    // arriving must still find the entry dead after it is stored (and after a restart).
    ...(meta.storedSeq !== undefined && { storedSeq: meta.storedSeq }),
  };
}
