/**
 * A plain byte-budget LRU memory store: the baseline MemoryStore's W-TinyLFU is measured
 * against (bench/hit-ratio.ts, test/unit/cache/memory-store.test.ts). Same charge and size
 * limit as MemoryStore so only the policy differs. Not used by the edge.
 */
import { bufferStream, memoryCharge } from './memory-store.js';
import type { CacheEntry, CacheEntryMeta, CacheStore } from './types.js';

interface LruEntry extends CacheEntry {
  readonly buffer: Buffer;
  readonly charge: number;
}

export class LruMemoryStore implements CacheStore {
  private readonly map = new Map<string, LruEntry>(); // insertion order = recency, oldest first
  private bytes = 0;
  readonly maxEntryBytes: number;

  constructor(readonly options: { budgetBytes: number; maxEntryRatio?: number }) {
    this.maxEntryBytes = Math.floor(options.budgetBytes * (options.maxEntryRatio ?? 1 / 8));
  }

  get bytesUsed(): number {
    return this.bytes;
  }

  get entryCount(): number {
    return this.map.size;
  }

  get(key: string): CacheEntry | undefined {
    const entry = this.map.get(key);
    if (entry === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, entry);
    return entry;
  }

  put(meta: CacheEntryMeta, body: Buffer): boolean {
    this.delete(meta.key);
    const charge = memoryCharge(meta, body.byteLength);
    if (charge > this.maxEntryBytes) return false;
    const entry: LruEntry = {
      ...meta,
      size: body.byteLength,
      buffer: body,
      charge,
      readBody: (start = 0, end = body.byteLength - 1) => bufferStream(body, start, end),
    };
    this.map.set(meta.key, entry);
    this.bytes += charge;
    for (const [key, victim] of this.map) {
      if (this.bytes <= this.options.budgetBytes) break;
      this.map.delete(key);
      this.bytes -= victim.charge;
    }
    return true;
  }

  update(meta: CacheEntryMeta): void {
    const old = this.map.get(meta.key);
    if (old !== undefined) this.put(meta, old.buffer);
  }

  delete(key: string): void {
    const entry = this.map.get(key);
    if (entry === undefined) return;
    this.map.delete(key);
    this.bytes -= entry.charge;
  }

  entries(): Iterable<CacheEntryMeta> {
    return this.map.values();
  }

  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }
}
