/**
 * W-TinyLFU eviction and admission for the memory tier (after Caffeine; Einziger, Friedman &
 * Manes, "TinyLFU: A Highly Efficient Cache Admission Policy", 2017), sized in bytes.
 *
 * - A small *window* LRU (1% of the budget) takes every new entry, so a burst of new keys
 *   can be served while it proves itself.
 * - Entries leaving the window are *candidates* for the main area, a segmented LRU
 *   (probation 20%, protected 80%). A candidate is admitted only if its estimated frequency
 *   beats every probation (then protected) victim that would have to go to make room; else
 *   the candidate itself is dropped. A one-hit scan therefore cannot flush the hot set.
 * - Frequencies come from a count-min sketch of 4-bit counters that is halved every
 *   10 × width recorded accesses (aging), so yesterday's hot set fades.
 *
 * Nodes are the caller's own objects (the memory tier's entries): the policy links them
 * with `prev`/`next` fields, so there is no per-entry closure or wrapper allocation.
 */

/** Fields the policy keeps on each cached object. */
export interface PolicyNode {
  /** hashKey(key), computed once at insertion. */
  hash: number;
  /** Bytes this entry counts against the budget. */
  charge: number;
  /** Which queue the node is on (QUEUE_*), or QUEUE_NONE once removed. */
  queue: number;
  prev: PolicyNode | null;
  next: PolicyNode | null;
}

export const QUEUE_NONE = 0;
export const QUEUE_WINDOW = 1;
export const QUEUE_PROBATION = 2;
export const QUEUE_PROTECTED = 3;

/**
 * FNV-1a over UTF-16 code units, finished with a murmur3 avalanche. Allocation-free; a
 * signed 32-bit result so it stays a Smi in an entry's field (an unsigned one above 2^31
 * would be boxed as a heap number: 16 more bytes per entry).
 */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

const SEEDS = [0x97cb3127, 0xb492b66f, 0x9ae16a3b, 0xc2b2ae35] as const;
const RESET_MASK = 0x77777777; // each 4-bit counter halved: drop its low bit, clear the carry-in

/**
 * Count-min sketch of 4-bit counters (max 15), 8 counters per 32-bit word: row i of the
 * sketch uses nibbles 2i and 2i+1 of a word chosen by its own hash, so the 4 rows share one
 * table of `width` words (4 bytes per expected entry).
 */
export class FrequencySketch {
  private table: Uint32Array;
  private mask: number;
  private additions = 0;
  private sampleSize: number;

  constructor(expectedEntries = 1024) {
    const width = FrequencySketch.widthFor(expectedEntries);
    this.table = new Uint32Array(width);
    this.mask = width - 1;
    this.sampleSize = 10 * width;
  }

  private static widthFor(entries: number): number {
    let width = 64;
    while (width < entries && width < 1 << 24) width <<= 1;
    return width;
  }

  get width(): number {
    return this.table.length;
  }

  /** Grows the table when the cache holds more entries than it was sized for (counts reset). */
  ensureCapacity(entries: number): void {
    const width = FrequencySketch.widthFor(entries);
    if (width <= this.table.length) return;
    this.table = new Uint32Array(width);
    this.mask = width - 1;
    this.sampleSize = 10 * width;
    this.additions = 0;
  }

  /** Estimated accesses of `hash` since aging, 0–15. */
  frequency(hash: number): number {
    let min = 15;
    for (let i = 0; i < 4; i++) {
      const h = Math.imul(hash ^ SEEDS[i], 0x9e3779b1);
      const shift = (i << 3) + ((h >>> 31) << 2);
      const count = (this.table[(h ^ (h >>> 15)) & this.mask] >>> shift) & 0xf;
      if (count < min) min = count;
    }
    return min;
  }

