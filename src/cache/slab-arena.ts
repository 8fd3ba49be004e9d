/**
 * Append-only slabs for the memory tier's records (memory-store.ts): one ArrayBuffer of
 * 256 KiB–1 MiB holds many records (a fixed header and, for a small object, its body), so a
 * small cached object costs a few words in a shared slab instead of its own Buffer,
 * ArrayBuffer and backing-store record (~200 B of heap and ~300 B of C++ memory).
 *
 * Readers never see a record change: a response may still be sending from a view of it when
 * its entry is evicted. So a region is written once, when it is allocated, and never again;
 * freed regions are not reused in place. Space comes back by compaction: when dead bytes in
 * sealed slabs exceed 1/DEAD_SHARE of all slab bytes, the sealed slab with the most dead bytes
 * has its live records copied into a slab for survivors and is dropped. Its memory is freed by
 * the GC once no view and no evicted entry refers to it any more.
 *
 * Bound: dead ≤ live / (DEAD_SHARE − 1) plus the two open slabs, so a record is charged
 * DEAD_SHARE / (DEAD_SHARE − 1) of its bytes (`recordCharge`) and all slabs stay within the
 * charges plus about three slabs. A larger DEAD_SHARE charges less but copies more: at 8,
 * the hit-ratio benchmark copies ~1 byte per byte of small bodies stored (bench/README.md).
 */

/** Dead bytes allowed in sealed slabs: 1/DEAD_SHARE of all slab bytes. */
const DEAD_SHARE = 8;

/** Record header bytes; a record is this plus its body padded to 8 bytes. */
export const RECORD_HEADER_BYTES = 48;
/** Bytes 0–43 of each header belong to the caller; 44–47 to the arena (two uint16s). */
export const RECORD_CALLER_BYTES = 44;
/** Uint16 indexes within a header: the record's length in words, the owner's index in `owners`. */
const WORDS_U16 = 22;
const OWNER_U16 = 23;

/** What owns one record; compaction moves the record and updates these fields. */
export interface SlabRecordOwner<O extends SlabRecordOwner<O>> {
  slab: Slab<O>;
  /** Start of the record in 8-byte words (index into `slab.f64`). */
  at: number;
  /** Called after compaction copied the record elsewhere (the old region is left as it was). */
  moved(): void;
}

export class Slab<O extends SlabRecordOwner<O>> {
  /** The whole slab; bodies are views of it. */
  readonly bytes: Buffer;
  readonly f64: Float64Array;
  readonly u32: Uint32Array;
  readonly u16: Uint16Array;
  /** One slot per record ever allocated here, in order; null once freed or moved. */
  owners: (O | null)[] = [];
  /** Bump pointer: bytes handed out (the whole capacity once sealed). */
  used = 0;
  /** Bytes of records still owned. */
  live = 0;
  /** Position in the arena's list of sealed slabs, -1 while active or after it was dropped. */
  index = -1;

  constructor(readonly capacity: number) {
    this.bytes = Buffer.allocUnsafeSlow(capacity);
    const { buffer } = this.bytes;
    this.f64 = new Float64Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.u16 = new Uint16Array(buffer);
  }

  get dead(): number {
    return this.used - this.live;
  }

  /** Bytes of the record at word `at` (header and padded body). */
  recordBytes(at: number): number {
    return this.u16[at * 4 + WORDS_U16] << 3;
  }

  /** `length` bytes from `byteOffset`, as a Buffer sharing the slab's memory (no copy). */
  view(byteOffset: number, length: number): Buffer {
    return Buffer.from(this.bytes.buffer, byteOffset, length);
  }
}

/** Bytes a record counts against the budget: its own plus its share of the dead bytes allowed. */
export function recordCharge(recordBytes: number): number {
  return recordBytes + Math.ceil(recordBytes / (DEAD_SHARE - 1));
}

/** Header plus body padded to 8 bytes (headers are read as float64s, so records stay aligned). */
export function recordBytesFor(bodyBytes: number): number {
  return RECORD_HEADER_BYTES + ((bodyBytes + 7) & ~7);
}

/** Slab size for a budget: at least 256 KiB (32 of the largest small record), at most 1 MiB. */
export function slabBytesFor(budgetBytes: number): number {
  let bytes = 256 * 1024;
  while (bytes < 1024 * 1024 && bytes * 1024 < budgetBytes) bytes *= 2;
  return bytes;
}

/** Which open slab a record goes to: new records, or records surviving a compaction. */
const NEW = 0;
const SURVIVOR = 1;

export class SlabArena<O extends SlabRecordOwner<O>> {
  /**
   * The two slabs being filled. Survivors of a compaction are copied into their own slab, not
   * among new records: most new records die young (the window and probation turn over fast),
   * so a slab of new records is soon mostly dead and cheap to compact, while survivors,
   * likely long-lived, are not copied again with every slab of new records.
   */
  private readonly open: [Slab<O> | null, Slab<O> | null] = [null, null];
  private readonly sealed: Slab<O>[] = [];
  /** Σ capacity of sealed slabs + used bytes of the open ones. */
  private usedBytes = 0;
  /** Σ (capacity − live) of sealed slabs: freed records and the tail each left unused. */
  private sealedDeadBytes = 0;
  /** Compaction so far (for tests and the benchmark): slabs compacted, records and bytes copied. */
  compactions = 0;
  movedRecords = 0;
  movedBytes = 0;

