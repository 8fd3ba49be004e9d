/**
 * One object of a local bucket, answered as S3 answers GetObject/HeadObject: ETag (quoted
 * MD5 of the content, as S3 gives for single-part uploads), Last-Modified, Content-Type,
 * Accept-Ranges, conditionals (412/304) and single byte ranges (206/416). The file streams
 * from an open handle, so memory stays flat for any size.
 */
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { evaluatePreconditions, ifRangeAllows, type RangeSelection, selectRange } from './s3-conditionals.js';
import { contentTypeOf, type S3Mode, s3Error, s3Headers } from './s3-responses.js';
import type { OriginRequest, OriginResponse } from './types.js';

interface EtagEntry {
  readonly size: number;
  readonly mtimeMs: number;
  readonly etag: Promise<string>;
}

const MAX_ETAG_ENTRIES = 10_000;
const HASH_CHUNK_BYTES = 1 << 20;

/**
 * MD5 is computed once per file version (path + size + mtime), not per request: a 1 GiB
 * object is hashed on its first request only. Concurrent first requests share one hash.
 */
export class EtagCache {
  readonly #entries = new Map<string, EtagEntry>();

  etagOf(file: string, handle: FileHandle, stat: Stats): Promise<string> {
    const known = this.#entries.get(file);
    if (known && known.size === stat.size && known.mtimeMs === stat.mtimeMs) return known.etag;
    if (this.#entries.size >= MAX_ETAG_ENTRIES) {
      // Map keeps insertion order: drop the oldest entry, enough to bound memory.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    const etag = md5Of(handle, stat.size);
    const entry = { size: stat.size, mtimeMs: stat.mtimeMs, etag };
    this.#entries.set(file, entry);
    etag.catch(() => {
      if (this.#entries.get(file) === entry) this.#entries.delete(file);
    });
    return etag;
  }
}

/** Reads with positional reads so the handle stays usable for the response stream. */
async function md5Of(handle: FileHandle, size: number): Promise<string> {
  const hash = createHash('md5');
  const buffer = Buffer.allocUnsafe(Math.min(HASH_CHUNK_BYTES, Math.max(size, 1)));
  for (let position = 0; position < size; ) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  return `"${hash.digest('hex')}"`;
}

/**
 * Passes the object's bytes on, and fails if fewer than `length` arrive: a file truncated while
 * it is read (a build rewriting the site) ends early, and a body shorter than its Content-Length
 * on a keep-alive connection would be read with the next response's bytes. Failing the stream
 * makes the edge cut the viewer connection instead, as for any origin that stops mid-body.
 */
function exactly(length: number, source: Readable): Transform {
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      done(seen === length ? null : new Error(`object changed while read: ${seen} of ${length} bytes`));
    },
  });
  source.on('error', (err) => counter.destroy(err));
  counter.on('close', () => source.destroy()); // the viewer left: close the file
  return counter;
}

function emptyBody(): Readable {
  return Readable.from([]);
}

/**
 * Answers for `key`, whose file is open as `handle` (this function owns it: it is closed when
 * the body ends, or right away when no body is sent).
 */
export async function serveObject(
  request: OriginRequest,
  mode: S3Mode,
  key: string,
  file: string,
  handle: FileHandle,
  stat: Stats,
  etags: EtagCache,
): Promise<OriginResponse> {
  let handedOver = false;
  try {
    const etag = await etags.etagOf(file, handle, stat);
    const lastModifiedSeconds = Math.floor(stat.mtimeMs / 1000);
    const method = request.method;
    const pre = evaluatePreconditions(request.headers, etag, lastModifiedSeconds);
    if (pre.status === 412) {
      return s3Error(
        mode,
        method,
        412,
        'PreconditionFailed',
        'At least one of the pre-conditions you specified did not hold',
        {
          Condition: pre.condition,
        },
      );
    }
    const headers = s3Headers();
    headers['last-modified'] = new Date(lastModifiedSeconds * 1000).toUTCString();
    headers.etag = etag;
    if (pre.status === 304) return { status: 304, headers, body: emptyBody() };

    const size = stat.size;
    const rangeHeader = request.headers.range;
    const range: RangeSelection = ifRangeAllows(request.headers['if-range'], etag, lastModifiedSeconds)
      ? selectRange(rangeHeader, size)
      : { kind: 'full' };
    if (range.kind === 'unsatisfiable') {
      return s3Error(
        mode,
        method,
        416,
        'InvalidRange',
        'The requested range is not satisfiable',
        { RangeRequested: rangeHeader ?? '', ActualObjectSize: String(size) },
        { 'content-range': `bytes */${size}` },
      );
    }
    headers['accept-ranges'] = 'bytes';
    headers['content-type'] = contentTypeOf(key);
    let status = 200;
    let start = 0;
    let end = size - 1;
    if (range.kind === 'partial') {
      status = 206;
      ({ start, end } = range);
      headers['content-range'] = `bytes ${start}-${end}/${size}`;
    }
    headers['content-length'] = String(end - start + 1);
    if (method === 'HEAD' || size === 0) return { status, headers, body: emptyBody() };
    handedOver = true;
    const length = end - start + 1;
    const body = handle.createReadStream({ start, end, autoClose: true });
    return { status, headers, body: body.pipe(exactly(length, body)) };
  } finally {
    if (!handedOver) await handle.close();
  }
}
