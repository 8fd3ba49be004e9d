import assert from 'node:assert/strict';
import test from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { createEdge } from '../../../src/index.js';
import { startOrigin } from '../../helpers/origin.js';

const TEXT = 'edgefront compresses text the way CloudFront does. '.repeat(100); // 5,100 bytes

async function compressingEdge(t: test.TestContext, contentType = 'text/html', text = TEXT) {
  const origin = await startOrigin((_req, res) => {
    res.writeHead(200, {
      'content-type': contentType,
      'cache-control': 'max-age=60',
      etag: '"abc"',
      'content-length': String(Buffer.byteLength(text)),
    });
    res.end(text);
  });
  const edge = await createEdge({
    config: {
      Distributions: [
        {
          Id: 'E1GZIP',
          DistributionConfig: {
            Enabled: true,
            Origins: [
              {
                Id: 'o',
                DomainName: '127.0.0.1',
                CustomOriginConfig: { HTTPPort: origin.port, OriginProtocolPolicy: 'http-only' },
              },
            ],
            DefaultCacheBehavior: {
              TargetOriginId: 'o',
              ViewerProtocolPolicy: 'allow-all',
              CachePolicyId: 'CachingOptimized',
              Compress: true,
            },
          },
        },
      ],
    },
  });
  t.after(() => Promise.all([edge.close(), origin.close()]));
  // Node's fetch decodes bodies itself; read the raw bytes through a Response clone-free path.
  const get = async (encoding?: string) => {
    const res = await edge.fetch('http://localhost/page', {
      headers: encoding ? { 'accept-encoding': encoding } : {},
    });
    return { res, bytes: Buffer.from(await res.arrayBuffer()) };
  };
  return { origin, get };
}

test('Compress serves Brotli or gzip per the viewer, makes the ETag weak, and caches each encoding', async (t) => {
  const c = await compressingEdge(t);
  const br = await c.get('gzip, deflate, br');
  assert.equal(br.res.headers.get('content-encoding'), 'br');
  assert.equal(br.res.headers.get('etag'), 'W/"abc"');
  assert.equal(brotliDecompressSync(br.bytes).toString(), TEXT);
  const gz = await c.get('gzip');
  assert.equal(gz.res.headers.get('content-encoding'), 'gzip');
  assert.equal(gunzipSync(gz.bytes).toString(), TEXT);
  const plain = await c.get();
  assert.equal(plain.res.headers.get('content-encoding'), null);
  assert.equal(plain.bytes.toString(), TEXT);
  assert.equal(c.origin.hits, 3); // three encodings, three cache entries
  const brAgain = await c.get('br, gzip'); // normalises to 'br,gzip', the first request's key
  assert.equal(brAgain.res.headers.get('x-cache'), 'Hit from cloudfront');
  assert.equal(brotliDecompressSync(brAgain.bytes).toString(), TEXT);
  assert.equal(c.origin.hits, 3);
});

test('objects under 1,000 bytes or of other content types are not compressed', async (t) => {
  const small = await compressingEdge(t, 'text/html', 'tiny');
  assert.equal((await small.get('gzip')).res.headers.get('content-encoding'), null);
  const image = await compressingEdge(t, 'image/png');
  assert.equal((await image.get('gzip')).res.headers.get('content-encoding'), null);
});