  /**
   * Records may be at most 1/32 of a slab, so compacting the slab with the most dead bytes
   * always frees more than sealing a slab early can waste.
   */
  readonly maxRecordBytes: number;

  constructor(readonly slabBytes: number) {
    if (slabBytes % 8 !== 0 || slabBytes > 65536 * RECORD_HEADER_BYTES)
      throw new RangeError(`slab size ${slabBytes}`);
    this.maxRecordBytes = slabBytes / 32;
  }

  /** Slabs holding records (sealed and open). */
  get slabCount(): number {
    return this.sealed.length + (this.open[NEW] === null ? 0 : 1) + (this.open[SURVIVOR] === null ? 0 : 1);
  }

  /** Freed bytes not yet reclaimed, and unused tails of sealed slabs. */
  get deadBytes(): number {
    return this.sealedDeadBytes + (this.open[NEW]?.dead ?? 0) + (this.open[SURVIVOR]?.dead ?? 0);
  }

  /** Bytes of records allocated and not freed. */
  get liveBytes(): number {
    return this.usedBytes - this.deadBytes;
  }

  /** Bytes of all slabs the arena holds (what it keeps alive, leaving aside old views). */
  get memoryBytes(): number {
    return this.slabCount * this.slabBytes;
  }

  /**
   * A new record of `recordBytes` (a multiple of 8) for `owner`: sets owner.slab and owner.at.
   * The caller writes header bytes 0–45 and the body at once; nothing writes there afterwards.
   */
  allocate(owner: O, recordBytes: number): void {
    if (recordBytes > this.maxRecordBytes || recordBytes % 8 !== 0)
      throw new RangeError(`record of ${recordBytes} B`);
    this.place(owner, recordBytes, NEW);
  }

  /** The owner gives its record up. Its bytes stay as they are until the slab is unreferenced. */
  free(owner: O): void {
    const slab = owner.slab;
    const i = slab.u16[owner.at * 4 + OWNER_U16];
    if (slab.owners[i] !== owner) return; // not allocated here (or already freed)
    slab.owners[i] = null;
    const bytes = slab.recordBytes(owner.at);
    slab.live -= bytes;
    if (slab.index < 0) return; // still open: counted when sealed
    this.sealedDeadBytes += bytes;
    if (slab.live === 0) this.drop(slab);
    else this.compactIfNeeded();
  }

  /** Forgets every slab (records already handed out stay readable). */
  clear(): void {
    for (const slab of this.sealed) this.forget(slab);
    for (const slab of this.open) if (slab !== null) this.forget(slab);
    this.sealed.length = 0;
    this.open[NEW] = null;
    this.open[SURVIVOR] = null;
    this.usedBytes = 0;
    this.sealedDeadBytes = 0;
  }

  private place(owner: O, recordBytes: number, which: typeof NEW | typeof SURVIVOR): void {
    let slab = this.open[which];
    if (slab === null || slab.used + recordBytes > slab.capacity) slab = this.replace(which);
    const at = slab.used >> 3;
    slab.used += recordBytes;
    slab.live += recordBytes;
    this.usedBytes += recordBytes;
    slab.u16[at * 4 + WORDS_U16] = recordBytes >> 3;
    slab.u16[at * 4 + OWNER_U16] = slab.owners.length;
    slab.owners.push(owner);
    owner.slab = slab;
    owner.at = at;
  }

  private forget(slab: Slab<O>): void {
    slab.owners = [];
    slab.index = -1;
  }

  /** Seals the full open slab (its unused tail counts as dead from now on) and opens a new one. */
  private replace(which: typeof NEW | typeof SURVIVOR): Slab<O> {
    const full = this.open[which];
    const slab = new Slab<O>(this.slabBytes);
    this.open[which] = slab;
    if (full !== null) {
      this.usedBytes += full.capacity - full.used;
      full.used = full.capacity;
      this.sealedDeadBytes += full.dead;
      full.index = this.sealed.length;
      this.sealed.push(full);
      if (full.live === 0) this.drop(full);
    }
    return slab;
  }

  private drop(slab: Slab<O>): void {
    const last = this.sealed.pop()!;
    if (last !== slab) {
      this.sealed[slab.index] = last;
      last.index = slab.index;
    }
    this.sealedDeadBytes -= slab.dead;
    this.usedBytes -= slab.capacity;
    this.forget(slab);
  }

  private compactIfNeeded(): void {
    while (this.sealedDeadBytes * DEAD_SHARE > this.usedBytes) {
      let victim: Slab<O> | null = null;
      for (const slab of this.sealed) if (victim === null || slab.dead > victim.dead) victim = slab;
      if (victim === null) return;
      this.compact(victim);
    }
  }

  /** Copies the live records of `slab` into the survivors' open slab; `slab` is then dropped. */
  private compact(slab: Slab<O>): void {
    const owners = slab.owners;
    this.compactions++;
    // Taken out of the sealed list first, so the allocations below cannot pick it again.
    this.drop(slab);
    for (const owner of owners) {
      if (owner === null) continue;
      const from = owner.at << 3;
      const bytes = slab.recordBytes(owner.at);
      this.place(owner, bytes, SURVIVOR);
      const target = owner.slab;
      const at = owner.at;
      // One copy of the whole record, then the arena's own header words for the new place.
      slab.bytes.copy(target.bytes, at << 3, from, from + bytes);
      target.u16[at * 4 + OWNER_U16] = target.owners.length - 1;
      this.movedRecords++;
      this.movedBytes += bytes;
      owner.moved();
    }
  }
}
