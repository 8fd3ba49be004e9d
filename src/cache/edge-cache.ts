/**
 * The edge's cache: the memory tier (and the disk tier when `--cache-disk` is set) behind
 * one lookup, the invalidation log checked on every hit, and request collapsing (concurrent
 * misses for one key follow the first one's origin response as it arrives: caching.md §3.4,
 * src/cache/cache-fill.ts).
 * Survives config reloads: keys start with the distribution id, so a reload never mixes
 * distributions, and cached objects stay warm as they do across CloudFront config changes.
 */
import type { Clock } from '../clock.js';
import type { CacheFill } from './cache-fill.js';
import type { DiskStore } from './disk-store.js';
import { InvalidationLog } from './invalidate.js';
import { MemoryStore } from './memory-store.js';
import type { CacheEntry, CacheEntryMeta } from './types.js';

/** CloudFront's largest cacheable object (caching.md §3.5: 50 GB). */
export const MAX_CACHEABLE_BYTES = 50 * 1000 ** 3;
/** Largest share of the disk budget one object may take: a single object never flushes the rest. */
const DISK_ENTRY_RATIO = 1 / 4;

export interface EdgeCacheOptions {
  readonly memoryBytes: number;
  readonly clock: Clock;
  /** The disk tier, when configured. */
  readonly disk?: DiskStore;
}

/** Which tier an object of a given length is written to while it streams. */
export type StoreTier = 'memory' | 'disk';

/** A tier holding a live entry, as /debug/cache reports it. */
export interface TieredMeta {
  readonly meta: CacheEntryMeta;
  /** Where a lookup answers from: memory first. */
  readonly tier: StoreTier;
  /** Every tier holding it (memory entries are written through to disk). */
  readonly tiers: readonly StoreTier[];
}

/** A collapsed miss in flight: its waiters, and the leader's response once it is being followed. */
interface InFlight {
  readonly wait: Promise<CacheFill | undefined>;
  readonly resolve: (fill: CacheFill | undefined) => void;
  fill?: CacheFill;
}

export interface PurgeRequest {
  readonly distributionId?: string;
  /** Invalidation paths (`/a.jpg`, `/images/*`, `/*`); query strings ignored. */
  readonly paths?: readonly string[];
  readonly tags?: readonly string[];
}

export class EdgeCache {
  readonly memory: MemoryStore;
  readonly disk: DiskStore | undefined;
  readonly invalidations: InvalidationLog;
  /** Keys with an origin request in flight (collapsed forwarding). */
  readonly #inflight = new Map<string, InFlight>();

  constructor(options: EdgeCacheOptions) {
    this.memory = new MemoryStore({ budgetBytes: options.memoryBytes });
    this.disk = options.disk;
    this.invalidations = new InvalidationLog(options.clock);
  }

  /**
   * The largest body stored: what the memory tier takes (1/8 of its budget) or, with a disk
   * tier, a quarter of the disk budget (bodies above the memory limit stream straight to
   * disk), and never more than CloudFront caches (50 GB).
   */
  get maxStorableBytes(): number {
    return Math.max(this.memory.maxEntryBytes, this.maxDiskEntryBytes);
  }

  /** The largest body the disk tier is given (0 without one). */
  get maxDiskEntryBytes(): number {
    if (!this.disk) return 0;
    return Math.min(Math.floor(this.disk.budgetBytes * DISK_ENTRY_RATIO), MAX_CACHEABLE_BYTES);
  }

  /**
   * Where a body of `bytes` goes while it streams: memory (collected, then stored whole and
   * written through to disk), disk (written as it arrives), or nowhere (too large). An unknown
   * length starts in memory and moves to disk if it outgrows the memory tier.
   */
  tierFor(bytes: number | undefined): StoreTier | undefined {
    if (bytes === undefined || bytes <= this.memory.maxEntryBytes) return 'memory';
    return bytes <= this.maxDiskEntryBytes ? 'disk' : undefined;
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
    await this.#dropDeadFromDisk(key);
    return undefined;
  }

  async #dropFromDisk(key: string): Promise<undefined> {
    await this.#dropDeadFromDisk(key);
    return undefined;
  }

  /** Only the dead version: a fill of the key that started after the invalidation is kept. */
  #dropDeadFromDisk(key: string): Promise<void> {
    return this.disk!.deleteIf(key, (meta) => this.invalidations.isInvalidated(meta));
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
   * Request collapsing (caching.md §3.4). The first miss for a key leads: it gets `done`, to
   * call once its response is stored or known not to be, and may `publish` the response while
   * it streams. A later miss gets the leader's fill at once when it is published (`fill`),
   * or a promise of it (`wait`): undefined when there is nothing to follow, so it looks the
   * key up again and otherwise asks the origin itself.
   */
  collapse(
    key: string,
  ): { fill: CacheFill } | { wait: Promise<CacheFill | undefined> } | { done: () => void } {
    const current = this.#inflight.get(key);
    if (current?.fill === undefined) {
      if (current) return { wait: current.wait };
    } else if (current.fill.isFollowable && !this.invalidations.isInvalidated(current.fill.meta)) {
      return { fill: current.fill };
    }
    // Nothing in flight, or a response that can no longer be followed (invalidated since it was
    // requested, or failing): this request leads a new one. The old leader's `done` leaves it be.
    let resolve!: (fill: CacheFill | undefined) => void;
    const wait = new Promise<CacheFill | undefined>((r) => {
      resolve = r;
    });
    const inflight: InFlight = { wait, resolve };
    this.#inflight.set(key, inflight);
    const done = () => {
      if (this.#inflight.get(key) === inflight) this.#inflight.delete(key);
      resolve(undefined); // no-op once a fill was published
    };
    return { done };
  }

  /**
   * The leader of a collapsed miss hands its waiters the response as it streams (called by the
   * leader only, before its `done`: the in-flight record for the key is then its own). Later
   * misses for the key follow it too, until it settles.
   */
  publish(key: string, fill: CacheFill): void {
    const inflight = this.#inflight.get(key);
    if (inflight === undefined || inflight.fill !== undefined) return;
    inflight.fill = fill;
    inflight.resolve(fill);
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
    if (this.disk) await this.invalidations.sweep(this.disk.entries(), (key) => this.#dropDeadFromDisk(key));
  }

  /** Live entries of one distribution (memory tier first, then disk-only ones), for /debug/cache. */
  *entries(distributionId?: string): Iterable<CacheEntryMeta> {
    for (const { meta } of this.tieredEntries(distributionId)) yield meta;
  }

  /** Live entries with the tiers holding them: each key once, memory tier first. */
  *tieredEntries(distributionId?: string): Iterable<TieredMeta> {
    const live = (meta: CacheEntryMeta) =>
      (distributionId === undefined || meta.distributionId === distributionId) &&
      !this.invalidations.isInvalidated(meta);
    const disk = this.disk;
    const inMemory = new Set<string>();
    for (const meta of this.memory.entries()) {
      inMemory.add(meta.key);
      if (!live(meta)) continue;
      const onDisk = disk?.has(meta.key) === true;
      yield { meta, tier: 'memory', tiers: onDisk ? ['memory', 'disk'] : ['memory'] };
    }
    if (!disk) return;
    for (const meta of disk.entries()) {
      if (live(meta) && !inMemory.has(meta.key)) yield { meta, tier: 'disk', tiers: ['disk'] };
    }
  }
}
