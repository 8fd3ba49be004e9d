import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import test from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import {
  COMPRESSIBLE_CONTENT_TYPES,
  type CompressionInput,
  compressedHeaders,
  compressionFor,
  compressStream,
  isCompressibleContentType,
  weakenedETag,
} from '../../../src/cache/compress.js';

/** A response CloudFront compresses; each test changes one thing. */
function input(overrides: Partial<CompressionInput> = {}): CompressionInput {
  return {
    compress: true,
    cachePolicyGzip: true,
    cachePolicyBrotli: true,
    isLegacy: false,
    viewerAcceptEncoding: 'gzip, deflate, br',
    httpVersion: '1.1',
    status: 200,
    method: 'GET',
    responseHeaders: { 'content-type': 'text/html; charset=utf-8', 'content-length': '5000' },
    size: 5000,
    ...overrides,
  };
}

test('Brotli is preferred when the viewer accepts both and both are enabled', () => {
  assert.equal(compressionFor(input()), 'br');
  assert.equal(compressionFor(input({ httpVersion: '2.0' })), 'br');
  assert.equal(compressionFor(input({ httpVersion: 'HTTP/3' })), 'br');
});

test('the viewer must accept gzip or br; other tokens and q=0 do not count', () => {
  assert.equal(compressionFor(input({ viewerAcceptEncoding: 'gzip' })), 'gzip');
  assert.equal(compressionFor(input({ viewerAcceptEncoding: 'br' })), 'br');
  assert.equal(compressionFor(input({ viewerAcceptEncoding: 'GZIP;q=0.5' })), 'gzip');
  assert.equal(compressionFor(input({ viewerAcceptEncoding: 'deflate, identity' })), undefined);
  assert.equal(compressionFor(input({ viewerAcceptEncoding: '*' })), undefined);
  assert.equal(compressionFor(input({ viewerAcceptEncoding: 'br;q=0, gzip' })), 'gzip');
  assert.equal(compressionFor(input({ viewerAcceptEncoding: undefined })), undefined);
  assert.equal(compressionFor(input({ viewerAcceptEncoding: '' })), undefined);
});

test('Compress=false, or neither cache policy flag, means no compression', () => {
  assert.equal(compressionFor(input({ compress: false })), undefined);
  assert.equal(compressionFor(input({ cachePolicyGzip: false, cachePolicyBrotli: false })), undefined);
});

test('each cache policy flag enables only its own encoding', () => {
  assert.equal(compressionFor(input({ cachePolicyBrotli: false })), 'gzip');
  assert.equal(compressionFor(input({ cachePolicyBrotli: false, viewerAcceptEncoding: 'br' })), undefined);
  assert.equal(compressionFor(input({ cachePolicyGzip: false })), 'br');
  assert.equal(compressionFor(input({ cachePolicyGzip: false, viewerAcceptEncoding: 'gzip' })), undefined);
});

test('legacy cache settings cannot do Brotli: gzip only, implied by Compress', () => {
  assert.equal(compressionFor(input({ isLegacy: true })), 'gzip');
  assert.equal(
    compressionFor(input({ isLegacy: true, cachePolicyGzip: false, cachePolicyBrotli: false })),
    'gzip',
  );
  assert.equal(compressionFor(input({ isLegacy: true, viewerAcceptEncoding: 'br' })), undefined);
  assert.equal(compressionFor(input({ isLegacy: true, compress: false })), undefined);
});

test('HTTP/1.0 viewers get no compression', () => {
  assert.equal(compressionFor(input({ httpVersion: '1.0' })), undefined);
  assert.equal(compressionFor(input({ httpVersion: 'HTTP/1.0' })), undefined);
});

test('only 200, 403 and 404 responses are compressed', () => {
  for (const status of [200, 403, 404]) assert.equal(compressionFor(input({ status })), 'br', String(status));
  for (const status of [201, 206, 301, 304, 400, 410, 500, 503]) {
    assert.equal(compressionFor(input({ status })), undefined, String(status));
  }
});

test('only GET responses are compressed (HEAD has no body)', () => {
  assert.equal(compressionFor(input({ method: 'HEAD' })), undefined);
  assert.equal(compressionFor(input({ method: 'POST' })), undefined);
  assert.equal(compressionFor(input({ method: 'OPTIONS' })), undefined);
});

test('a response with any Content-Encoding is never recompressed', () => {
  for (const value of ['gzip', 'br', 'identity', 'x-custom', '']) {
    const headers = { 'content-type': 'text/html', 'content-encoding': value };
    assert.equal(compressionFor(input({ responseHeaders: headers })), undefined, value);
  }
  const mixedCase = { 'Content-Type': 'text/html', 'Content-Encoding': 'gzip' };
  assert.equal(compressionFor(input({ responseHeaders: mixedCase })), undefined);
});

