/**
 * The disk tier: one file per entry, an in-memory index rebuilt from the files on open, LRU
 * eviction by bytes.
 *
 * Entry file (all integers big-endian):
 *   0  magic 'EFCE'            4  format version (u16)    6  reserved (u16)
 *   8  header bytes (u32): where the body starts (the meta region may be padded, so a
 *      streamed entry's final meta can be written after its body)
 *   12 meta JSON bytes (u32)   16 body bytes (u64)
 *   24 SHA-1 of the body (20)  44 SHA-1 of the meta JSON (20)
 *   64 meta JSON, padding up to `header bytes`, then the body.
 *
 * Writes are atomic: the file is written under tmp/, fsynced, then renamed to
 * `<aa>/<sha1(key)>.<seq>.entry`; every version of a key has its own file name, so a
 * stream reading an old version never sees a new one, and a write that started later
 * always wins. A crash leaves either the old entry or the new one, plus temp files that
 * open() removes.
 *
 * Integrity: a corrupt or truncated entry is a miss and its file is deleted, never served.
 * Bodies up to `smallBodyBytes` are read whole and checked against their SHA-1 before `get`
 * answers. Larger bodies are checked while streaming: `readBody()` holds back the last chunk
 * until the byte count (and, for a full-body read, the SHA-1) has been verified; on a
 * mismatch the stream is destroyed with a `CorruptCacheEntryError` instead of ending, so the
 * viewer's connection is cut short of its Content-Length rather than silently served wrong
 * bytes. A range read of a large body is verified by length only (a hash covers the whole body).
 * The same happens if a large entry is evicted or replaced between `get` and `readBody` (its
 * file is gone: ENOENT); a stream that has opened its file keeps reading the old version.
 *
 * One process owns a directory: open() deletes whatever is under tmp/. Renames are not
 * followed by a directory fsync, so a power cut may lose the newest entries (never expose
 * a partial one).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline, type Readable, Transform } from 'node:stream';
import { bufferStream } from './memory-store.js';
import { type CacheEntry, type CacheEntryMeta, type CacheStore, copyMeta } from './types.js';

const MAGIC = 0x45464345; // 'EFCE'
const VERSION = 1;
const PREFIX_BYTES = 64;
const ENTRY_FILE = /^([0-9a-f]{40})\.(\d+)\.entry$/;

export class CorruptCacheEntryError extends Error {
  constructor(key: string, reason: string) {
    super(`disk cache entry for ${key} is corrupt: ${reason}`);
    this.name = 'CorruptCacheEntryError';
  }
}

export interface DiskStoreOptions {
  dir: string;
  budgetBytes: number;
  /** Bodies up to this size are read whole and verified by `get` (default 256 KiB). */
  smallBodyBytes?: number;
  /** A streaming writer gives up (commit → false) if this much is queued unwritten (default 64 MiB). */
  maxBufferedBytes?: number;
}

/** A streaming write of one entry; it becomes visible only when `commit` resolves true. */
export interface DiskEntryWriter {
  /**
   * Queues a chunk (not copied: do not reuse it). False when the caller should wait
   * (whenWritable() to keep streaming, drain() to wait for everything).
   */
  write(chunk: Buffer): boolean;
  /** Resolves when every queued chunk is on its way to disk. */
  drain(): Promise<void>;
  /**
   * Resolves once the queue is below its low-water mark (or the write failed): a stream keeps
   * flowing while earlier chunks are still being written, instead of stopping until all are.
   */
  whenWritable(): Promise<void>;
  /** Completes the entry with its final metadata (`size` must equal the bytes written). */
  commit(finalMeta: CacheEntryMeta): Promise<boolean>;
  /** Drops the entry; nothing becomes visible and the temp file is removed. */
  abort(): void;
  /** Bytes queued but not yet written (bounded by drain() and `maxBufferedBytes`). */
  readonly bufferedBytes: number;
  /** Body bytes written to the file so far: what `bodyReader()` can read. */
  readonly flushedBytes: number;
  /** The write failed or gave up (disk error, budget, fell behind): commit will store nothing. */
  readonly failed: boolean;
  /**
   * With `beginWrite(meta, { readable: true })`: a read handle on the entry's file while it is
   * being written (collapsed requests follow the body as it arrives: src/cache/cache-fill.ts).
   * The handle stays valid after commit (rename) and abort (unlink); the caller closes it.
   * Undefined when the file could not be opened.
   */
  bodyReader(): Promise<BodyFileReader | undefined>;
}

