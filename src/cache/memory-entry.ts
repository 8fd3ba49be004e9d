/**
 * One memory-tier entry, compact (issue #3: bytes per small object): an object of 11 fields,
 * whose timestamps, storedSeq and size live in a 48-byte record in a shared slab
 * (slab-arena.ts), followed by the body when it is small. `distributionId` and `path` are read
 * back from the key when it carries them (key.ts lays it out as `<distributionId>\n<len>:<path>…`),
 * and an empty tag list is shared, so most entries keep neither. A slab body is served from a
 * view of the slab; the last VIEW_CACHE_SIZE views are kept, so a hot entry's `buffer` read
 * allocates nothing.
 *
 * Entries are immutable to their readers: the store makes a new entry and record for every
 * put and update, and records are never rewritten (compaction copies them and leaves the old
 * bytes as they were), so a response being sent from an entry, or from a view, never changes.
 */
import { Readable } from 'node:stream';
import { type PolicyNode, QUEUE_NONE } from './admission.js';
import {
  RECORD_HEADER_BYTES,
  recordBytesFor,
  Slab,
  type SlabArena,
  type SlabRecordOwner,
} from './slab-arena.js';
import type { CacheEntry, CacheEntryMeta } from './types.js';

// Record header (slab-arena.ts), in 8-byte words from `at`: the four timestamps and storedSeq
// as float64s, then the body size (the first uint32 of word 5; the arena has the second).
const STORED_AT = 0;
const FRESH_UNTIL = 1;
const STALE_WHILE_REVALIDATE_UNTIL = 2;
const STALE_IF_ERROR_UNTIL = 3;
const STORED_SEQ = 4;
const SIZE_U32 = 10;

/** The rarely needed parts, on entries that have any. */
interface EntryExtra {
  /** Null when the key carries them (key.ts layout). */
  readonly distributionId: string | null;
  readonly path: string | null;
  readonly tags: readonly string[];
  /** A body larger than SLAB_BODY_MAX_BYTES (memory-store.ts), in its own Buffer. */
  readonly body: Buffer | null;
}

const NO_TAGS: readonly string[] = Object.freeze([]);
const EMPTY_BODY = Buffer.alloc(0);
const EMPTY_SLAB: Slab<MemoryEntry> = new Slab<MemoryEntry>(RECORD_HEADER_BYTES);

/**
 * Views of slab bodies handed out recently, and which entry each belongs to: a ring, so a hot
 * entry's body is a field read and at most VIEW_CACHE_SIZE views (~100 B each) are kept.
 * Shared by all stores; an entry gives its slot back when it is removed or moved.
 */
const VIEW_CACHE_SIZE = 4096;
const viewOwners: (MemoryEntry | null)[] = new Array(VIEW_CACHE_SIZE).fill(null);
const views: Buffer[] = new Array(VIEW_CACHE_SIZE).fill(EMPTY_BODY);
let nextView = 0;
let viewsCreated = 0;

/** Slab body views created so far (each a ~100 B allocation on the hit path); for the benchmark. */
export function slabViewsCreated(): number {
  return viewsCreated;
}

/** The distribution id at the start of a key; the last one is reused, so reads rarely allocate. */
let lastDistributionId = '';
function distributionIdOf(key: string): string {
  const end = key.indexOf('\n');
  const last = lastDistributionId;
  if (end === last.length && key.startsWith(last)) return last;
  lastDistributionId = key.slice(0, end);
  return lastDistributionId;
}

/** Set by pathStartOf: the length of the path it found. */
let pathLength = 0;

/**
 * Where the path starts in a key laid out by key.ts (`<distributionId>\n<len>:<path>…`), with
 * its length in `pathLength`; -1 if the key is not laid out that way. Allocates nothing.
 */
function pathStartOf(key: string): number {
  let i = key.indexOf('\n') + 1;
  if (i === 0) return -1;
  const digitsFrom = i;
  let length = 0;
  for (let c = key.charCodeAt(i); c >= 48 && c <= 57; c = key.charCodeAt(++i)) length = length * 10 + c - 48;
  if (i === digitsFrom || key.charCodeAt(i) !== 58 || i + 1 + length > key.length) return -1;
  pathLength = length;
  return i + 1;
}

