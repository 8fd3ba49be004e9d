/**
 * The memory tier: whole bodies in Buffers, W-TinyLFU eviction/admission (admission.ts),
 * a byte budget that counts bodies plus an estimate of everything else an entry keeps alive.
 *
 * Hot path: `get` is one Map lookup, a sketch increment and a list splice; it allocates
 * nothing and returns the stored entry object itself (its `buffer` is the body). Entries are
 * immutable to their readers: `put` and `update` make a new entry object and splice it into
 * the old one's place, so a response being sent from an old entry is never changed under it.
 */
import { Readable } from 'node:stream';
import { hashKey, type PolicyNode, QUEUE_NONE, WTinyLfu } from './admission.js';
import type { CacheEntry, CacheEntryMeta, CacheStore } from './types.js';

/**
 * Heap bytes an entry costs beyond its body and its strings' characters: the entry object,
 * the Buffer and ArrayBuffer objects and backing-store record, the Map slot, string and
 * header-object headers, the sketch's share. Measured by bench/hit-ratio.ts (`--expose-gc`);
 * kept above the measurement so the heap stays within the budget.
 */
export const ENTRY_OVERHEAD_BYTES = 512;
/** Per header: the property slot and two string headers. */
const HEADER_OVERHEAD_BYTES = 48;

/** Bytes an entry counts against the budget. */
export function memoryCharge(meta: CacheEntryMeta, bodyBytes: number): number {
  let bytes =
    ENTRY_OVERHEAD_BYTES + bodyBytes + meta.key.length + meta.path.length + meta.distributionId.length;
  for (const name in meta.headers) {
    const value = meta.headers[name];
    bytes += name.length + HEADER_OVERHEAD_BYTES;
    if (typeof value === 'string') bytes += value.length;
    else for (const v of value) bytes += v.length + HEADER_OVERHEAD_BYTES;
  }
  for (const tag of meta.tags) bytes += tag.length + HEADER_OVERHEAD_BYTES;
  return bytes;
}

/** A cached response; also the policy's list node (no wrapper object per entry). */
class MemoryEntry implements CacheEntry, PolicyNode {
  readonly key: string;
  readonly distributionId: string;
  readonly path: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly storedAtMs: number;
  readonly freshUntilMs: number;
  readonly staleWhileRevalidateUntilMs: number;
  readonly staleIfErrorUntilMs: number;
  readonly tags: readonly string[];
  readonly buffer: Buffer;
  hash: number;
  charge: number;
  queue = QUEUE_NONE;
  prev: PolicyNode | null = null;
  next: PolicyNode | null = null;

  constructor(meta: CacheEntryMeta, body: Buffer, hash: number, charge: number) {
    this.key = meta.key;
    this.distributionId = meta.distributionId;
    this.path = meta.path;
    this.status = meta.status;
    this.headers = meta.headers;
    this.storedAtMs = meta.storedAtMs;
    this.freshUntilMs = meta.freshUntilMs;
    this.staleWhileRevalidateUntilMs = meta.staleWhileRevalidateUntilMs;
    this.staleIfErrorUntilMs = meta.staleIfErrorUntilMs;
    this.tags = meta.tags;
    this.buffer = body;
    this.hash = hash;
    this.charge = charge;
  }

  /** On the prototype, not a field: one less slot per entry. */
  get size(): number {
    return this.buffer.byteLength;
  }

  readBody(start = 0, end = this.size - 1): Readable {
    return bufferStream(this.buffer, start, end);
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

  constructor(options: MemoryStoreOptions) {
    this.budgetBytes = options.budgetBytes;
    this.maxEntryBytes = Math.floor(options.budgetBytes * (options.maxEntryRatio ?? 1 / 8));
    this.policy = new WTinyLfu<MemoryEntry>(options.budgetBytes, (e) => this.onEvict(e));
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
    const charge = memoryCharge(meta, body.byteLength);
    const old = this.map.get(meta.key);
    if (charge > this.maxEntryBytes) {
      if (old !== undefined) this.delete(meta.key); // the old body is superseded either way
      return false;
    }
    const entry = new MemoryEntry(meta, ownedCopy(body), old?.hash ?? hashKey(meta.key), charge);
    if (old !== undefined) {
      this.map.set(meta.key, entry);
      this.policy.replace(old, entry);
      return entry.queue !== QUEUE_NONE;
    }
    if (!this.policy.add(entry)) return false;
    this.map.set(meta.key, entry);
    return true;
  }

  update(meta: CacheEntryMeta): void {
    const old = this.map.get(meta.key);
    if (old === undefined) return;
    const entry = new MemoryEntry(meta, old.buffer, old.hash, memoryCharge(meta, old.size));
    this.map.set(meta.key, entry);
    this.policy.replace(old, entry);
  }

  delete(key: string): void {
    const entry = this.map.get(key);
    if (entry === undefined) return;
    this.map.delete(key);
    this.policy.remove(entry);
  }

  entries(): Iterable<CacheEntryMeta> {
    return this.map.values();
  }

  clear(): void {
    for (const entry of this.map.values()) {
      entry.prev = null;
      entry.next = null;
      entry.queue = QUEUE_NONE;
    }
    this.map.clear();
    this.policy.clear();
  }

  private onEvict(entry: MemoryEntry): void {
    if (this.map.get(entry.key) === entry) this.map.delete(entry.key);
  }
}

/**
 * A Buffer that owns its whole ArrayBuffer. A small Buffer is often a slice of Node's shared
 * 8 KiB pool or of a socket read; keeping the slice would keep the whole parent alive and
 * break the budget, so such bodies are copied once.
 */
function ownedCopy(body: Buffer): Buffer {
  if (body.byteOffset === 0 && body.buffer.byteLength === body.byteLength) return body;
  const copy = Buffer.allocUnsafeSlow(body.byteLength);
  body.copy(copy);
  return copy;
}