/** Positional reads of an entry's body from a file handle (offsets are body offsets). */
export interface BodyFileReader {
  /** Reads up to `length` bytes at body offset `position`; resolves with the count read. */
  read(into: Buffer, position: number, length: number): Promise<number>;
  close(): Promise<void>;
}

export interface BeginWriteOptions {
  /** Called after each chunk reaches the file, and when the write fails. */
  onProgress?: () => void;
  /** Also open a read handle on the file for `bodyReader()`. */
  readable?: boolean;
}

/** `write()` asks the caller to wait above this many queued bytes; whenWritable() resolves below half. */
const WRITE_HIGH_WATER_BYTES = 1024 * 1024;
const WRITE_LOW_WATER_BYTES = WRITE_HIGH_WATER_BYTES / 2;

interface DiskRecord {
  meta: CacheEntryMeta;
  readonly file: string;
  readonly seq: number;
  readonly headerBytes: number;
  readonly fileBytes: number;
  readonly bodySha1: Buffer;
  /** Serialises in-place header rewrites (update). */
  updating?: Promise<void>;
}

/** Only the declared fields: a memory-tier entry passed as meta carries list links and methods. */

function sha1(data: Buffer): Buffer {
  return createHash('sha1').update(data).digest();
}

function keyHash(key: string): string {
  return createHash('sha1').update(key).digest('hex');
}

/**
 * Header room for an entry. A streamed or large entry gets slack: its meta may grow by commit
 * time, and a large entry's update() rewrites the header in place. A small one is rewritten whole.
 */
function reservedHeaderBytes(metaJsonBytes: number, slack: boolean): number {
  if (!slack) return PREFIX_BYTES + metaJsonBytes;
  const want = PREFIX_BYTES + metaJsonBytes + Math.max(512, metaJsonBytes >> 1);
  return Math.ceil(want / 512) * 512;
}

/** The header, padded to `headerBytes`; null if the meta does not fit in that room. */
function encodeHeader(meta: CacheEntryMeta, bodySha1: Buffer, headerBytes?: number): Buffer | null {
  const json = Buffer.from(JSON.stringify(meta));
  const size = headerBytes ?? PREFIX_BYTES + json.byteLength;
  if (PREFIX_BYTES + json.byteLength > size) return null;
  const header = Buffer.alloc(size);
  header.writeUInt32BE(MAGIC, 0);
  header.writeUInt16BE(VERSION, 4);
  header.writeUInt32BE(size, 8);
  header.writeUInt32BE(json.byteLength, 12);
  header.writeBigUInt64BE(BigInt(meta.size), 16);
  bodySha1.copy(header, 24);
  sha1(json).copy(header, 44);
  json.copy(header, PREFIX_BYTES);
  return header;
}

interface ParsedHeader {
  meta: CacheEntryMeta;
  headerBytes: number;
  bodySha1: Buffer;
}

/** Parses the prefix + meta JSON; null if anything is off. */
function decodeHeader(prefix: Buffer, readMeta: (length: number) => Buffer | null): ParsedHeader | null {
  if (
    prefix.byteLength < PREFIX_BYTES ||
    prefix.readUInt32BE(0) !== MAGIC ||
    prefix.readUInt16BE(4) !== VERSION
  ) {
    return null;
  }
  const headerBytes = prefix.readUInt32BE(8);
  const metaBytes = prefix.readUInt32BE(12);
  if (PREFIX_BYTES + metaBytes > headerBytes) return null;
  const json = readMeta(metaBytes);
  if (json === null || json.byteLength !== metaBytes || !sha1(json).equals(prefix.subarray(44, 64)))
    return null;
  try {
    const meta = JSON.parse(json.toString('utf8')) as CacheEntryMeta;
    if (typeof meta.key !== 'string' || BigInt(meta.size) !== prefix.readBigUInt64BE(16)) return null;
    return { meta, headerBytes, bodySha1: Buffer.from(prefix.subarray(24, 44)) };
  } catch {
    return null;
  }
}