/** The path in a key that derivesFromKey accepted. */
function pathOf(key: string): string {
  const start = pathStartOf(key);
  return key.slice(start, start + pathLength);
}

/** True if the key carries the meta's distribution id and path, so the entry need not keep them. */
export function derivesFromKey(meta: CacheEntryMeta): boolean {
  const { key, distributionId, path } = meta;
  const start = pathStartOf(key);
  return (
    start > 0 &&
    pathLength === path.length &&
    key.startsWith(path, start) &&
    key.indexOf('\n') === distributionId.length &&
    key.startsWith(distributionId)
  );
}

/**
 * The CacheEntryMeta fields an entry reads from its record or key: getters on the prototype,
 * defined once (below the class). An entry is never copied by spread, which would see only own
 * properties; `copyMeta` (src/cache/types.ts) copies the fields by name.
 */
const META_ACCESSORS: [string, PropertyDescriptor][] = Object.entries({
  distributionId(this: MemoryEntry): string {
    return this.extra?.distributionId ?? distributionIdOf(this.key);
  },
  path(this: MemoryEntry): string {
    return this.extra?.path ?? pathOf(this.key);
  },
  storedAtMs: recordFloat(STORED_AT),
  freshUntilMs: recordFloat(FRESH_UNTIL),
  staleWhileRevalidateUntilMs: recordFloat(STALE_WHILE_REVALIDATE_UNTIL),
  staleIfErrorUntilMs: recordFloat(STALE_IF_ERROR_UNTIL),
  tags(this: MemoryEntry): readonly string[] {
    return this.extra?.tags ?? NO_TAGS;
  },
  storedSeq(this: MemoryEntry): number | undefined {
    const seq = this.slab.f64[this.at + STORED_SEQ];
    return seq === 0 ? undefined : seq; // 0: stored without one
  },
}).map(([name, get]) => [name, { get, enumerable: true, configurable: false }]);

/** A getter of the float64 at `word` of the entry's record header. */
function recordFloat(word: number): (this: MemoryEntry) => number {
  return function (this: MemoryEntry) {
    return this.slab.f64[this.at + word];
  };
}

/** `bits` of an entry: its policy queue (QUEUE_*) in the low 2 bits, its view slot above. */
const QUEUE_MASK = 3;
const VIEW_SHIFT = 2;

/** A cached response; also the policy's list node and the owner of one slab record. */
export class MemoryEntry implements CacheEntry, PolicyNode, SlabRecordOwner<MemoryEntry> {
  readonly key: string;
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly status: number;
  slab: Slab<MemoryEntry> = EMPTY_SLAB;
  at = 0;
  readonly extra: EntryExtra | null;
  /** The policy queue and the view-cache slot, in one field (one word less per entry). */
  bits = QUEUE_NONE;
  hash: number;
  charge: number;
  prev: PolicyNode | null = null;
  next: PolicyNode | null = null;

  declare readonly distributionId: string;
  declare readonly path: string;
  declare readonly storedAtMs: number;
  declare readonly freshUntilMs: number;
  declare readonly staleWhileRevalidateUntilMs: number;
  declare readonly staleIfErrorUntilMs: number;
  declare readonly tags: readonly string[];
  declare readonly storedSeq?: number;

