/**
 * A cacheable origin response being stored while it streams to the viewer (a "fill"), and what
 * collapsed requests for the same key follow while it arrives (reference/caching.md §3.4, §3.5).
 *
 * Where the body goes (EdgeCache.tierFor): up to the memory tier's entry limit, chunks are
 * collected and stored whole once complete (memory, written through to disk); above it, with a
 * disk tier, they are written to a DiskStore entry as they arrive and committed once complete.
 * A body of unknown length starts in memory; if it outgrows the memory limit, the collected
 * chunks are handed to a disk writer and the rest streams after them (without a disk tier,
 * storing stops and the body passes through).
 *
 * Pace: the origin is read as fast as the leader's viewer takes it and, for a disk fill, as the
 * disk writes it (at most ~1 MiB queued: DiskEntryWriter.whenWritable). A slow viewer holds the
 * origin back instead of growing memory. Followers never pace the origin: each reads what has
 * arrived so far at its own speed, from the collected chunks (memory fill) or from the entry's
 * file as it is written (disk fill, 64 KiB reads through one shared read handle), and waits for
 * more when it catches up. So a follower costs at most one 64 KiB read buffer, however far
 * behind it falls.
 *
 * Endings:
 * - complete (Content-Length matched, or the origin ended a body that had none): stored;
 *   followers read to the end. Waiters are released (EdgeCache.collapse `done`) once it is
 *   stored, and later requests are hits.
 * - the origin fails mid-body (error, connection cut, length mismatch): nothing is stored; the
 *   leader's viewer and every follower are cut (connection destroyed: their Content-Length is
 *   never reached), as CloudFront does on a mid-body origin failure.
 * - storing fails or gives up (disk error, unknown length past the limit): the leader's viewer
 *   gets the rest of the body uncached; followers are cut.
 * - the leader's viewer leaves: while followers are still reading, the fill goes on for them
 *   (and is stored if it completes); with none, the origin read stops and nothing is stored
 *   (§3.5: a viewer that cancels a miss leaves nothing cached). The last follower leaving after
 *   the leader's viewer does the same.
 */
import { Readable } from 'node:stream';
import { concatBody } from '../zero-copy.js';
import type { BodyFileReader, DiskEntryWriter } from './disk-store.js';
import type { EdgeCache, StoreTier } from './edge-cache.js';
import type { CacheEntry, CacheEntryMeta } from './types.js';

/** A follower's read size from a disk fill, and its stream buffer. */
const FOLLOW_READ_BYTES = 64 * 1024;

type Storage = StoreTier | 'none';

export class CacheFailedFillError extends Error {
  constructor(key: string, reason: string) {
    super(`the response being cached for ${key} ${reason}`);
    this.name = 'CacheFailedFillError';
  }
}

export interface CacheFillOptions {
  readonly cache: EdgeCache;
  /** The entry's metadata (its `size` is set from the bytes received at the end). */
  readonly meta: CacheEntryMeta;
  /** Content-Length, when the origin sent one. */
  readonly expectedBytes: number | undefined;
  /** EdgeCache.tierFor(expectedBytes). */
  readonly tier: StoreTier;
  /** The origin body (after compression, if any). */
  readonly source: Readable;
  /** Called once, when the body is stored or known not to be. */
  readonly onSettled?: () => void;
}

export class CacheFill {
  readonly meta: CacheEntryMeta;
  readonly expectedBytes: number | undefined;
  /** The body for the viewer whose miss started the fill. */
  readonly viewerBody: Readable;
  readonly #cache: EdgeCache;
  readonly #source: Readable;
  readonly #onSettled: (() => void) | undefined;
  #storage: Storage;
  #state: 'streaming' | 'ended' | 'failed' = 'streaming';
  #failure: Error | undefined;
  #settled = false;
  #received = 0;
  /** Memory fill: every chunk so far. */
  #chunks: Buffer[] | undefined;
  /** Disk fill. */
  #writer: DiskEntryWriter | undefined;
  #file: Promise<BodyFileReader | undefined> | undefined;
  #fileClosed = false;
  /** Chunks waiting for the disk writer while collected chunks are handed over to it. */
  #handover: Buffer[] | undefined;
  #handedOver: Promise<void> = Promise.resolve();
  #viewerAttached = true;
  #viewerBlocked = false;
  #diskBlocked = false;
  readonly #followers = new Set<Readable>();
  /** Followers that caught up, waiting for more bytes. */
  readonly #waiting = new Set<() => void>();