async function writeAll(fh: FileHandle, data: Buffer, position: number): Promise<void> {
  let offset = 0;
  while (offset < data.byteLength) {
    const { bytesWritten } = await fh.write(data, offset, data.byteLength - offset, position + offset);
    offset += bytesWritten;
  }
}

async function readHeaderFromFile(file: string): Promise<{ header: ParsedHeader; fileBytes: number } | null> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(file, 'r');
    const { size } = await fh.stat();
    const prefix = Buffer.alloc(PREFIX_BYTES);
    const { bytesRead } = await fh.read(prefix, 0, PREFIX_BYTES, 0);
    if (bytesRead !== PREFIX_BYTES) return null;
    const metaBytes = prefix.readUInt32BE(12);
    if (metaBytes > 16 * 1024 * 1024) return null;
    const json = Buffer.alloc(metaBytes);
    const metaRead = (await fh.read(json, 0, metaBytes, PREFIX_BYTES)).bytesRead;
    const header = decodeHeader(prefix, () => (metaRead === metaBytes ? json : null));
    if (header === null || size !== header.headerBytes + header.meta.size) return null;
    return { header, fileBytes: size };
  } catch {
    return null;
  } finally {
    await fh?.close();
  }
}

async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

class DiskEntry implements CacheEntry {
  readonly key: string;
  readonly distributionId: string;
  readonly path: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly size: number;
  readonly storedAtMs: number;
  readonly freshUntilMs: number;
  readonly staleWhileRevalidateUntilMs: number;
  readonly staleIfErrorUntilMs: number;
  readonly tags: readonly string[];
  readonly storedSeq?: number;
  readonly buffer?: Buffer;

  constructor(
    meta: CacheEntryMeta,
    buffer: Buffer | undefined,
    private readonly store: DiskStore,
    private readonly record: DiskRecord,
  ) {
    this.key = meta.key;
    this.distributionId = meta.distributionId;
    this.path = meta.path;
    this.status = meta.status;
    this.headers = meta.headers;
    this.size = meta.size;
    this.storedAtMs = meta.storedAtMs;
    this.freshUntilMs = meta.freshUntilMs;
    this.staleWhileRevalidateUntilMs = meta.staleWhileRevalidateUntilMs;
    this.staleIfErrorUntilMs = meta.staleIfErrorUntilMs;
    this.tags = meta.tags;
    if (meta.storedSeq !== undefined) this.storedSeq = meta.storedSeq;
    if (buffer !== undefined) this.buffer = buffer;
  }

  readBody(start = 0, end = this.size - 1): Readable {
    if (this.buffer !== undefined) return bufferStream(this.buffer, start, end);
    const last = Math.min(end, this.size - 1);
    const expected = last - start + 1;
    if (expected <= 0) return bufferStream(Buffer.alloc(0), 0, -1);
    const record = this.record;
    const store = this.store;
    const hash = start === 0 && last === this.size - 1 ? createHash('sha1') : null;
    let seen = 0;
    let held: Buffer | null = null; // the last chunk is released only once the body checks out
    const verify = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        seen += chunk.byteLength;
        hash?.update(chunk);
        const previous = held;
        held = chunk;
        callback(null, previous ?? undefined);
      },
      flush(callback) {
        if (seen !== expected) return fail(`read ${seen} of ${expected} bytes`, callback);
        if (hash !== null && !hash.digest().equals(record.bodySha1))
          return fail('body checksum mismatch', callback);
        callback(null, held ?? undefined);
      },
    });
    const fail = (reason: string, callback: (err: Error) => void) => {
      void store.dropRecord(record);
      callback(new CorruptCacheEntryError(record.meta.key, reason));
    };
    const file = createReadStream(record.file, {
      start: record.headerBytes + start,
      end: record.headerBytes + last,
      highWaterMark: 256 * 1024,
    });
    pipeline(file, verify, (err) => {
      if ((err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') void store.dropRecord(record);
    });
    return verify;
  }
}

export class DiskStore implements CacheStore {
  private readonly index = new Map<string, DiskRecord>(); // insertion order = recency, oldest first
  private bytes = 0;
  private lastSeq = 0;
  /** Writes that started before this were overtaken by clear(). */
  private clearedBeforeSeq = 0;
  /** Keys deleted while a write to them was in flight: that write must not appear afterwards. */
  private readonly deletedAtSeq = new Map<string, number>();
  private readonly pendingWrites = new Map<string, number>();
  private readonly madeDirs = new Set<string>();
  private readonly tmpDir: string;
  readonly budgetBytes: number;
  readonly smallBodyBytes: number;
  readonly maxBufferedBytes: number;