  increment(hash: number): void {
    let added = false;
    for (let i = 0; i < 4; i++) {
      const h = Math.imul(hash ^ SEEDS[i], 0x9e3779b1);
      const shift = (i << 3) + ((h >>> 31) << 2);
      const index = (h ^ (h >>> 15)) & this.mask;
      const word = this.table[index];
      if (((word >>> shift) & 0xf) !== 0xf) {
        this.table[index] = (word + (1 << shift)) >>> 0;
        added = true;
      }
    }
    if (added && ++this.additions >= this.sampleSize) this.age();
  }

  /** Halves every counter: old popularity decays so a changed hot set can take over. */
  age(): void {
    const t = this.table;
    for (let i = 0; i < t.length; i++) t[i] = (t[i] >>> 1) & RESET_MASK;
    this.additions = this.additions >>> 1;
  }
}

/** Intrusive doubly linked list with a sentinel; head side = least recently used. */
class Queue {
  readonly sentinel: PolicyNode = { hash: 0, charge: 0, queue: QUEUE_NONE, prev: null, next: null };
  bytes = 0;
  constructor(readonly id: number) {
    this.sentinel.prev = this.sentinel;
    this.sentinel.next = this.sentinel;
  }
  lru(): PolicyNode | null {
    const n = this.sentinel.next!;
    return n === this.sentinel ? null : n;
  }
  pushMru(node: PolicyNode): void {
    const tail = this.sentinel.prev!;
    node.prev = tail;
    node.next = this.sentinel;
    tail.next = node;
    this.sentinel.prev = node;
    node.queue = this.id;
    this.bytes += node.charge;
  }
  unlink(node: PolicyNode): void {
    node.prev!.next = node.next;
    node.next!.prev = node.prev;
    node.prev = null;
    node.next = null;
    node.queue = QUEUE_NONE;
    this.bytes -= node.charge;
  }
  clear(): void {
    this.sentinel.prev = this.sentinel;
    this.sentinel.next = this.sentinel;
    this.bytes = 0;
  }
}

export interface WTinyLfuOptions {
  /** Share of the budget for the window LRU (default 0.01). */
  windowRatio?: number;
  /** Share of the main area that is protected (default 0.8). */
  protectedRatio?: number;
  /** Entries the sketch is first sized for; it grows with the cache. */
  expectedEntries?: number;
}

export class WTinyLfu<N extends PolicyNode> {
  readonly sketch: FrequencySketch;
  private readonly window = new Queue(QUEUE_WINDOW);
  private readonly probation = new Queue(QUEUE_PROBATION);
  private readonly protectedQ = new Queue(QUEUE_PROTECTED);
  private readonly windowMax: number;
  private readonly protectedMax: number;
  private count = 0;

  /** `onEvict` is told of every node the policy drops (never of nodes passed to remove()). */
  constructor(
    readonly budgetBytes: number,
    private readonly onEvict: (node: N) => void,
    options: WTinyLfuOptions = {},
  ) {
    this.windowMax = Math.max(1, Math.floor(budgetBytes * (options.windowRatio ?? 0.01)));
    this.protectedMax = Math.floor((budgetBytes - this.windowMax) * (options.protectedRatio ?? 0.8));
    this.sketch = new FrequencySketch(options.expectedEntries ?? 1024);
  }

  get bytes(): number {
    return this.window.bytes + this.probation.bytes + this.protectedQ.bytes;
  }

  get size(): number {
    return this.count;
  }

  /** Every lookup (hit or miss) counts towards the key's frequency. */
  recordAccess(hash: number): void {
    this.sketch.increment(hash);
  }

  /** A hit: refresh recency; a second touch in probation earns the protected segment. */
  onHit(node: N): void {
    this.sketch.increment(node.hash);
    switch (node.queue) {
      case QUEUE_WINDOW:
        this.window.unlink(node);
        this.window.pushMru(node);
        break;
      case QUEUE_PROBATION:
        this.probation.unlink(node);
        this.protectedQ.pushMru(node);
        this.demoteProtectedOverflow();
        break;
      case QUEUE_PROTECTED:
        this.protectedQ.unlink(node);
        this.protectedQ.pushMru(node);
        break;
    }
  }