  /**
   * A new entry with its record allocated in `slabs` and its header written. A small body
   * (`largeBody` null) is copied in by the caller with writeBody, before anyone reads it.
   */
  static create(
    slabs: SlabArena<MemoryEntry>,
    meta: CacheEntryMeta,
    derived: boolean,
    largeBody: Buffer | null,
    size: number,
    hash: number,
    charge: number,
  ): MemoryEntry {
    const tags = meta.tags.length === 0 ? NO_TAGS : meta.tags;
    const extra: EntryExtra | null =
      derived && tags === NO_TAGS && largeBody === null
        ? null
        : {
            distributionId: derived ? null : meta.distributionId,
            path: derived ? null : meta.path,
            tags,
            body: largeBody,
          };
    const entry = new MemoryEntry(meta, extra, hash, charge);
    slabs.allocate(entry, recordBytesFor(largeBody === null ? size : 0));
    const { f64, u32 } = entry.slab;
    const at = entry.at;
    f64[at + STORED_AT] = meta.storedAtMs;
    f64[at + FRESH_UNTIL] = meta.freshUntilMs;
    f64[at + STALE_WHILE_REVALIDATE_UNTIL] = meta.staleWhileRevalidateUntilMs;
    f64[at + STALE_IF_ERROR_UNTIL] = meta.staleIfErrorUntilMs;
    f64[at + STORED_SEQ] = meta.storedSeq ?? 0;
    u32[at * 2 + SIZE_U32] = size;
    return entry;
  }

  private constructor(meta: CacheEntryMeta, extra: EntryExtra | null, hash: number, charge: number) {
    this.key = meta.key;
    this.headers = meta.headers;
    this.status = meta.status;
    this.extra = extra;
    this.hash = hash;
    this.charge = charge;
  }

  get queue(): number {
    return this.bits & QUEUE_MASK;
  }

  set queue(queue: number) {
    this.bits = (this.bits & ~QUEUE_MASK) | queue;
  }

  get size(): number {
    return this.slab.u32[this.at * 2 + SIZE_U32];
  }

  /** The body. A slab body's view is created on first read and kept while the entry is hot. */
  get buffer(): Buffer {
    const slot = this.bits >> VIEW_SHIFT;
    if (viewOwners[slot] === this) return views[slot];
    return this.view();
  }

  /** Copies a small body into this entry's record (once, right after create). */
  writeBody(body: Buffer): void {
    body.copy(this.slab.bytes, (this.at << 3) + RECORD_HEADER_BYTES);
  }

  /** Copies this entry's small body into another entry's record (an update keeps the body). */
  copyBodyTo(to: MemoryEntry): void {
    const from = (this.at << 3) + RECORD_HEADER_BYTES;
    this.slab.bytes.copy(to.slab.bytes, (to.at << 3) + RECORD_HEADER_BYTES, from, from + this.size);
  }

  readBody(start = 0, end = this.size - 1): Readable {
    return bufferStream(this.buffer, start, end);
  }

  /** Slab compaction copied the record: views of the old slab must not be handed out any more. */
  moved(): void {
    this.dropView();
  }

  dropView(): void {
    const slot = this.bits >> VIEW_SHIFT;
    if (viewOwners[slot] === this) {
      viewOwners[slot] = null;
      views[slot] = EMPTY_BODY;
    }
  }

  private view(): Buffer {
    const body = this.extra?.body;
    if (body != null) return body;
    const size = this.size;
    if (size === 0) return EMPTY_BODY;
    const view = this.slab.view((this.at << 3) + RECORD_HEADER_BYTES, size);
    viewsCreated++;
    // An entry no longer in its store (a stale copy still being served) is not cached: the
    // ring would keep it, and its slab, alive.
    if ((this.bits & QUEUE_MASK) === QUEUE_NONE) return view;
    const slot = nextView;
    nextView = (slot + 1) & (VIEW_CACHE_SIZE - 1);
    viewOwners[slot] = this;
    views[slot] = view;
    this.bits = (slot << VIEW_SHIFT) | (this.bits & QUEUE_MASK);
    return view;
  }
}

/** A Readable of the inclusive range [start, end] of `buffer` (end clamped to its last byte). */
export function bufferStream(buffer: Buffer, start: number, end: number): Readable {
  const slice = buffer.subarray(start, Math.min(end, buffer.byteLength - 1) + 1);
  return new Readable({
    read() {
      if (slice.byteLength > 0) this.push(slice);
      this.push(null);
    },
  });
}

// On the prototype, defined once: every entry shares them (copy metadata with copyMeta, never by spread).
for (const [name, descriptor] of META_ACCESSORS)
  Object.defineProperty(MemoryEntry.prototype, name, descriptor);
