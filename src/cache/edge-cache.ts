/**
 * The edge's cache: the memory tier (and the disk tier when `--cache-disk` is set) behind
 * one lookup, the invalidation log checked on every hit, and request collapsing (concurrent
 * misses for one key wait for the first one's origin response: caching.md §3.4).
 * Survives config reloads: keys start with the distribution id, so a reload never mixes
 * distributions, and cached objects stay warm as they do across CloudFront config changes.
 */
import type { Clock } from '../clock.js';
import { InvalidationLog } from './invalidate.js';
import { MemoryStore } from './memory-store.js';
import type { CacheEntry, CacheEntryMeta, CacheStore } from './types.js';

const DISK_COLLECT_LIMIT_BYTES = 64 * 1024 * 1024;

export interface EdgeCacheOptions {
  readonly memoryBytes: number;
  readonly clock: Clock;
  /** The disk tier, when configured. */
  readonly disk?: CacheStore;
}

export interface PurgeRequest {
  readonly distributionId?: string;
  /** Invalidation paths (`/a.jpg`, `/images/*`, `/*`); query strings ignored. */
  readonly paths?: readonly string[];
  readonly tags?: readonly string[];
}

export class EdgeCache {
  readonly memory: MemoryStore;
  readonly disk: CacheStore | undefined;
  readonly invalidations: InvalidationLog;
  /** Keys with an origin request in flight, and the promise that settles when it is stored (or not). */
  readonly #inflight = new Map<string, Promise<void>>();

  constructor(options: EdgeCacheOptions) {
    this.memory = new MemoryStore({ budgetBytes: options.memoryBytes });
    this.disk = options.disk;
    this.invalidations = new InvalidationLog(options.clock);
  }

  /**
   * The largest body collected while it streams to the viewer. With a disk tier, bodies up to
   * 64 MiB are collected and written whole; larger ones pass through uncached until the
   * streaming disk writer (DiskStore.beginWrite) is wired into cache-store.
   */
  get maxStorableBytes(): number {
    return this.disk
      ? Math.max(this.memory.maxEntryBytes, DISK_COLLECT_LIMIT_BYTES)
      : this.memory.maxEntryBytes;
  }

  /** Synchronous when the memory tier answers (the hit path); a promise when the disk is asked. */
  lookup(key: string): CacheEntry | undefined | Promise<CacheEntry | undefined> {
    const entry = this.memory.get(key);
    if (entry !== undefined) {
      if (!this.invalidations.isInvalidated(entry)) return entry;
      this.memory.delete(key);
      return this.disk ? this.#dropFromDisk(key) : undefined;
    }
    return this.disk ? this.#lookupDisk(key) : undefined;
  }

  async #lookupDisk(key: string): Promise<CacheEntry | undefined> {
    const entry = await this.disk!.get(key);
    if (entry === undefined) return undefined;
    if (!this.invalidations.isInvalidated(entry)) return entry;
    await this.disk!.delete(key);
    return undefined;
  }

  async #dropFromDisk(key: string): Promise<undefined> {
    await this.disk!.delete(key);
    return undefined;
  }

  /** A sequence number for an origin request about to be sent (invalidation ordering). */
  sequence(): number {
    return this.invalidations.sequence();
  }

  async store(meta: CacheEntryMeta, body: Buffer): Promise<void> {
    this.memory.put(meta, body);
    // Write-through: the disk tier holds everything, so a restart starts warm.
    if (this.disk) await this.disk.put(meta, body);
  }

  /** A 304 revalidation refreshed an entry: new freshness and headers, same body. */
  async update(meta: CacheEntryMeta): Promise<void> {
    this.memory.update(meta);
    await this.disk?.update(meta);
  }

  /**
   * Request collapsing: the first miss for a key leads (gets a `done` callback to call once
   * the response is stored or found uncacheable); later ones get the leader's promise to wait on.
   */
  collapse(key: string): { wait: Promise<void> } | { done: () => void } {
    const wait = this.#inflight.get(key);
    if (wait) return { wait };
    let done!: () => void;
    const promise = new Promise<void>((resolve) => {
      done = () => {
        if (this.#inflight.get(key) === promise) this.#inflight.delete(key);
        resolve();
      };
    });
    this.#inflight.set(key, promise);
    return { done };
  }

  purge(request: PurgeRequest = {}): void {
    const { distributionId, paths, tags } = request;
    if (!paths && !tags) {
      this.invalidations.purgeAll(distributionId);
      this.#scheduleSweep();
      return;
    }
    if (!distributionId) throw new Error('purging by path or tag needs a distributionId');
    if (paths?.length) this.invalidations.invalidatePaths(distributionId, paths);
    if (tags?.length) this.invalidations.invalidateTags(distributionId, tags);
    this.#scheduleSweep();
  }

  /** Resolves once the sweep started by the latest purge has reclaimed the dead entries. */
  whenSwept(): Promise<void> {
    return this.#sweeping ?? Promise.resolve();
  }

  #sweeping: Promise<void> | undefined;
  #sweepAgain = false;

  /**
   * Invalidation is lazy (a lookup never serves a dead entry); this reclaims their memory and
   * disk in small slices so traffic never waits. Records are kept (no compaction): a response
   * fetched before an invalidation but stored after the sweep must still count as dead.
   */
  #scheduleSweep(): void {
    if (this.#sweeping) {
      this.#sweepAgain = true;
      return;
    }
    this.#sweeping = this.#sweep()
      .catch(() => {})
      .finally(() => {
        this.#sweeping = undefined;
        if (this.#sweepAgain) {
          this.#sweepAgain = false;
          this.#scheduleSweep();
        }
      });
  }

  async #sweep(): Promise<void> {
    await this.invalidations.sweep(this.memory.entries(), (key) => this.memory.delete(key));
    if (this.disk) await this.invalidations.sweep(this.disk.entries(), (key) => this.disk!.delete(key));
  }

  /** Live entries of one distribution (memory tier first), for /debug/cache. */
  *entries(distributionId?: string): Iterable<CacheEntryMeta> {
    for (const meta of this.memory.entries()) {
      if (
        (distributionId === undefined || meta.distributionId === distributionId) &&
        !this.invalidations.isInvalidated(meta)
      ) {
        yield meta;
      }
    }
  }
}