  private constructor(
    readonly dir: string,
    options: DiskStoreOptions,
  ) {
    this.tmpDir = join(dir, 'tmp');
    this.budgetBytes = options.budgetBytes;
    this.smallBodyBytes = options.smallBodyBytes ?? 256 * 1024;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 64 * 1024 * 1024;
  }

  /** Opens (creating) a store directory: removes temp leftovers, rebuilds the index from the entry files. */
  static async open(options: DiskStoreOptions): Promise<DiskStore> {
    const store = new DiskStore(options.dir, options);
    await mkdir(store.tmpDir, { recursive: true });
    for (const name of await readdir(store.tmpDir)) await rm(join(store.tmpDir, name), { force: true });
    await store.rebuildIndex();
    return store;
  }

  get bytesUsed(): number {
    return this.bytes;
  }

  get entryCount(): number {
    return this.index.size;
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    const record = this.index.get(key);
    if (record === undefined) return undefined;
    this.index.delete(key);
    this.index.set(key, record);
    if (record.meta.size <= this.smallBodyBytes) {
      let data: Buffer;
      try {
        data = await readFile(record.file);
      } catch {
        await this.dropRecord(record);
        return undefined;
      }
      const header = decodeHeader(data, (length) => data.subarray(PREFIX_BYTES, PREFIX_BYTES + length));
      const body = data.subarray(record.headerBytes);
      if (
        header === null ||
        header.headerBytes !== record.headerBytes ||
        body.byteLength !== header.meta.size ||
        !sha1(body).equals(header.bodySha1)
      ) {
        await this.dropRecord(record);
        return undefined;
      }
      return new DiskEntry(record.meta, body, this, record);
    }
    try {
      if ((await stat(record.file)).size !== record.fileBytes) throw new Error('truncated');
    } catch {
      await this.dropRecord(record);
      return undefined;
    }
    return new DiskEntry(record.meta, undefined, this, record);
  }

  async put(meta: CacheEntryMeta, body: Buffer): Promise<boolean> {
    const slack = body.byteLength > this.smallBodyBytes;
    const writer = new DiskWriter(
      this,
      copyMeta(meta, body.byteLength),
      this.nextSeq(),
      undefined,
      undefined,
      slack,
    );
    writer.write(body);
    return writer.commit(copyMeta(meta, body.byteLength));
  }

  /** Stores a body while it streams (e.g. to the viewer); visible only once committed. */
  beginWrite(meta: CacheEntryMeta, options: BeginWriteOptions = {}): DiskEntryWriter {
    return new DiskWriter(this, copyMeta(meta), this.nextSeq(), undefined, undefined, true, options);
  }

  async update(meta: CacheEntryMeta): Promise<void> {
    const record = this.index.get(meta.key);
    if (record === undefined) return;
    const next = copyMeta(meta, record.meta.size);
    if (record.meta.size <= this.smallBodyBytes) {
      // Small: rewrite the whole file atomically (unless it was replaced meanwhile).
      const entry = await this.get(meta.key);
      if (entry?.buffer === undefined || this.index.get(meta.key) !== record) return;
      const writer = new DiskWriter(this, next, this.nextSeq(), record, undefined, false);
      writer.write(entry.buffer);
      await writer.commit(next);
      return;
    }
    // Large: rewrite the header in place (the body is untouched; a torn header fails its checksum
    // on the next open and the entry is dropped, never misread).
    const header = encodeHeader(next, record.bodySha1, record.headerBytes);
    const previous = record.updating ?? Promise.resolve();
    const run = previous.then(async () => {
      if (header === null) return this.copyWithMeta(record, next);
      let fh: FileHandle | undefined;
      try {
        fh = await open(record.file, 'r+');
        await writeAll(fh, header, 0);
        await fh.sync();
        record.meta = next;
      } catch {
        await this.dropRecord(record);
      } finally {
        await fh?.close();
      }
    });
    record.updating = run;
    await run;
  }

  async delete(key: string): Promise<void> {
    if (this.pendingWrites.has(key)) this.deletedAtSeq.set(key, this.nextSeq());
    const record = this.index.get(key);
    if (record !== undefined) await this.dropRecord(record);
  }

