/**
 * The memory tier: W-TinyLFU eviction/admission (admission.ts) under a byte budget that counts
 * bodies plus everything else an entry keeps alive (`memoryCharge`).
 *
 * Compact entries (issue #3: bytes per small object). An entry is one object of 11 fields; its
 * timestamps, status and size live in a 48-byte record in a shared slab (slab-arena.ts), with
 * the body right after the header when it is at most 4 KiB. Larger bodies keep their own Buffer.
 * `distributionId` and `path` are read back from the key (key.ts lays it out as
 * `<distributionId>\n<len>:<path>…`) and an empty tag list is shared, so most entries store
 * neither. A small body is served from a view of its slab; the last VIEW_CACHE_SIZE views are
 * kept, so a hot entry's `buffer` read allocates nothing.
 *
 * Hot path: `get` is one Map lookup, a sketch increment and a list splice, and returns the
 * stored entry object itself. Entries are immutable to their readers: `put` and `update` make a
 * new entry (and record) and splice it into the old one's place; records are never rewritten,
 * so a response being sent from an old entry, or from a view of its slab, never changes.
 */
import { Readable } from 'node:stream';
import { hashKey, type PolicyNode, QUEUE_NONE, WTinyLfu } from './admission.js';
import {
  RECORD_HEADER_BYTES,
  recordBytesFor,
  recordCharge,
  Slab,
  SlabArena,
  type SlabRecordOwner,
  slabBytesFor,
} from './slab-arena.js';
import type { CacheEntry, CacheEntryMeta, CacheStore } from './types.js';

/** Bodies up to this size are stored inside a slab record; larger ones keep their own Buffer. */
export const SLAB_BODY_MAX_BYTES = 2048;

/**
 * Heap bytes every entry costs beyond its strings' characters and its record: the entry object
 * (24 B header + 11 fields), its Map slot, its share of the sketch, and the string and object
 * headers of the key and the headers record. Measured by bench/hit-ratio.ts (`--expose-gc`);
 * kept above the measurement so the heap stays within the budget.
 */
export const ENTRY_OVERHEAD_BYTES = 240;
/** Per header: the property slot and two string headers. */
const HEADER_OVERHEAD_BYTES = 48;
/** An entry whose key does not carry its distribution and path, or with tags or a large body. */
const EXTRA_OVERHEAD_BYTES = 96;
/** A large body's Buffer, ArrayBuffer and backing-store record. */
const BUFFER_OVERHEAD_BYTES = 256;

/** Bytes an entry counts against the budget. */
export function memoryCharge(meta: CacheEntryMeta, bodyBytes: number): number {
  return chargeOf(meta, bodyBytes, derivesFromKey(meta));
}