  constructor(options: CacheFillOptions) {
    this.#cache = options.cache;
    this.meta = options.meta;
    this.expectedBytes = options.expectedBytes;
    this.#source = options.source;
    this.#onSettled = options.onSettled;
    this.#storage = options.tier;
    if (options.tier === 'memory') this.#chunks = [];
    else this.#startDisk();
    this.viewerBody = new Readable({
      highWaterMark: FOLLOW_READ_BYTES,
      read: () => {
        this.#viewerBlocked = false;
        this.#flow();
      },
      destroy: (err, callback) => {
        this.#viewerGone();
        callback(err);
      },
    });
    const source = this.#source;
    source.on('data', (chunk: Buffer) => this.#onData(chunk));
    source.on('end', () => this.#onEnd());
    source.on('error', (err) => this.#onSourceFailed(err));
    source.on('close', () => this.#onSourceFailed(new Error('origin body closed before its end')));
  }

  /** A collapsed request may follow it: still arriving (or ended and not yet settled), and stored. */
  get isFollowable(): boolean {
    return this.#state !== 'failed' && this.#storage !== 'none' && !this.#settled;
  }

  /**
   * The fill as a cache entry, for src/cache/serve-cached.ts (304, 206/416, 200). Its size is
   * the Content-Length; without one it cannot answer ranges (size 0: use readBody() whole).
   */
  entry(): CacheEntry {
    return {
      ...this.meta,
      size: this.expectedBytes ?? 0,
      readBody: (start, end) => this.readBody(start, end),
    };
  }

  /**
   * A follower's stream of the inclusive range [start, end] (default: to the body's end): what
   * has arrived is replayed, the rest follows as it arrives. Destroyed with an error if the
   * fill fails before the range is complete.
   */
  readBody(start = 0, end?: number): Readable {
    const last =
      end ?? (this.expectedBytes !== undefined ? this.expectedBytes - 1 : Number.POSITIVE_INFINITY);
    let position = start;
    let chunkIndex = 0;
    let chunkStart = 0;
    let reading = false;
    const stream: Readable = new Readable({
      highWaterMark: FOLLOW_READ_BYTES,
      read: () => pump(),
      destroy: (err, callback) => {
        this.#waiting.delete(pump);
        this.#followerGone(stream);
        callback(err);
      },
    });
    this.#followers.add(stream);
    const pump = (): void => {
      while (!reading && !stream.destroyed) {
        if (position > last) {
          stream.push(null);
          return;
        }
        if (this.#state === 'failed' || this.#storage === 'none') {
          stream.destroy(this.#failure ?? new CacheFailedFillError(this.meta.key, 'is no longer stored'));
          return;
        }
        const available = this.#storage === 'memory' ? this.#received : this.#writer!.flushedBytes;
        if (position >= available) {
          if (this.#state === 'ended' && position >= this.#received) stream.push(null);
          else this.#waiting.add(pump);
          return;
        }
        const upto = Math.min(available, last + 1);
        if (this.#storage === 'memory') {
          const chunks = this.#chunks!;
          while (chunkStart + chunks[chunkIndex].byteLength <= position) {
            chunkStart += chunks[chunkIndex].byteLength;
            chunkIndex++;
          }
          const chunk = chunks[chunkIndex];
          const piece = chunk.subarray(position - chunkStart, Math.min(chunk.byteLength, upto - chunkStart));
          position += piece.byteLength;
          if (!stream.push(piece)) return;
          continue;
        }
        reading = true;
        const length = Math.min(FOLLOW_READ_BYTES, upto - position);
        this.#readFile(Buffer.allocUnsafe(length), position, length).then(
          (piece) => {
            reading = false;
            if (stream.destroyed) return;
            position += piece.byteLength;
            if (stream.push(piece)) pump();
          },
          (err: Error) => stream.destroy(err),
        );
        return;
      }
    };
    return stream;
  }

  async #readFile(into: Buffer, position: number, length: number): Promise<Buffer> {
    const file = await this.#file;
    if (file === undefined) throw new CacheFailedFillError(this.meta.key, 'cannot be read back from disk');
    const read = await file.read(into, position, length);
    if (read === 0) throw new CacheFailedFillError(this.meta.key, `ended short at byte ${position}`);
    return read === length ? into : into.subarray(0, read);
  }

  #startDisk(): void {
    this.#storage = 'disk';
    this.#writer = this.#cache.disk!.beginWrite(this.meta, {
      readable: true,
      onProgress: () => this.#onDiskProgress(),
    });
    this.#file = this.#writer.bodyReader();
  }

  #onDiskProgress(): void {
    if (this.#writer?.failed && this.#storage === 'disk') this.#stopStoring('could not be written to disk');
    this.#wake();
  }

  #onData(chunk: Buffer): void {
    this.#received += chunk.byteLength;
    if (this.#storage === 'memory') {
      this.#chunks!.push(chunk);
      if (this.#received > this.#cache.memory.maxEntryBytes) this.#outgrowMemory();
      this.#wake();
    } else if (this.#storage === 'disk') {
      if (this.#received > this.#cache.maxDiskEntryBytes) this.#stopStoring('outgrew the disk tier');
      else this.#writeDisk(chunk);
    }
    if (this.#viewerAttached && !this.viewerBody.push(chunk)) this.#viewerBlocked = true;
    this.#flow();
  }

  /** An unknown length grew past the memory tier: continue on disk, or stop storing. */
  #outgrowMemory(): void {
    if (this.#cache.disk === undefined || this.#received > this.#cache.maxDiskEntryBytes) {
      this.#stopStoring('outgrew the memory tier');
      return;
    }
    const collected = this.#chunks!;
    this.#chunks = undefined;
    this.#startDisk();
    this.#handover = [];
    this.#diskBlocked = true; // hold the origin while the collected bytes are queued
    this.#handedOver = this.#handOver(collected);
  }

  async #handOver(collected: Buffer[]): Promise<void> {
    const writer = this.#writer!;
    for (let i = 0; i < collected.length || this.#handover!.length > 0; ) {
      const chunk = i < collected.length ? collected[i++] : this.#handover!.shift()!;
      if (!writer.write(chunk)) {
        if (writer.failed) break;
        await writer.whenWritable();
      }
      if (this.#storage !== 'disk') break;
    }
    this.#handover = undefined;
    this.#diskBlocked = false;
    this.#flow();
  }

  #writeDisk(chunk: Buffer): void {
    if (this.#handover !== undefined) {
      this.#handover.push(chunk);
      return;
    }
    const writer = this.#writer!;
    if (writer.write(chunk)) return;
    if (writer.failed) {
      this.#stopStoring('could not be written to disk');
      return;
    }
    this.#diskBlocked = true;
    void writer.whenWritable().then(() => {
      this.#diskBlocked = false;
      this.#flow();
    });
  }

  /** Pauses the origin while the leader's viewer or the disk is behind. */
  #flow(): void {
    if (this.#state !== 'streaming') return;
    if ((this.#viewerAttached && this.#viewerBlocked) || this.#diskBlocked) this.#source.pause();
    else this.#source.resume();
  }

  #onEnd(): void {
    if (this.#state !== 'streaming') return;
    this.#state = 'ended';
    if (this.#viewerAttached) this.viewerBody.push(null);
    if (this.expectedBytes !== undefined && this.#received !== this.expectedBytes) {
      this.#failure = new CacheFailedFillError(this.meta.key, 'did not match its Content-Length');
      this.#stopStoring('did not match its Content-Length');
      return;
    }
    const meta: CacheEntryMeta = { ...this.meta, size: this.#received };
    if (this.#storage === 'memory') {
      const body = concatBody(this.#chunks!, this.#received);
      this.#wake();
      this.#cache.store(meta, body).then(
        () => this.#settle(),
        () => this.#settle(),
      );
    } else if (this.#storage === 'disk') {
      this.#wake();
      this.#handedOver
        .then(() => (this.#storage === 'disk' ? this.#writer!.commit(meta) : false))
        .then((stored) => {
          // An older version in memory would shadow the new one on disk.
          if (stored) this.#cache.memory.delete(meta.key);
        })
        .then(
          () => this.#settle(),
          () => this.#settle(),
        );
    }
  }

  #onSourceFailed(err: Error): void {
    if (this.#state !== 'streaming') return;
    this.#state = 'failed';
    this.#failure = err;
    this.#stopStoring('failed mid-body');
    if (this.#viewerAttached) this.viewerBody.destroy(err);
  }

  /** Nothing will be stored: followers are cut; the leader's viewer (if any) gets the rest uncached. */
  #stopStoring(reason: string): void {
    if (this.#storage === 'none') return;
    this.#storage = 'none';
    this.#chunks = undefined;
    this.#handover = undefined;
    this.#diskBlocked = false;
    this.#writer?.abort();
    const failure = this.#failure ?? new CacheFailedFillError(this.meta.key, reason);
    for (const follower of [...this.#followers]) follower.destroy(failure);
    this.#waiting.clear();
    this.#settle();
    this.#flow();
  }

  #viewerGone(): void {
    if (!this.#viewerAttached) return;
    this.#viewerAttached = false;
    this.#viewerBlocked = false;
    if (this.#state === 'streaming' && this.#followers.size === 0) this.#abort();
    else this.#flow();
  }

  #followerGone(stream: Readable): void {
    if (!this.#followers.delete(stream)) return;
    if (this.#state === 'streaming' && !this.#viewerAttached && this.#followers.size === 0) this.#abort();
    else this.#closeFileWhenUnused();
  }

  /** Nobody reads any more: stop reading the origin and store nothing. */
  #abort(): void {
    this.#state = 'failed';
    this.#failure = new CacheFailedFillError(this.meta.key, 'was abandoned by its viewers');
    this.#stopStoring('was abandoned by its viewers');
    const source = this.#source;
    source.on('error', () => {}); // a destroyed origin stream may still report its abort
    source.destroy();
  }

  #wake(): void {
    if (this.#waiting.size === 0) return;
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const pump of waiting) pump();
  }

  #settle(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#onSettled?.();
    this.#closeFileWhenUnused();
  }

  #closeFileWhenUnused(): void {
    if (!this.#settled || this.#followers.size > 0 || this.#file === undefined || this.#fileClosed) return;
    this.#fileClosed = true;
    void this.#file.then((file) => file?.close());
  }
}

/** Content-Length as a byte count; undefined when absent or not a valid length. */
export function declaredLength(headers: Readonly<Record<string, string | string[]>>): number | undefined {
  const value = headers['content-length'];
  if (typeof value !== 'string') return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * Stores a body no viewer is reading (a background refresh) as a miss's body is stored: by
 * tier, never collected whole above the memory limit. Resolves once it is stored or not.
 */
export function storeInBackground(
  cache: EdgeCache,
  meta: CacheEntryMeta,
  expectedBytes: number | undefined,
  source: Readable,
): Promise<void> {
  const tier = cache.tierFor(expectedBytes);
  source.on('error', () => {}); // failures only mean nothing is stored
  if (tier === undefined) {
    source.destroy();
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const fill = new CacheFill({ cache, meta, expectedBytes, tier, source, onSettled: resolve });
    fill.viewerBody.on('error', () => {});
    fill.viewerBody.resume();
  });
}
