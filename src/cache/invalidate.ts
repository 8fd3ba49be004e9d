/**
 * Invalidation (caching.md §6), purge by tag and purge-all, enforced lazily.
 *
 * An invalidation never walks the cache. It records its patterns in a per-distribution index
 * (exact paths in a Map, wildcard prefixes in a character trie, tags in a Map, `/*` as one
 * number), each stamped with the sequence number at which it happened. The cache lookup asks
 * `isInvalidated(meta)`: an entry whose stored sequence is lower than that of a matching record
 * is dead, and the caller treats it as a miss and deletes it. Memory is reclaimed by
 * `sweep()`, which walks the store in slices between which the event loop runs, and then
 * drops the records that can no longer match anything (`compact`).
 *
 * Cost: `invalidatePaths` is O(total length of the paths); `isInvalidated` is one Map lookup
 * when the distribution has no records, O(1) for entries stored after its newest record, and
 * otherwise one exact-path lookup + a trie walk of at most min(path length, longest prefix)
 * steps + one lookup per entry tag.
 *
 * Sequence numbers: `sequence()` is a hybrid logical clock, `max(previous + 1, now_ms * 1024)`.
 * It is strictly increasing in a process (so an object stored in the same millisecond as, but
 * after, an invalidation survives it) and tracks wall time, so a value persisted by the disk
 * tier stays comparable after a restart (unless the clock runs backwards across it).
 */
import { type Clock, systemClock } from '../clock.js';
import type { CacheEntryMeta } from './types.js';

/** Sequence numbers per millisecond before `sequence()` runs ahead of the clock. */
export const SEQUENCES_PER_MS = 1024;

/** caching.md §6: an invalidation path is at most 4,000 characters. */
export const MAX_INVALIDATION_PATH_LENGTH = 4000;

/**
 * What invalidation needs of a cache entry. `storedSeq` is the `sequence()` taken when the
 * origin request that produced (or, for a 304 refresh, revalidated) the entry was sent. Without
 * it `storedAtMs` is used, conservatively: an invalidation in the same millisecond kills the entry.
 */
export type InvalidationSubject = Pick<CacheEntryMeta, 'distributionId' | 'path' | 'storedAtMs' | 'tags'> & {
  readonly storedSeq?: number;
};

/** A path the CreateInvalidation API would refuse; the control plane answers `InvalidArgument` (400). */
export class InvalidationPathError extends Error {
  readonly code = 'InvalidArgument' as const;
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`invalid invalidation path ${JSON.stringify(path.slice(0, 100))}: ${reason}`);
    this.name = 'InvalidationPathError';
  }
}

/** One parsed invalidation path. `value` is the exact path, or the prefix before the final `*`. */
export interface InvalidationPattern {
  readonly kind: 'exact' | 'prefix' | 'all';
  readonly value: string;
}

export interface ParseOptions {
  /** The API requires the leading `/`; the console adds it. Default true (API behaviour). */
  readonly requireLeadingSlash?: boolean;
}

/**
 * caching.md §6. The query string is dropped: entries are matched by path only, so every query
 * variant of the path goes. `*` is a wildcard only as the last character (0+ characters,
 * crossing `/`); elsewhere it is literal. Non-ASCII and control characters/space are
 * percent-encoded (UTF-8, upper-case hex), as viewers send them; nothing else is re-encoded.
 */
export function parseInvalidationPath(raw: string, options: ParseOptions = {}): InvalidationPattern {
  if (typeof raw !== 'string' || raw.length === 0) throw new InvalidationPathError(String(raw), 'empty path');
  if (raw.length > MAX_INVALIDATION_PATH_LENGTH) {
    throw new InvalidationPathError(raw, `longer than ${MAX_INVALIDATION_PATH_LENGTH} characters`);
  }
  if (raw.includes('~')) throw new InvalidationPathError(raw, '"~" is not supported in invalidation paths');
  let path = raw;
  const q = path.indexOf('?');
  // Deviation from CloudFront: `/a.jpg?x=1` and `/a.jpg` target only their own query variant
  // there; entries carry no query here (CacheEntryMeta.path), so both invalidate every variant.
  if (q !== -1) path = path.slice(0, q);
  if (!path.startsWith('/')) {
    if (options.requireLeadingSlash ?? true) throw new InvalidationPathError(raw, 'must start with "/"');
    path = `/${path}`;
  }
  path = encodeForMatch(path);
  if (path === '/*') return { kind: 'all', value: '/' };
  if (path.endsWith('*')) return { kind: 'prefix', value: path.slice(0, -1) };
  return { kind: 'exact', value: path };
}