/** memoryCharge, given whether the key carries the distribution id and path. */
function chargeOf(meta: CacheEntryMeta, bodyBytes: number, derived: boolean): number {
  let bytes = ENTRY_OVERHEAD_BYTES + meta.key.length;
  for (const name in meta.headers) {
    const value = meta.headers[name];
    bytes += name.length + HEADER_OVERHEAD_BYTES;
    if (typeof value === 'string') bytes += value.length;
    else for (const v of value) bytes += v.length + HEADER_OVERHEAD_BYTES;
  }
  for (const tag of meta.tags) bytes += tag.length + HEADER_OVERHEAD_BYTES;
  const inline = bodyBytes <= SLAB_BODY_MAX_BYTES;
  if (!inline) bytes += bodyBytes + BUFFER_OVERHEAD_BYTES;
  if (!inline || meta.tags.length > 0 || !derived) bytes += EXTRA_OVERHEAD_BYTES;
  if (!derived) bytes += meta.distributionId.length + meta.path.length;
  return bytes + recordCharge(recordBytesFor(inline ? bodyBytes : 0));
}

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
  /** A body larger than SLAB_BODY_MAX_BYTES, in its own Buffer. */
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
function derivesFromKey(meta: CacheEntryMeta): boolean {
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
 * The CacheEntryMeta fields an entry reads from its record or key, as own enumerable accessors
 * rather than prototype getters: callers copy entries with `{ ...entry }`
 * (src/edge/phases/revalidate.ts), and a spread copies only own properties. The descriptors
 * are shared, so every entry has the same hidden class and the accessors take no space in it;
 * defining them costs about 2 µs per put. (`size` is on the prototype: no caller needs it copied.)
 */
const META_ACCESSORS: [string, PropertyDescriptor][] = Object.entries({
  distributionId: {
    get(this: MemoryEntry) {
      return this.extra?.distributionId ?? distributionIdOf(this.key);
    },
  },
  path: {
    get(this: MemoryEntry) {
      return this.extra?.path ?? pathOf(this.key);
    },
  },
  storedAtMs: {
    get(this: MemoryEntry) {
      return this.slab.f64[this.at + STORED_AT];
    },
  },
  freshUntilMs: {
    get(this: MemoryEntry) {
      return this.slab.f64[this.at + FRESH_UNTIL];
    },
  },
  staleWhileRevalidateUntilMs: {
    get(this: MemoryEntry) {
      return this.slab.f64[this.at + STALE_WHILE_REVALIDATE_UNTIL];
    },
  },
  staleIfErrorUntilMs: {
    get(this: MemoryEntry) {
      return this.slab.f64[this.at + STALE_IF_ERROR_UNTIL];
    },
  },
  tags: {
    get(this: MemoryEntry) {
      return this.extra?.tags ?? NO_TAGS;
    },
  },
  storedSeq: {
    get(this: MemoryEntry) {
      const seq = this.slab.f64[this.at + STORED_SEQ];
      return seq === 0 ? undefined : seq;
    },
  },
}).map(([name, d]) => [name, { ...d, enumerable: true, configurable: false }]);

/** `bits` of an entry: its policy queue (QUEUE_*) in the low 2 bits, its view slot above. */
const QUEUE_MASK = 3;
const VIEW_SHIFT = 2;

/** A cached response; also the policy's list node and the owner of one slab record. */
class MemoryEntry implements CacheEntry, PolicyNode, SlabRecordOwner<MemoryEntry> {
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

  constructor(meta: CacheEntryMeta, extra: EntryExtra | null, hash: number, charge: number) {
    this.key = meta.key;
    this.headers = meta.headers;
    this.status = meta.status;
    this.extra = extra;
    this.hash = hash;
    this.charge = charge;
    for (let i = 0; i < META_ACCESSORS.length; i++) {
      Object.defineProperty(this, META_ACCESSORS[i][0], META_ACCESSORS[i][1]);
    }
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

export interface MemoryStoreOptions {
  budgetBytes: number;
  /** Largest share of the budget one entry may take (default 1/8); larger ones are refused. */
  maxEntryRatio?: number;
}

export class MemoryStore implements CacheStore {
  readonly budgetBytes: number;
  readonly maxEntryBytes: number;
  private readonly map = new Map<string, MemoryEntry>();
  private readonly policy: WTinyLfu<MemoryEntry>;
  /** Records of every entry (and the bodies of small ones). */
  readonly slabs: SlabArena<MemoryEntry>;

  constructor(options: MemoryStoreOptions) {
    this.budgetBytes = options.budgetBytes;
    // The record keeps a body's size as a uint32.
    this.maxEntryBytes = Math.min(
      0xffff_ffff,
      Math.floor(options.budgetBytes * (options.maxEntryRatio ?? 1 / 8)),
    );
    this.policy = new WTinyLfu<MemoryEntry>(options.budgetBytes, (e) => this.onEvict(e));
    this.slabs = new SlabArena<MemoryEntry>(slabBytesFor(options.budgetBytes));
  }

  get bytesUsed(): number {
    return this.policy.bytes;
  }

  get entryCount(): number {
    return this.map.size;
  }

  get(key: string): CacheEntry | undefined {
    const entry = this.map.get(key);
    if (entry === undefined) {
      this.policy.recordAccess(hashKey(key));
      return undefined;
    }
    this.policy.onHit(entry);
    return entry;
  }

  put(meta: CacheEntryMeta, body: Buffer): boolean {
    const size = body.byteLength;
    const derived = derivesFromKey(meta);
    const charge = chargeOf(meta, size, derived);
    const old = this.map.get(meta.key);
    if (charge > this.maxEntryBytes) {
      if (old !== undefined) this.delete(meta.key); // the old body is superseded either way
      return false;
    }
    const inline = size <= SLAB_BODY_MAX_BYTES;
    const hash = old?.hash ?? hashKey(meta.key);
    const entry = this.create(meta, derived, inline ? null : ownedCopy(body), size, hash, charge);
    if (inline) body.copy(entry.slab.bytes, (entry.at << 3) + RECORD_HEADER_BYTES);
    if (old !== undefined) return this.replace(old, entry);
    if (!this.policy.add(entry)) {
      this.release(entry);
      return false;
    }
    this.map.set(meta.key, entry);
    return true;
  }

  update(meta: CacheEntryMeta): void {
    const old = this.map.get(meta.key);
    if (old === undefined) return;
    const size = old.size;
    const derived = derivesFromKey(meta);
    const body = old.extra?.body ?? null;
    const entry = this.create(meta, derived, body, size, old.hash, chargeOf(meta, size, derived));
    if (body === null) {
      const from = (old.at << 3) + RECORD_HEADER_BYTES;
      old.slab.bytes.copy(entry.slab.bytes, (entry.at << 3) + RECORD_HEADER_BYTES, from, from + size);
    }
    this.replace(old, entry);
  }

  delete(key: string): void {
    const entry = this.map.get(key);
    if (entry === undefined) return;
    this.map.delete(key);
    this.policy.remove(entry);
    this.release(entry);
  }

  entries(): Iterable<CacheEntryMeta> {
    return this.map.values();
  }

  clear(): void {
    for (const entry of this.map.values()) {
      entry.prev = null;
      entry.next = null;
      entry.queue = QUEUE_NONE;
      entry.dropView();
    }
    this.map.clear();
    this.policy.clear();
    this.slabs.clear();
  }

  /** A new entry with its record header written; the caller copies a small body in after it. */
  private create(
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
    this.slabs.allocate(entry, recordBytesFor(largeBody === null ? size : 0));
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

  /** `entry` takes `old`'s place (same queue and recency); false if it was evicted at once. */
  private replace(old: MemoryEntry, entry: MemoryEntry): boolean {
    this.map.set(entry.key, entry);
    this.policy.replace(old, entry);
    this.release(old);
    return entry.queue !== QUEUE_NONE;
  }

  /** An entry left the store: its record and view go (readers holding them keep them). */
  private release(entry: MemoryEntry): void {
    entry.dropView();
    this.slabs.free(entry);
  }

  private onEvict(entry: MemoryEntry): void {
    if (this.map.get(entry.key) === entry) this.map.delete(entry.key);
    this.release(entry);
  }
}

/**
 * A Buffer that owns its whole ArrayBuffer. A Buffer is often a slice of Node's shared
 * 8 KiB pool or of a socket read; keeping the slice would keep the whole parent alive and
 * break the budget, so such bodies are copied once.
 */
function ownedCopy(body: Buffer): Buffer {
  if (body.byteOffset === 0 && body.buffer.byteLength === body.byteLength) return body;
  const copy = Buffer.allocUnsafeSlow(body.byteLength);
  body.copy(copy);
  return copy;
}