  /**
   * Inserts a new node into the window, moving window overflow into the main area through the
   * admission filter. Returns false if `node` itself was not kept (onEvict is not called for it).
   */
  add(node: N): boolean {
    this.count++;
    this.sketch.ensureCapacity(this.count);
    this.window.pushMru(node);
    let kept = true;
    while (this.window.bytes > this.windowMax) {
      const candidate = this.window.lru() as N;
      this.window.unlink(candidate);
      if (!this.admit(candidate)) {
        this.count--;
        if (candidate === node) kept = false;
        else this.onEvict(candidate);
      }
    }
    this.evictOverBudget();
    return kept && node.queue !== QUEUE_NONE;
  }

  /** Puts `next` in `prev`'s place (same queue and recency), e.g. a replaced body or new meta. */
  replace(prev: N, next: N): void {
    const queue =
      prev.queue === QUEUE_WINDOW
        ? this.window
        : prev.queue === QUEUE_PROBATION
          ? this.probation
          : this.protectedQ;
    next.prev = prev.prev;
    next.next = prev.next;
    prev.prev!.next = next;
    prev.next!.prev = next;
    next.queue = prev.queue;
    queue.bytes += next.charge - prev.charge;
    prev.prev = null;
    prev.next = null;
    prev.queue = QUEUE_NONE;
    this.evictOverBudget();
  }

  remove(node: N): void {
    if (node.queue === QUEUE_NONE) return;
    this.queueOf(node).unlink(node);
    this.count--;
  }

  clear(): void {
    this.window.clear();
    this.probation.clear();
    this.protectedQ.clear();
    this.count = 0;
  }

  private queueOf(node: PolicyNode): Queue {
    return node.queue === QUEUE_WINDOW
      ? this.window
      : node.queue === QUEUE_PROBATION
        ? this.probation
        : this.protectedQ;
  }

  /**
   * The TinyLFU duel: find the probation-then-protected victims that would make room for
   * the candidate; admit it (evicting them) only if it is more popular than each of them.
   */
  private admit(candidate: N): boolean {
    let need = this.bytes + candidate.charge - this.budgetBytes;
    if (need <= 0) {
      this.probation.pushMru(candidate);
      return true;
    }
    const candidateFreq = this.sketch.frequency(candidate.hash);
    let victim = this.probation.lru();
    let inProtected = false;
    while (need > 0) {
      if (victim === null || victim === this.probation.sentinel) {
        if (inProtected) return false; // cannot make room
        inProtected = true;
        victim = this.protectedQ.lru();
        continue;
      }
      if (victim === this.protectedQ.sentinel) return false;
      if (this.sketch.frequency(victim.hash) >= candidateFreq) return false;
      need -= victim.charge;
      victim = victim.next;
    }
    // Admitted: evict exactly the victims examined above, oldest first.
    need = this.bytes + candidate.charge - this.budgetBytes;
    while (need > 0) {
      const v = (this.probation.lru() ?? this.protectedQ.lru()) as N;
      need -= v.charge;
      this.evict(v);
    }
    this.probation.pushMru(candidate);
    return true;
  }

  private demoteProtectedOverflow(): void {
    while (this.protectedQ.bytes > this.protectedMax) {
      const n = this.protectedQ.lru()!;
      this.protectedQ.unlink(n);
      this.probation.pushMru(n);
    }
  }

  /** After a replacement grew an entry: drop least valuable entries until within budget. */
  private evictOverBudget(): void {
    while (this.bytes > this.budgetBytes) {
      const v = (this.probation.lru() ?? this.protectedQ.lru() ?? this.window.lru()) as N | null;
      if (v === null) return;
      this.evict(v);
    }
  }

  private evict(node: N): void {
    this.queueOf(node).unlink(node);
    this.count--;
    this.onEvict(node);
  }
}
