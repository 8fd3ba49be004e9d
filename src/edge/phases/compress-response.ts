/**
 * CloudFront's edge compression (reference/caching.md §4) on the way from the origin: when the
 * behavior says Compress and src/cache/compress.ts's rules allow (viewer's Accept-Encoding, the
 * policy's gzip/Brotli flags, content type, 1,000–10,000,000 bytes, not already encoded), the
 * origin body is compressed as it streams, the ETag made weak, and the compressed bytes are
 * what cache-store keeps: each encoding is its own cache entry, since the normalised
 * Accept-Encoding is part of the key.
 */
import { pipeline, Readable } from 'node:stream';
import { compressedHeaders, compressionFor, compressStream } from '../../cache/compress.js';
import type { Exchange } from '../exchange.js';

export function compressResponse(ex: Exchange): void {
  const response = ex.response!;
  const behavior = ex.behavior!;
  if (!behavior.config.Compress || !(response.body instanceof Readable)) return;
  const params = behavior.cachePolicy.Config.ParametersInCacheKeyAndForwardedToOrigin;
  const length = response.headers['content-length'];
  const encoding = compressionFor({
    compress: true,
    cachePolicyGzip: params.EnableAcceptEncodingGzip,
    cachePolicyBrotli: params.EnableAcceptEncodingBrotli === true,
    isLegacy: behavior.isLegacy,
    viewerAcceptEncoding: ex.header('accept-encoding'),
    httpVersion: ex.request.httpVersion,
    status: response.status,
    method: ex.request.method,
    responseHeaders: response.headers,
    size: typeof length === 'string' ? Number(length) : undefined,
  });
  if (!encoding) return;
  const compressor = compressStream(encoding, typeof length === 'string' ? Number(length) : undefined);
  pipeline(response.body, compressor, () => {}); // errors surface on the compressor, which the viewer reads
  response.body = compressor;
  response.headers = compressedHeaders(response.headers, encoding);
}
