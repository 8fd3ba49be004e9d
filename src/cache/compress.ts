/**
 * Edge compression (caching.md §4): whether CloudFront would compress an origin response for a
 * viewer, the compressor, and the header changes that go with it.
 *
 * Callers still own two §4 conditions this module cannot see: never compress on a 304 refresh
 * (a 304 has no body, and the status check below refuses it anyway), and never compress an
 * object that is already cached uncompressed (serve that copy until it expires).
 */
import type { Transform } from 'node:stream';
import { constants, createBrotliCompress, createGzip } from 'node:zlib';
import { normalizedAcceptEncoding } from '../edge/origin-headers.js';

export type CompressionEncoding = 'br' | 'gzip';

/** caching.md §4: 1,000 ≤ Content-Length ≤ 10,000,000 bytes. */
export const MIN_COMPRESSIBLE_BYTES = 1000;
export const MAX_COMPRESSIBLE_BYTES = 10_000_000;

/** caching.md §4 "Compressible Content-Type values" (exact list, newest docs), media types only. */
export const COMPRESSIBLE_CONTENT_TYPES: ReadonlySet<string> = new Set([
  'application/dash+xml',
  'application/eot',
  'application/font',
  'application/font-sfnt',
  'application/javascript',
  'application/json',
  'application/opentype',
  'application/otf',
  'application/pdf',
  'application/pkcs7-mime',
  'application/protobuf',
  'application/rss+xml',
  'application/truetype',
  'application/ttf',
  'application/vnd.apple.mpegurl',
  'application/vnd.mapbox-vector-tile',
  'application/vnd.ms-fontobject',
  'application/wasm',
  'application/xhtml+xml',
  'application/xml',
  'application/x-font-opentype',
  'application/x-font-truetype',
  'application/x-font-ttf',
  'application/x-httpd-cgi',
  'application/x-javascript',
  'application/x-mpegurl',
  'application/x-opentype',
  'application/x-otf',
  'application/x-perl',
  'application/x-ttf',
  'font/eot',
  'font/opentype',
  'font/otf',
  'font/ttf',
  'image/svg+xml',
  'text/css',
  'text/csv',
  'text/html',
  'text/javascript',
  'text/js',
  'text/plain',
  'text/richtext',
  'text/tab-separated-values',
  'text/xml',
  'text/x-component',
  'text/x-java-source',
  'text/x-script',
  'vnd.apple.mpegurl',
]);

/** caching.md §4: only these origin statuses are compressed. */
const COMPRESSIBLE_STATUSES: ReadonlySet<number> = new Set([200, 403, 404]);

export interface CompressionInput {
  /** The behaviour's `Compress`. */
  readonly compress: boolean;
  /** Cache policy `EnableAcceptEncodingGzip` (legacy behaviours: implied by `Compress`). */
  readonly cachePolicyGzip: boolean;
  /** Cache policy `EnableAcceptEncodingBrotli` (ignored for legacy behaviours). */
  readonly cachePolicyBrotli: boolean;
  /** The behaviour uses legacy `ForwardedValues`/TTL settings: gzip only (caching.md §1.3). */
  readonly isLegacy: boolean;
  readonly viewerAcceptEncoding: string | undefined;
  /** The viewer's HTTP version as Node reports it: '1.0', '1.1', '2.0' (an `HTTP/` prefix is accepted). */
  readonly httpVersion: string;
  /** Origin response status. */
  readonly status: number;
  /** Viewer request method. */
  readonly method: string;
  /** Origin response headers (any name case). */
  readonly responseHeaders: Readonly<Record<string, string | string[] | undefined>>;
  /** The origin's Content-Length; undefined when it sent none (e.g. chunked) or an invalid one. */
  readonly size: number | undefined;
}

/**
 * The encoding CloudFront would apply, or undefined to pass the body through unchanged.
 * Brotli is preferred when the viewer accepts both and both are enabled.
 */
