/**
 * The memory tier: W-TinyLFU eviction/admission (admission.ts) under a byte budget that counts
 * bodies plus everything else an entry keeps alive (`memoryCharge`). Entries are compact
 * (memory-entry.ts): small bodies and every entry's timestamps live in shared slabs
 * (slab-arena.ts); larger bodies keep their own Buffer.
 *
 * Hot path: `get` is one Map lookup, a sketch increment and a list splice; it returns the
 * stored entry object itself. Entries are immutable to their readers: `put` and `update` make a
 * new entry (and record) and splice it into the old one's place, so a response being sent from
 * an old entry is never changed under it.
 */

import {
  fileBackedPageBytes,
  isFileBacked,
  largeBodyBuffer,
  sealBody,
  ZERO_COPY_MIN_BYTES,
  zeroCopyEnabled,
} from '../zero-copy.js';
import { hashKey, QUEUE_NONE, WTinyLfu } from './admission.js';
import { derivesFromKey, MemoryEntry } from './memory-entry.js';
import { recordBytesFor, recordCharge, SlabArena, slabBytesFor } from './slab-arena.js';
import type { CacheEntry, CacheEntryMeta, CacheStore } from './types.js';

export { bufferStream, slabViewsCreated } from './memory-entry.js';

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
/** A file-backed body's memfd: its file, inode, dentry and mapping in the kernel. */
const FILE_OVERHEAD_BYTES = 2048;

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
  // A file-backed body (zero-copy.ts) takes whole pages; its last one is charged in full, and
  // so is the kernel's file, inode and mapping behind it.
  if (zeroCopyEnabled && bodyBytes >= ZERO_COPY_MIN_BYTES)
    bytes += fileBackedPageBytes - 1 - ((bodyBytes - 1) % fileBackedPageBytes) + FILE_OVERHEAD_BYTES;
  if (!inline || meta.tags.length > 0 || !derived) bytes += EXTRA_OVERHEAD_BYTES;
  if (!derived) bytes += meta.distributionId.length + meta.path.length;
  return bytes + recordCharge(recordBytesFor(inline ? bodyBytes : 0));
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
    const entry = MemoryEntry.create(
      this.slabs,
      meta,
      derived,
      inline ? null : ownedCopy(body),
      size,
      hash,
      charge,
    );
    if (inline) entry.writeBody(body);
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
    const charge = chargeOf(meta, size, derived);
    const entry = MemoryEntry.create(this.slabs, meta, derived, body, size, old.hash, charge);
    if (body === null) old.copyBodyTo(entry);
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
 * break the budget, so such bodies are copied once. Large bodies are kept file-backed
 * (src/zero-copy.ts) when they can be.
 */
function ownedCopy(body: Buffer): Buffer {
  const owned = body.byteOffset === 0 && body.buffer.byteLength === body.byteLength;
  // A large body is also copied into a file-backed one, which is sent without a copy.
  const large = zeroCopyEnabled && body.byteLength >= ZERO_COPY_MIN_BYTES;
  if (owned && (!large || isFileBacked(body))) return body;
  const copy = largeBodyBuffer(body.byteLength);
  if (owned && !isFileBacked(copy)) return body; // no file-backed memory to be had
  body.copy(copy);
  sealBody(copy);
  return copy;
}