/** Whether a parsed pattern matches a raw viewer path (case-sensitive). */
export function matchesPattern(pattern: InvalidationPattern, path: string): boolean {
  if (pattern.kind === 'all') return true;
  if (pattern.kind === 'prefix') return path.startsWith(pattern.value);
  return path === pattern.value;
}

function encodeForMatch(path: string): string {
  // Fast path: printable ASCII only (the norm).
  if (/^[\x21-\x7e]*$/.test(path)) return path;
  let out = '';
  for (const ch of path) {
    const code = ch.codePointAt(0)!;
    if (code > 0x20 && code < 0x7f) out += ch;
    else
      for (const byte of Buffer.from(ch, 'utf8'))
        out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** What one call recorded; the control plane keeps it for GetInvalidation/ListInvalidations. */
export interface InvalidationRecord {
  /** Entries with a stored sequence lower than this are dead if they match. */
  readonly seq: number;
  readonly atMs: number;
  /** Undefined for a purge of every distribution. */
  readonly distributionId: string | undefined;
  readonly patterns: readonly InvalidationPattern[];
  readonly tags: readonly string[];
}

interface TrieNode {
  /** Sequence of the newest invalidation of the prefix ending here; 0 if none. */
  seq: number;
  children: Map<number, TrieNode> | undefined;
}

interface DistributionIndex {
  /** `/*` or purgeAll(distributionId). */
  allSeq: number;
  exact: Map<string, number>;
  prefixes: TrieNode;
  prefixCount: number;
  tags: Map<string, number>;
  /** Highest sequence of any record here: entries stored at or after it skip every check. */
  maxSeq: number;
}

export interface SweepOptions {
  /** At most this many entries between two yields to the event loop. Default 10,000. */
  readonly budget?: number;
  /** And at most about this long (checked every 64 entries). Default 2 ms; Infinity turns it off. */
  readonly sliceMs?: number;
  /**
   * Drop the records the sweep made unnecessary. Only when this store is the only one the log
   * guards: with several tiers, sweep each and then call `compact(result.coveredBeforeSeq)`.
   */
  readonly compact?: boolean;
  /**
   * Lowest `storedSeq` of origin fetches still in flight when the sweep starts (they may store
   * entries the sweep never sees). Without it, a fetch that began before an invalidation and
   * stores after a compacting sweep would survive.
   */
  readonly oldestInFlightSeq?: () => number | undefined;
  /** Called at each yield, for progress and metrics. */
  readonly onSlice?: (progress: { scanned: number; removed: number }) => void;
}

export interface SweepResult {
  readonly scanned: number;
  readonly removed: number;
  /** Runs of at most `budget` entries; the event loop ran between two of them. */
  readonly slices: number;
  /** Every record below this sequence is no longer needed for the swept store. */
  readonly coveredBeforeSeq: number;
}

type SweepEntry = InvalidationSubject & { readonly key: string };

export class InvalidationLog {
  private lastSeq = 0;
  private globalSeq = 0;
  private readonly byDistribution = new Map<string, DistributionIndex>();

  constructor(private readonly clock: Clock = systemClock) {}

  /**
   * A strictly increasing number (never 0). The cache records one per entry as `storedSeq`,
   * taken when the origin request is sent: a response fetched before an invalidation is then
   * dead even if it is stored after it.
   */
  sequence(): number {
    const floor = Math.floor(this.clock.now()) * SEQUENCES_PER_MS;
    this.lastSeq = Math.max(this.lastSeq + 1, floor);
    return this.lastSeq;
  }

  /** CreateInvalidation: all paths are validated before any is recorded. */
  invalidatePaths(
    distributionId: string,
    paths: readonly string[],
    options?: ParseOptions,
  ): InvalidationRecord {
    const patterns = paths.map((p) => parseInvalidationPath(p, options));
    const seq = this.sequence();
    const index = this.indexFor(distributionId);
    for (const p of patterns) {
      if (p.kind === 'all') index.allSeq = seq;
      else if (p.kind === 'exact') index.exact.set(p.value, seq);
      else this.addPrefix(index, p.value, seq);
    }
    if (patterns.length > 0) index.maxSeq = seq;
    else this.dropIfEmpty(distributionId, index);
    return { seq, atMs: this.clock.now(), distributionId, patterns, tags: [] };
  }

  /** Purge by tag: an entry stored before this call dies if any of its tags equals one of these. */
  invalidateTags(distributionId: string, tags: readonly string[]): InvalidationRecord {
    for (const tag of tags) {
      if (typeof tag !== 'string' || tag.length === 0)
        throw new InvalidationPathError(String(tag), 'empty tag');
    }
    const seq = this.sequence();
    const index = this.indexFor(distributionId);
    for (const tag of tags) index.tags.set(tag, seq);
    if (tags.length > 0) index.maxSeq = seq;
    else this.dropIfEmpty(distributionId, index);
    return { seq, atMs: this.clock.now(), distributionId, patterns: [], tags: [...tags] };
  }

  /** Everything stored so far in one distribution, or in all of them. */
  purgeAll(distributionId?: string): InvalidationRecord {
    const seq = this.sequence();
    if (distributionId === undefined) this.globalSeq = seq;
    else {
      const index = this.indexFor(distributionId);
      index.allSeq = seq;
      index.maxSeq = seq;
    }
    return { seq, atMs: this.clock.now(), distributionId, patterns: [{ kind: 'all', value: '/' }], tags: [] };
  }

  /** The hot-path check: true means the entry must be treated as a miss and deleted. */
  isInvalidated(meta: InvalidationSubject): boolean {
    if (this.globalSeq === 0 && this.byDistribution.size === 0) return false;
    const stored = storedSeqOf(meta);
    if (stored < this.globalSeq) return true;
    const index = this.byDistribution.get(meta.distributionId);
    if (index === undefined || stored >= index.maxSeq) return false;
    if (stored < index.allSeq) return true;
    if (index.exact.size > 0) {
      const seq = index.exact.get(meta.path);
      if (seq !== undefined && stored < seq) return true;
    }
    if (index.prefixCount > 0) {
      const path = meta.path;
      let node: TrieNode | undefined = index.prefixes;
      if (stored < node.seq) return true; // the empty prefix (never produced by parsing, kept for safety)
      for (let i = 0; i < path.length; i++) {
        node = node.children?.get(path.charCodeAt(i));
        if (node === undefined) break;
        if (stored < node.seq) return true;
      }
    }
    if (index.tags.size > 0) {
      for (const tag of meta.tags) {
        const seq = index.tags.get(tag);
        if (seq !== undefined && stored < seq) return true;
      }
    }
    return false;
  }

  /** True when some record could still kill an entry (false right after a full compaction). */
  get hasRecords(): boolean {
    return this.globalSeq !== 0 || this.byDistribution.size > 0;
  }

  /** Record counts, for /debug/cache. */
  stats(): { distributions: number; exactPaths: number; prefixes: number; tags: number; purgeAll: number } {
    let exactPaths = 0;
    let prefixes = 0;
    let tags = 0;
    let purgeAll = this.globalSeq !== 0 ? 1 : 0;
    for (const index of this.byDistribution.values()) {
      exactPaths += index.exact.size;
      prefixes += index.prefixCount;
      tags += index.tags.size;
      if (index.allSeq !== 0) purgeAll++;
    }
    return { distributions: this.byDistribution.size, exactPaths, prefixes, tags, purgeAll };
  }

  /**
   * Drops every record with a sequence lower than `beforeSeq`. Safe once every entry stored
   * below `beforeSeq` that such a record kills has been deleted (a sweep of every store).
   */
  compact(beforeSeq: number): void {
    if (this.globalSeq < beforeSeq) this.globalSeq = 0;
    for (const [id, index] of this.byDistribution) {
      if (index.allSeq < beforeSeq) index.allSeq = 0;
      for (const [path, seq] of index.exact) if (seq < beforeSeq) index.exact.delete(path);
      for (const [tag, seq] of index.tags) if (seq < beforeSeq) index.tags.delete(tag);
      if (index.prefixCount > 0) index.prefixCount = pruneTrie(index.prefixes, beforeSeq);
      let maxSeq = index.allSeq;
      for (const seq of index.exact.values()) maxSeq = Math.max(maxSeq, seq);
      for (const seq of index.tags.values()) maxSeq = Math.max(maxSeq, seq);
      if (index.prefixCount > 0) maxSeq = Math.max(maxSeq, maxTrieSeq(index.prefixes));
      index.maxSeq = maxSeq;
      this.dropIfEmpty(id, index);
    }
  }

  /**
   * Deletes the dead entries of one store in slices of `budget` entries, yielding to the event
   * loop (setImmediate) between slices so traffic is served meanwhile. Entries added or
   * replaced during the sweep are fine: they carry newer sequences.
   */
  async sweep(
    entries: Iterable<SweepEntry> | AsyncIterable<SweepEntry>,
    remove: (key: string) => void | Promise<void>,
    options: SweepOptions = {},
  ): Promise<SweepResult> {
    const budget = Math.max(1, Math.floor(options.budget ?? 10_000));
    // Wall time, not the injected clock: this only paces the work, it decides nothing.
    const sliceMs = options.sliceMs ?? 2;
    let sliceEnd = performance.now() + sliceMs;
    const startSeq = this.sequence();
    const inFlight = options.oldestInFlightSeq?.();
    const coveredBeforeSeq = inFlight === undefined ? startSeq : Math.min(startSeq, inFlight);
    let scanned = 0;
    let removed = 0;
    let yields = 0;
    let inSlice = 0;
    if (this.hasRecords) {
      // Synchronous unless `remove` returns a promise or a slice ends: no per-entry await.
      const visit = (entry: SweepEntry): void | Promise<void> => {
        scanned++;
        if (!this.isInvalidated(entry)) return undefined;
        removed++;
        return remove(entry.key);
      };
      const endOfSlice = (): Promise<void> | undefined => {
        ++inSlice;
        if (inSlice < budget && ((inSlice & 63) !== 0 || performance.now() < sliceEnd)) return undefined;
        inSlice = 0;
        yields++;
        options.onSlice?.({ scanned, removed });
        return yieldToEventLoop().then(() => {
          sliceEnd = performance.now() + sliceMs;
        });
      };
      if (Symbol.asyncIterator in entries) {
        for await (const entry of entries) {
          await visit(entry);
          await endOfSlice();
        }
      } else {
        for (const entry of entries) {
          const pending = visit(entry);
          if (pending !== undefined) await pending;
          const pause = endOfSlice();
          if (pause !== undefined) await pause;
        }
      }
    }
    if (options.compact) this.compact(coveredBeforeSeq);
    return { scanned, removed, slices: yields + (inSlice > 0 ? 1 : 0), coveredBeforeSeq };
  }

  private indexFor(distributionId: string): DistributionIndex {
    let index = this.byDistribution.get(distributionId);
    if (index === undefined) {
      index = {
        allSeq: 0,
        exact: new Map(),
        prefixes: { seq: 0, children: undefined },
        prefixCount: 0,
        tags: new Map(),
        maxSeq: 0,
      };
      this.byDistribution.set(distributionId, index);
    }
    return index;
  }

  private dropIfEmpty(distributionId: string, index: DistributionIndex): void {
    if (index.allSeq === 0 && index.exact.size === 0 && index.prefixCount === 0 && index.tags.size === 0) {
      this.byDistribution.delete(distributionId);
    }
  }

  private addPrefix(index: DistributionIndex, prefix: string, seq: number): void {
    let node = index.prefixes;
    for (let i = 0; i < prefix.length; i++) {
      const code = prefix.charCodeAt(i);
      node.children ??= new Map();
      let child = node.children.get(code);
      if (child === undefined) {
        child = { seq: 0, children: undefined };
        node.children.set(code, child);
      }
      node = child;
    }
    if (node.seq === 0) index.prefixCount++;
    node.seq = seq;
  }
}

/** The sequence an entry is compared with; without storedSeq, storedAtMs maps to just before its millisecond. */
export function storedSeqOf(meta: Pick<InvalidationSubject, 'storedAtMs' | 'storedSeq'>): number {
  // sequence() never returns 0, so a 0 is an unset field: fall back to the time.
  const seq = meta.storedSeq;
  if (seq !== undefined && seq > 0) return seq;
  // Never below 0: record sequences are >= 1 and 0 means "no record".
  return Math.max(0, Math.floor(meta.storedAtMs) * SEQUENCES_PER_MS - 1);
}

/** Removes records below `beforeSeq` and empty branches; returns the prefixes left. Iterative: paths reach 4,000 chars. */
function pruneTrie(root: TrieNode, beforeSeq: number): number {
  // Post-order walk with an explicit stack.
  const stack: { node: TrieNode; parent: TrieNode | undefined; code: number; visited: boolean }[] = [
    { node: root, parent: undefined, code: -1, visited: false },
  ];
  let left = 0;
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (!top.visited) {
      top.visited = true;
      if (top.node.children) {
        for (const [code, child] of top.node.children) {
          stack.push({ node: child, parent: top.node, code, visited: false });
        }
      }
      continue;
    }
    stack.pop();
    const node = top.node;
    if (node.seq !== 0 && node.seq < beforeSeq) node.seq = 0;
    if (node.seq !== 0) left++;
    if (node.children?.size === 0) node.children = undefined;
    if (top.parent && node.seq === 0 && node.children === undefined) top.parent.children?.delete(top.code);
  }
  return left;
}

function maxTrieSeq(root: TrieNode): number {
  let max = 0;
  const stack: TrieNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.seq > max) max = node.seq;
    if (node.children) for (const child of node.children.values()) stack.push(child);
  }
  return max;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