test('Content-Length must be known and 1,000 ≤ length ≤ 10,000,000 bytes', () => {
  assert.equal(compressionFor(input({ size: 999 })), undefined);
  assert.equal(compressionFor(input({ size: 1000 })), 'br');
  assert.equal(compressionFor(input({ size: 10_000_000 })), 'br');
  assert.equal(compressionFor(input({ size: 10_000_001 })), undefined);
  assert.equal(compressionFor(input({ size: 0 })), undefined, 'no body');
  assert.equal(compressionFor(input({ size: undefined })), undefined, 'chunked, no Content-Length');
  assert.equal(compressionFor(input({ size: Number.NaN })), undefined);
  assert.equal(compressionFor(input({ size: 1500.5 })), undefined);
});

test('only the documented content types, compared on the media type, case-insensitively', () => {
  for (const type of COMPRESSIBLE_CONTENT_TYPES) {
    assert.equal(compressionFor(input({ responseHeaders: { 'content-type': type } })), 'br', type);
  }
  assert.equal(COMPRESSIBLE_CONTENT_TYPES.size, 48);
  assert.ok(isCompressibleContentType('Application/JSON; charset=UTF-8'));
  assert.ok(isCompressibleContentType(' text/css ;x=y'));
  for (const type of [
    'image/png',
    'image/jpeg',
    'video/mp4',
    'application/octet-stream',
    'application/zip',
    'text',
  ]) {
    assert.equal(compressionFor(input({ responseHeaders: { 'content-type': type } })), undefined, type);
  }
  assert.equal(compressionFor(input({ responseHeaders: {} })), undefined, 'no Content-Type');
});

test('Cache-Control: no-transform does not stop compression (not a documented condition)', () => {
  const headers = { 'content-type': 'text/html', 'cache-control': 'public, no-transform' };
  assert.equal(compressionFor(input({ responseHeaders: headers })), 'br');
});

test('compressed bodies round-trip for gzip and Brotli', async () => {
  const body = Buffer.from('<html>'.padEnd(50_000, 'edgefront compresses like CloudFront. '));
  for (const encoding of ['gzip', 'br'] as const) {
    const out = await buffer(
      Readable.from([body.subarray(0, 1234), body.subarray(1234)]).pipe(
        compressStream(encoding, body.length),
      ),
    );
    assert.ok(out.length < body.length / 5, `${encoding} compresses`);
    const back = encoding === 'gzip' ? gunzipSync(out) : brotliDecompressSync(out);
    assert.deepEqual(back, body);
  }
});

test('compressed headers: Content-Encoding set, Content-Length removed, Vary gets Accept-Encoding', () => {
  const original = {
    'content-type': 'text/html',
    'content-length': '5000',
    etag: '"abc"',
    'x-other': ['1', '2'],
  };
  const out = compressedHeaders(original, 'gzip');
  assert.deepEqual(out, {
    'content-type': 'text/html',
    'content-encoding': 'gzip',
    etag: 'W/"abc"',
    vary: 'Accept-Encoding',
    'x-other': ['1', '2'],
  });
  assert.equal(original['content-length'], '5000', 'the input is not modified');
  assert.equal(
    compressedHeaders({ 'Content-Length': '5', Vary: 'Origin' }, 'br').vary,
    'Origin, Accept-Encoding',
  );
  assert.equal(compressedHeaders({ 'Content-Length': '5' }, 'br')['content-length'], undefined);
  assert.equal(compressedHeaders({ vary: 'origin, accept-encoding' }, 'br').vary, 'origin, accept-encoding');
  assert.equal(
    compressedHeaders({ vary: ['Origin', 'Cookie'] }, 'br').vary,
    'Origin, Cookie, Accept-Encoding',
  );
  assert.equal(compressedHeaders({ vary: '*' }, 'br').vary, '*');
});

test('ETag: strong becomes weak, weak is kept, invalid is removed', () => {
  assert.equal(weakenedETag('"abc"'), 'W/"abc"');
  assert.equal(weakenedETag('W/"abc"'), 'W/"abc"');
  assert.equal(weakenedETag('abc'), undefined);
  assert.equal(weakenedETag(undefined), undefined);
  assert.equal(compressedHeaders({ etag: 'W/"x"' }, 'br').etag, 'W/"x"');
  assert.equal('etag' in compressedHeaders({ etag: 'unquoted' }, 'br'), false);
  assert.equal('etag' in compressedHeaders({}, 'br'), false);
});
