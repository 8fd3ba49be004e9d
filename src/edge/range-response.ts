/**
 * Range requests on a cache miss (reference/caching.md §3.2): CloudFront "may widen the
 * requested range"; edgefront widens it to the whole object. The origin is asked without
 * Range/If-Range, the whole 200 is stored as it streams (src/edge/phases/cache-store.ts), and
 * the viewer gets just its range as soon as those bytes arrive: 206 with Content-Range, 416
 * when the range starts past the end, or the whole 200 when the range is malformed, names
 * several ranges, If-Range no longer matches, or the length is unknown (a chunked origin
 * answer: the viewer receives the entire object, as from CloudFront).
 *
 * After the viewer's bytes are sent, the rest of the object keeps streaming into the cache, so
 * later ranges are hits; a response that is not being cached (no-store, too big for any tier)
 * is not read further.
 */
import { PassThrough, type Readable } from 'node:stream';
import { ifRangeMatches, parseRange } from '../cache/serve-cached.js';
import type { EdgeResponse, Exchange } from './exchange.js';

/** True when this request's Range is applied by the edge instead of the origin. */
export function widensRange(ex: Exchange): boolean {
  return ex.request.method === 'GET' && ex.request.headers.range !== undefined && ex.cacheKey !== undefined;
}

/** Turns the origin's whole-object 200 into the viewer's 206/416 (or leaves it whole). */
export function applyWidenedRange(ex: Exchange): void {
  const response = ex.response!;
  if (response.status !== 200 || ex.originStatus !== 200) return; // not for error pages
  const length = contentLength(response);
  if (length === undefined) return;
  const headers = response.headers;
  const etag = headers.etag;
  const lastModified = headers['last-modified'];
  if (
    !ifRangeMatches(
      typeof etag === 'string' ? etag : undefined,
      typeof lastModified === 'string' ? lastModified : undefined,
      ex.header('if-range'),
    )
  )
    return;
  const parsed = parseRange(ex.header('range')!, length);
  if (parsed === undefined) return;
  const body = response.body;
  if (parsed === 'unsatisfiable') {
    drain(body, ex.fillingCache);
    response.status = 416;
    headers['content-range'] = `bytes */${length}`;
    headers['content-length'] = '0';
    response.body = null;
    return;
  }
  const [start, end] = parsed;
  response.status = 206;
  headers['content-range'] = `bytes ${start}-${end}/${length}`;
  headers['content-length'] = String(end - start + 1);
  if (body === null) return;
  response.body = Buffer.isBuffer(body)
    ? body.subarray(start, end + 1)
    : sliceStream(body, start, end, ex.fillingCache);
}

function contentLength(response: EdgeResponse): number | undefined {
  const value = response.headers['content-length'];
  if (typeof value !== 'string') return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * A body the viewer won't get: read to its end when it fills the cache (the cache's copy is taken
 * upstream), else dropped (no point fetching an object nobody keeps).
 */
function drain(body: Readable | Buffer | null, fillingCache: boolean): void {
  if (body === null || Buffer.isBuffer(body)) return;
  if (fillingCache) body.resume();
  else body.destroy();
}

/**
 * The inclusive byte range [start, end] of `source` as its own stream, with backpressure from
 * the viewer until the range is sent; then the viewer's stream ends and `source` is read on to
 * its end (filling the cache). A viewer that leaves early does not stop the cache fill; an
 * error in `source` before the range is complete reaches the viewer.
 */
export function sliceStream(source: Readable, start: number, end: number, fillingCache = true): Readable {
  const out = new PassThrough();
  let offset = 0;
  let sending = true;
  const finishViewer = () => {
    if (!sending) return;
    sending = false;
    out.off('drain', onDrain);
    if (!out.destroyed) out.end();
    drain(source, fillingCache);
  };
  const onDrain = () => source.resume();
  source.on('data', (chunk: Buffer) => {
    const chunkStart = offset;
    offset += chunk.length;
    if (!sending || offset <= start) return;
    const from = Math.max(0, start - chunkStart);
    const to = Math.min(chunk.length, end + 1 - chunkStart);
    if (to > from && !out.destroyed && !out.write(chunk.subarray(from, to))) source.pause();
    if (offset > end) finishViewer();
  });
  source.on('end', finishViewer);
  source.on('error', (err) => {
    if (sending) out.destroy(err);
    sending = false;
  });
  out.on('drain', onDrain);
  out.on('close', () => {
    // The viewer left: keep filling the cache without it.
    if (sending) {
      sending = false;
      drain(source, fillingCache);
    }
  });
  return out;
}