  *entries(): Iterable<CacheEntryMeta> {
    for (const record of this.index.values()) yield record.meta;
  }

  /**
   * Drops the committed entry for `key` if `isDead(meta)` says so. Unlike delete(), writes in
   * flight are left alone: an invalidated entry must go, but a fill that started after the
   * invalidation is the fresh copy (stale in-flight writes carry their storedSeq and are found
   * dead when looked up).
   */
  async deleteIf(key: string, isDead: (meta: CacheEntryMeta) => boolean): Promise<void> {
    const record = this.index.get(key);
    if (record !== undefined && isDead(record.meta)) await this.dropRecord(record);
  }

  /** Whether a committed entry exists for `key` (no read, no recency change). */
  has(key: string): boolean {
    return this.index.has(key);
  }

  async clear(): Promise<void> {
    this.clearedBeforeSeq = this.nextSeq();
    const records = [...this.index.values()];
    this.index.clear();
    this.bytes = 0;
    await forEachLimit(records, 16, (r) => unlink(r.file).catch(() => {}));
  }

  // ---- internals shared with DiskWriter / DiskEntry ----

  /** Forgets a record (if it is still current) and deletes its file. */
  async dropRecord(record: DiskRecord): Promise<void> {
    if (this.index.get(record.meta.key) === record) {
      this.index.delete(record.meta.key);
      this.bytes -= record.fileBytes;
    }
    await unlink(record.file).catch(() => {});
  }

  nextSeq(): number {
    this.lastSeq = Math.max(this.lastSeq + 1, Date.now() * 1000);
    return this.lastSeq;
  }

  tempPath(seq: number): string {
    return join(this.tmpDir, `${seq}-${randomBytes(4).toString('hex')}.tmp`);
  }

  writeStarted(key: string): void {
    this.pendingWrites.set(key, (this.pendingWrites.get(key) ?? 0) + 1);
  }

  writeEnded(key: string): void {
    const n = (this.pendingWrites.get(key) ?? 1) - 1;
    if (n > 0) this.pendingWrites.set(key, n);
    else {
      this.pendingWrites.delete(key);
      this.deletedAtSeq.delete(key);
    }
  }

  /** Moves a finished temp file into place and indexes it, unless a newer write or a delete won. */
  async install(
    temp: string,
    meta: CacheEntryMeta,
    seq: number,
    headerBytes: number,
    bodySha1: Buffer,
    basedOn?: DiskRecord,
  ): Promise<boolean> {
    const fileBytes = headerBytes + meta.size;
    const current = this.index.get(meta.key);
    const overtaken =
      fileBytes > this.budgetBytes ||
      seq < this.clearedBeforeSeq ||
      (this.deletedAtSeq.get(meta.key) ?? 0) > seq ||
      (current !== undefined && current.seq > seq) ||
      (basedOn !== undefined && current !== basedOn);
    if (overtaken) {
      await unlink(temp).catch(() => {});
      return false;
    }
    const hash = keyHash(meta.key);
    const subdir = join(this.dir, hash.slice(0, 2));
    if (!this.madeDirs.has(subdir)) {
      await mkdir(subdir, { recursive: true });
      this.madeDirs.add(subdir);
    }
    const file = join(subdir, `${hash}.${seq}.entry`);
    await rename(temp, file);
    // Re-check: another write of this key may have been installed while we awaited.
    const now = this.index.get(meta.key);
    if (
      (now !== undefined && now.seq > seq) ||
      seq < this.clearedBeforeSeq ||
      (this.deletedAtSeq.get(meta.key) ?? 0) > seq
    ) {
      await unlink(file).catch(() => {});
      return false;
    }
    if (now !== undefined) await this.dropRecord(now);
    this.index.set(meta.key, { meta, file, seq, headerBytes, fileBytes, bodySha1 });
    this.bytes += fileBytes;
    await this.evictOverBudget();
    return true;
  }

  private async evictOverBudget(): Promise<void> {
    const victims: DiskRecord[] = [];
    for (const record of this.index.values()) {
      if (this.bytes <= this.budgetBytes) break;
      this.index.delete(record.meta.key);
      this.bytes -= record.fileBytes;
      victims.push(record);
    }
    await forEachLimit(victims, 16, (r) => unlink(r.file).catch(() => {}));
  }