export function compressionFor(input: CompressionInput): CompressionEncoding | undefined {
  if (!input.compress) return undefined;
  const gzipEnabled = input.cachePolicyGzip || input.isLegacy;
  const brEnabled = input.cachePolicyBrotli && !input.isLegacy; // Brotli needs a cache policy
  if (!gzipEnabled && !brEnabled) return undefined;
  // HTTP/1.0: CloudFront strips Accept-Encoding, so nothing is compressed.
  if (!isHttp11OrLater(input.httpVersion)) return undefined;
  if (input.viewerAcceptEncoding === undefined) return undefined;
  const accepted = normalizedAcceptEncoding(input.viewerAcceptEncoding, gzipEnabled, brEnabled);
  if (accepted === undefined) return undefined;
  // Deviation from CloudFront (undocumented there): only GET responses are compressed. HEAD has
  // no body; other methods are never cached, and CloudFront compresses on the cache-fill path.
  if (input.method !== 'GET') return undefined;
  // Any Content-Encoding, whatever its value (even `identity`), means "already encoded".
  if (header(input.responseHeaders, 'content-encoding') !== undefined) return undefined;
  if (!COMPRESSIBLE_STATUSES.has(input.status)) return undefined;
  const size = input.size;
  if (size === undefined || !Number.isSafeInteger(size)) return undefined;
  if (size < MIN_COMPRESSIBLE_BYTES || size > MAX_COMPRESSIBLE_BYTES) return undefined;
  if (!isCompressibleContentType(header(input.responseHeaders, 'content-type'))) return undefined;
  // Cache-Control: no-transform is not a blocker in CloudFront's documented conditions (§4),
  // so it is deliberately not consulted here.
  return accepted.startsWith('br') ? 'br' : 'gzip';
}

/** Media type before `;`, trimmed, compared case-insensitively (caching.md §4 [undocumented]). */
export function isCompressibleContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const semi = value.indexOf(';');
  const mediaType = (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase();
  return COMPRESSIBLE_CONTENT_TYPES.has(mediaType);
}

/**
 * gzip level 6 (zlib's default) and Brotli quality 5. Compression runs on the miss path while
 * the first viewer waits, so speed matters as much as ratio: on 2 MB of JS/TS text Brotli 5 runs
 * at about gzip-6 speed (~60–80 MB/s) and is 10–16% smaller; quality 11 (zlib's default) is
 * ~1 MB/s, far too slow for on-the-fly use; gzip 9 halves speed for <1% gain.
 * `sizeHint` (the Content-Length) lets Brotli size its window.
 */
export function compressStream(encoding: CompressionEncoding, sizeHint?: number): Transform {
  if (encoding === 'gzip') return createGzip({ level: 6 });
  const params: Record<number, number> = {
    [constants.BROTLI_PARAM_QUALITY]: 5,
    [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
  };
  if (sizeHint !== undefined && Number.isSafeInteger(sizeHint) && sizeHint > 0) {
    params[constants.BROTLI_PARAM_SIZE_HINT] = sizeHint;
  }
  return createBrotliCompress({ params });
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/**
 * Response headers for the compressed body: `Content-Encoding` set, `Content-Length` removed
 * (the length is not known until compression ends), ETag weakened (caching.md §4: `"x"` →
 * `W/"x"`, weak kept, invalid removed), `Accept-Encoding` added to `Vary`. Returns a new object
 * with lower-case names; the input is not modified.
 */
export function compressedHeaders(
  headers: Headers,
  encoding: CompressionEncoding,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = value;
  }
  out['content-encoding'] = encoding;
  delete out['content-length'];
  const etag = weakenedETag(first(out.etag));
  if (etag === undefined) delete out.etag;
  else out.etag = etag;
  out.vary = varyWithAcceptEncoding(out.vary);
  return out;
}

/** caching.md §4 ETag rewrite; undefined means "remove the header". */
export function weakenedETag(etag: string | undefined): string | undefined {
  if (etag === undefined) return undefined;
  if (etag.startsWith('W/')) return etag;
  if (etag.startsWith('"')) return `W/${etag}`;
  return undefined;
}

function varyWithAcceptEncoding(vary: string | string[] | undefined): string {
  const value = vary === undefined ? '' : Array.isArray(vary) ? vary.join(', ') : vary;
  const tokens = value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  if (tokens.some((t) => t === '*' || t.toLowerCase() === 'accept-encoding')) return tokens.join(', ');
  tokens.push('Accept-Encoding');
  return tokens.join(', ');
}

function isHttp11OrLater(version: string): boolean {
  const v = version.startsWith('HTTP/') ? version.slice(5) : version;
  const [major, minor = '0'] = v.split('.');
  const maj = Number(major);
  const min = Number(minor);
  if (!Number.isFinite(maj) || !Number.isFinite(min)) return false;
  return maj > 1 || (maj === 1 && min >= 1);
}

function header(headers: Headers, name: string): string | undefined {
  let value = headers[name];
  if (value === undefined) {
    for (const key of Object.keys(headers)) {
      if (key.toLowerCase() === name) {
        value = headers[key];
        break;
      }
    }
  }
  return first(value);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