  /** Rewrites a large entry whose new meta does not fit its header room. */
  private async copyWithMeta(record: DiskRecord, meta: CacheEntryMeta): Promise<void> {
    const writer = new DiskWriter(this, meta, this.nextSeq(), record);
    try {
      for await (const chunk of createReadStream(record.file, { start: record.headerBytes })) {
        if (!writer.write(chunk as Buffer)) await writer.drain();
      }
    } catch {
      writer.abort();
      await this.dropRecord(record);
      return;
    }
    await writer.commit(meta);
  }

  private async rebuildIndex(): Promise<void> {
    const found: { file: string; seq: number; mtimeMs: number }[] = [];
    for (const sub of await readdir(this.dir)) {
      if (!/^[0-9a-f]{2}$/.test(sub)) continue;
      this.madeDirs.add(join(this.dir, sub));
      for (const name of await readdir(join(this.dir, sub))) {
        const m = ENTRY_FILE.exec(name);
        const file = join(this.dir, sub, name);
        if (m === null || m[1].slice(0, 2) !== sub) continue;
        found.push({ file, seq: Number(m[2]), mtimeMs: 0 });
      }
    }
    const records: (DiskRecord & { mtimeMs: number })[] = [];
    await forEachLimit(found, 32, async (f) => {
      const read = await readHeaderFromFile(f.file);
      if (read === null || !f.file.includes(keyHash(read.header.meta.key))) {
        await unlink(f.file).catch(() => {});
        return;
      }
      const { mtimeMs } = await stat(f.file);
      const { meta, headerBytes, bodySha1 } = read.header;
      records.push({
        meta,
        file: f.file,
        seq: f.seq,
        headerBytes,
        fileBytes: read.fileBytes,
        bodySha1,
        mtimeMs,
      });
    });
    records.sort((a, b) => a.mtimeMs - b.mtimeMs || a.seq - b.seq);
    for (const record of records) {
      this.lastSeq = Math.max(this.lastSeq, record.seq);
      const current = this.index.get(record.meta.key);
      if (current !== undefined) {
        // Two versions survived a crash between rename and unlink: the later write wins.
        const [keep, drop] = current.seq > record.seq ? [current, record] : [record, current];
        await unlink(drop.file).catch(() => {});
        if (keep === current) continue;
        this.index.delete(current.meta.key);
        this.bytes -= current.fileBytes;
      }
      const { mtimeMs: _, ...rest } = record;
      this.index.set(record.meta.key, rest);
      this.bytes += record.fileBytes;
    }
    await this.evictOverBudget();
  }
}

class DiskWriter implements DiskEntryWriter {
  private readonly temp: string;
  private readonly headerBytes: number;
  private readonly hash = createHash('sha1');
  private fh: FileHandle | undefined;
  private chain: Promise<void>;
  private readonly reader: Promise<BodyFileReader | undefined> | undefined;
  private readonly onProgress: (() => void) | undefined;
  private written = 0;
  private buffered = 0;
  private flushed = 0;
  private hasFailed = false;
  private finished = false;
  private writable: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(
    private readonly store: DiskStore,
    private readonly meta: CacheEntryMeta,
    private readonly seq: number,
    private readonly basedOn?: DiskRecord,
    headerMeta: CacheEntryMeta = meta,
    slack = true,
    options: BeginWriteOptions = {},
  ) {
    this.temp = store.tempPath(seq);
    this.headerBytes = reservedHeaderBytes(Buffer.byteLength(JSON.stringify(headerMeta)), slack);
    this.onProgress = options.onProgress;
    store.writeStarted(meta.key);
    const opened = open(this.temp, 'wx').then(
      (fh) => {
        this.fh = fh;
      },
      () => this.fail(),
    );
    // The read handle is opened before any write is queued behind it, so it exists before a
    // commit can rename the file (or an abort unlink it).
    this.reader = options.readable ? opened.then(() => this.openReader()) : undefined;
    this.chain = this.reader ? this.reader.then(() => {}) : opened;
  }

  get failed(): boolean {
    return this.hasFailed;
  }

  get flushedBytes(): number {
    return this.flushed;
  }

  bodyReader(): Promise<BodyFileReader | undefined> {
    return this.reader ?? Promise.resolve(undefined);
  }

  private async openReader(): Promise<BodyFileReader | undefined> {
    if (this.fh === undefined) return undefined;
    let fh: FileHandle;
    try {
      fh = await open(this.temp, 'r');
    } catch {
      return undefined;
    }
    const offset = this.headerBytes;
    return {
      read: async (into, position, length) => (await fh.read(into, 0, length, offset + position)).bytesRead,
      close: () => fh.close().catch(() => {}),
    };
  }

  private fail(): void {
    if (this.hasFailed) return;
    this.hasFailed = true;
    this.releaseWritable();
    this.onProgress?.();
  }

  private releaseWritable(): void {
    const waiting = this.writable;
    this.writable = undefined;
    waiting?.resolve();
  }

  write(chunk: Buffer): boolean {
    if (this.hasFailed || this.finished) return false;
    const position = this.headerBytes + this.written;
    this.written += chunk.byteLength;
    this.buffered += chunk.byteLength;
    if (this.buffered > this.store.maxBufferedBytes || position + chunk.byteLength > this.store.budgetBytes) {
      this.fail(); // the disk fell behind, or the body can never fit: stop storing it
      return false;
    }
    this.hash.update(chunk);
    this.chain = this.chain.then(async () => {
      if (this.hasFailed || this.fh === undefined) return;
      try {
        await writeAll(this.fh, chunk, position);
      } catch {
        this.fail();
        return;
      }
      this.buffered -= chunk.byteLength;
      this.flushed += chunk.byteLength;
      if (this.buffered <= WRITE_LOW_WATER_BYTES) this.releaseWritable();
      this.onProgress?.();
    });
    return this.buffered < WRITE_HIGH_WATER_BYTES;
  }

  /** Bytes queued but not yet written. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  drain(): Promise<void> {
    return this.chain;
  }

  whenWritable(): Promise<void> {
    if (this.hasFailed || this.finished || this.buffered <= WRITE_LOW_WATER_BYTES) return Promise.resolve();
    if (this.writable === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.writable = { promise, resolve };
    }
    return this.writable.promise;
  }

  async commit(finalMeta: CacheEntryMeta): Promise<boolean> {
    if (this.finished) return false;
    this.finished = true;
    try {
      await this.chain;
      const meta = copyMeta(finalMeta);
      if (
        this.hasFailed ||
        this.fh === undefined ||
        meta.key !== this.meta.key ||
        meta.size !== this.written
      ) {
        await this.discard();
        return false;
      }
      const bodySha1 = this.hash.digest();
      const header = encodeHeader(meta, bodySha1, this.headerBytes);
      if (header === null) return await this.recommit(meta);
      await writeAll(this.fh, header, 0);
      await this.fh.sync();
      await this.fh.close();
      this.fh = undefined;
      return await this.store.install(this.temp, meta, this.seq, this.headerBytes, bodySha1, this.basedOn);
    } catch {
      await this.discard();
      return false;
    } finally {
      this.store.writeEnded(this.meta.key);
    }
  }

  abort(): void {
    if (this.finished) return;
    this.finished = true;
    this.hasFailed = true;
    this.releaseWritable();
    // drain() resolves once the temp file is gone.
    this.chain = this.chain.then(() => this.discard()).finally(() => this.store.writeEnded(this.meta.key));
  }

  private async discard(): Promise<void> {
    await this.fh?.close().catch(() => {});
    this.fh = undefined;
    await unlink(this.temp).catch(() => {});
  }

  /** The final meta outgrew the reserved header room: copy the body behind a bigger header. */
  private async recommit(meta: CacheEntryMeta): Promise<boolean> {
    const fh = this.fh!;
    const copy = new DiskWriter(this.store, this.meta, this.seq, this.basedOn, meta);
    const chunk = Buffer.allocUnsafe(1024 * 1024);
    for (let offset = 0; offset < this.written; ) {
      const { bytesRead } = await fh.read(
        chunk,
        0,
        Math.min(chunk.byteLength, this.written - offset),
        this.headerBytes + offset,
      );
      if (bytesRead === 0) break;
      copy.write(Buffer.from(chunk.subarray(0, bytesRead)));
      await copy.drain();
      offset += bytesRead;
    }
    await this.discard();
    return copy.commit(meta);
  }
}
