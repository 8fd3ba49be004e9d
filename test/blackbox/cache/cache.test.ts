import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import test from 'node:test';
import { createEdge, ManualClock } from '../../../src/index.js';
import { startOrigin } from '../../helpers/origin.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** An edge with one distribution whose default behavior uses `policy`, over a scriptable origin. */
async function cachedEdge(
  t: test.TestContext,
  handler: Handler,
  policy = 'CachingOptimized',
  extra: Record<string, unknown> = {},
) {
  let current = handler;
  const origin = await startOrigin((req, res) => current(req, res));
  const clock = new ManualClock();
  const edge = await createEdge({
    clock,
    config: {
      CachePolicies: [
        {
          CachePolicyConfig: {
            Name: 'min-zero',
            MinTTL: 0,
            DefaultTTL: 60,
            MaxTTL: 3600,
            ParametersInCacheKeyAndForwardedToOrigin: {
              EnableAcceptEncodingGzip: false,
              HeadersConfig: { HeaderBehavior: 'none' },
              CookiesConfig: { CookieBehavior: 'none' },
              QueryStringsConfig: { QueryStringBehavior: 'whitelist', QueryStrings: ['v'] },
            },
          },
        },
      ],
      Distributions: [
        {
          Id: 'E1CACHE',
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
              CachePolicyId: policy,
            },
            ...extra,
          },
        },
      ],
    },
  });
  t.after(() => Promise.all([edge.close(), origin.close()]));
  return {
    edge,
    origin,
    clock,
    get: (path: string, headers: Record<string, string> = {}) =>
      edge.fetch(`http://localhost${path}`, { headers }),
    setHandler: (h: Handler) => {
      current = h;
    },
  };
}

const body =
  (text: string, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(200, {
      'content-type': 'text/plain',
      etag: '"v1"',
      'last-modified': 'Wed, 01 Jan 2025 00:00:00 GMT',
      ...headers,
    });
    res.end(text);
  };

test('a second GET inside max-age is a Hit with Age, and never reaches the origin', async (t) => {
  const c = await cachedEdge(t, body('v1', { 'cache-control': 'max-age=60' }));
  const first = await c.get('/a');
  assert.equal(first.headers.get('x-cache'), 'Miss from cloudfront');
  assert.equal(await first.text(), 'v1');
  c.clock.advance(30);
  const second = await c.get('/a');
  assert.equal(second.headers.get('x-cache'), 'Hit from cloudfront');
  assert.equal(second.headers.get('age'), '30');
  assert.equal(await second.text(), 'v1');
  assert.equal(c.origin.hits, 1);
});

test('the cache key follows the policy: a whitelisted query string splits it, others do not', async (t) => {
  const c = await cachedEdge(t, body('x', { 'cache-control': 'max-age=60' }), 'min-zero');
  await (await c.get('/q?v=1&utm=a')).text();
  assert.equal((await c.get('/q?v=1&utm=b')).headers.get('x-cache'), 'Hit from cloudfront');
  assert.equal((await c.get('/q?v=2')).headers.get('x-cache'), 'Miss from cloudfront');
  assert.equal(c.origin.hits, 2);
});

test('an expired object is revalidated with its ETag, and a 304 makes a RefreshHit', async (t) => {
  const c = await cachedEdge(t, body('v1', { 'cache-control': 'max-age=10' }));
  await (await c.get('/r')).text();
  c.setHandler((req, res) => {
    assert.equal(req.headers['if-none-match'], '"v1"');
    res.writeHead(304, { 'cache-control': 'max-age=100', etag: '"v1"' });
    res.end();
  });
  c.clock.advance(11);
  const refreshed = await c.get('/r');
  assert.equal(refreshed.headers.get('x-cache'), 'RefreshHit from cloudfront');
  assert.equal(await refreshed.text(), 'v1');
  c.clock.advance(50); // the 304's max-age=100 now governs freshness
  assert.equal((await c.get('/r')).headers.get('x-cache'), 'Hit from cloudfront');
  assert.equal(c.origin.hits, 2);
});

test('a stale object is served while the origin answers 5xx within stale-if-error', async (t) => {
  const c = await cachedEdge(t, body('good', { 'cache-control': 'max-age=10, stale-if-error=60' }));
  await (await c.get('/s')).text();
  c.setHandler((_req, res) => {
    res.writeHead(503);
    res.end('down');
  });
  c.clock.advance(20);
  const stale = await c.get('/s');
  assert.equal(stale.status, 200);
  assert.equal(await stale.text(), 'good');
  c.clock.advance(60); // past the stale-if-error window
  assert.equal((await c.get('/s')).status, 503);
});

test('stale-while-revalidate answers at once from cache and refreshes in the background', async (t) => {
  const c = await cachedEdge(t, body('old', { 'cache-control': 'max-age=10, stale-while-revalidate=60' }));
  await (await c.get('/w')).text();
  c.setHandler(body('new', { 'cache-control': 'max-age=10', etag: '"v2"' }));
  c.clock.advance(15);
  const served = await c.get('/w');
  assert.equal(await served.text(), 'old');
  for (let i = 0; i < 100 && c.origin.hits < 2; i++) await new Promise((r) => setTimeout(r, 10)); // bounded wait
  for (let i = 0; i < 100; i++) {
    const res = await c.get('/w');
    const text = await res.text();
    if (text === 'new') return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail('the background refresh never replaced the object');
});

test('no-store with MinTTL 0 is not cached; CachingDisabled never caches', async (t) => {
  const c = await cachedEdge(t, body('x', { 'cache-control': 'no-store' }), 'min-zero');
  await (await c.get('/n')).text();
  assert.equal((await c.get('/n')).headers.get('x-cache'), 'Miss from cloudfront');
  const d = await cachedEdge(t, body('x', { 'cache-control': 'max-age=600' }), 'CachingDisabled');
  await (await d.get('/n')).text();
  assert.equal((await d.get('/n')).headers.get('x-cache'), 'Miss from cloudfront');
  assert.equal(d.origin.hits, 2);
});

test('a 404 is cached for ErrorCachingMinTTL (10 s by default)', async (t) => {
  const c = await cachedEdge(t, (_req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('nope');
  });
  const first = await c.get('/missing');
  assert.equal(first.status, 404);
  await first.text();
  c.clock.advance(5);
  const again = await c.get('/missing');
  assert.equal(again.status, 404);
  assert.equal(again.headers.get('x-cache'), 'Error from cloudfront');
  await again.text();
  assert.equal(c.origin.hits, 1);
  c.clock.advance(6);
  await (await c.get('/missing')).text();
  assert.equal(c.origin.hits, 2);
});

test('concurrent misses for one key make exactly one origin request', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const c = await cachedEdge(t, async (_req, res) => {
    await gate;
    body('once', { 'cache-control': 'max-age=60' })(_req, res);
  });
  const all = Array.from({ length: 50 }, () => c.get('/hot').then((r) => r.text()));
  for (let i = 0; i < 200 && c.origin.hits === 0; i++) await new Promise((r) => setTimeout(r, 5));
  release();
  const texts = await Promise.all(all);
  assert.ok(texts.every((x) => x === 'once'));
  assert.equal(c.origin.hits, 1);
});

test('cached objects answer conditional requests with 304 and ranges with 206 or 416', async (t) => {
  const c = await cachedEdge(t, body('0123456789', { 'cache-control': 'max-age=60' }));
  await (await c.get('/d')).text();
  assert.equal((await c.get('/d', { 'if-none-match': 'W/"v1"' })).status, 304);
  assert.equal((await c.get('/d', { 'if-modified-since': 'Thu, 02 Jan 2025 00:00:00 GMT' })).status, 304);
  const ranged = await c.get('/d', { range: 'bytes=2-5' });
  assert.equal(ranged.status, 206);
  assert.equal(ranged.headers.get('content-range'), 'bytes 2-5/10');
  assert.equal(await ranged.text(), '2345');
  const suffix = await c.get('/d', { range: 'bytes=-3' });
  assert.equal(await suffix.text(), '789');
  const beyond = await c.get('/d', { range: 'bytes=50-' });
  assert.equal(beyond.status, 416);
  assert.equal(beyond.headers.get('content-range'), 'bytes */10');
  const multi = await c.get('/d', { range: 'bytes=0-1,4-5' });
  assert.equal(multi.status, 200); // several ranges: the whole object
  assert.equal(c.origin.hits, 1);
});

test('a Range miss asks the origin for the whole object, stores it, and answers the range', async (t) => {
  const c = await cachedEdge(
    t,
    body('0123456789', { 'cache-control': 'max-age=60', 'content-length': '10' }),
  );
  const first = await c.get('/r', { range: 'bytes=2-5' });
  assert.equal(first.status, 206);
  assert.equal(first.headers.get('x-cache'), 'Miss from cloudfront');
  assert.equal(first.headers.get('content-range'), 'bytes 2-5/10');
  assert.equal(first.headers.get('content-length'), '4');
  assert.equal(await first.text(), '2345');
  assert.equal(c.origin.requests[0].headers.range, undefined, 'the origin is asked for the whole object');
  const later = await c.get('/r', { range: 'bytes=7-' });
  assert.equal(later.headers.get('x-cache'), 'Hit from cloudfront');
  assert.equal(await later.text(), '789');
  const whole = await c.get('/r');
  assert.equal(await whole.text(), '0123456789');
  assert.equal(c.origin.hits, 1);

  const beyond = await c.get('/r2', { range: 'bytes=50-' });
  assert.equal(beyond.status, 416);
  assert.equal(beyond.headers.get('content-range'), 'bytes */10');
  assert.equal((await c.get('/r2')).headers.get('x-cache'), 'Hit from cloudfront', 'the 200 was stored');

  const stale = await c.get('/r3', { range: 'bytes=0-1', 'if-range': '"other"' });
  assert.equal(stale.status, 200, 'If-Range that does not match: the whole object');
  assert.equal(await stale.text(), '0123456789');
  const multi = await c.get('/r4', { range: 'bytes=0-1,4-5' });
  assert.equal(multi.status, 200);
  assert.equal(c.origin.hits, 4);

  // An origin answering chunked (no length known): the viewer gets the entire object (§3.2).
  c.setHandler(body('0123456789', { 'cache-control': 'max-age=60' }));
  const chunked = await c.get('/r5', { range: 'bytes=2-5' });
  assert.equal(chunked.status, 200);
  assert.equal(await chunked.text(), '0123456789');
  assert.equal((await c.get('/r5', { range: 'bytes=2-5' })).status, 206, 'then ranges from the cache');
});

test('a Range miss on a streamed object sends the range as it arrives and still caches it all', async (t) => {
  const size = 300_000;
  const payload = Buffer.alloc(size);
  for (let i = 0; i < size; i++) payload[i] = i % 251;
  const c = await cachedEdge(t, (_req, res) => {
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(size),
      'cache-control': 'max-age=60',
    });
    // Several writes, so the edge sees several chunks.
    for (let at = 0; at < size; at += 16_384) res.write(payload.subarray(at, at + 16_384));
    res.end();
  });
  const ranged = await c.get('/big', { range: 'bytes=100000-100099' });
  assert.equal(ranged.status, 206);
  assert.equal(ranged.headers.get('content-range'), `bytes 100000-100099/${size}`);
  assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), payload.subarray(100_000, 100_100));
  // The rest keeps streaming into the cache after the viewer's bytes were sent.
  let hit: Response | undefined;
  for (let i = 0; i < 200; i++) {
    hit = await c.get('/big');
    if (hit.headers.get('x-cache') === 'Hit from cloudfront') break;
    await hit.arrayBuffer();
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(hit!.headers.get('x-cache'), 'Hit from cloudfront');
  assert.deepEqual(Buffer.from(await hit!.arrayBuffer()), payload);
});

test('without caching, a Range goes to the origin as sent and its 206 is passed on, not stored', async (t) => {
  const c = await cachedEdge(
    t,
    (req, res) => {
      res.writeHead(206, {
        'content-type': 'text/plain',
        'content-range': 'bytes 0-1/10',
        'content-length': '2',
        'x-seen-range': String(req.headers.range),
      });
      res.end('01');
    },
    'CachingDisabled',
  );
  const ranged = await c.get('/p', { range: 'bytes=0-1' });
  assert.equal(ranged.status, 206);
  assert.equal(ranged.headers.get('x-seen-range'), 'bytes=0-1');
  assert.equal(await ranged.text(), '01');
  await (await c.get('/p', { range: 'bytes=0-1' })).text();
  assert.equal(c.origin.hits, 2);
});

test('edge.purge invalidates by path, wildcard and tag; the next request is a Miss', async (t) => {
  const c = await cachedEdge(t, (req, res) => {
    body(String(req.url), {
      'cache-control': 'max-age=600',
      'cache-tag': req.url?.startsWith('/img') ? 'images,all' : 'all',
    })(req, res);
  });
  for (const p of ['/img/a.png', '/img/b.png', '/doc.html']) await (await c.get(p)).text();
  c.edge.purge({ distributionId: 'E1CACHE', paths: ['/img/a*'] });
  assert.equal((await c.get('/img/a.png')).headers.get('x-cache'), 'Miss from cloudfront');
  assert.equal((await c.get('/img/b.png')).headers.get('x-cache'), 'Hit from cloudfront');
  c.edge.purge({ distributionId: 'E1CACHE', tags: ['images'] });
  assert.equal((await c.get('/img/b.png')).headers.get('x-cache'), 'Miss from cloudfront');
  assert.equal((await c.get('/doc.html')).headers.get('x-cache'), 'Hit from cloudfront');
  c.edge.purge();
  await c.edge.cache.whenSwept();
  assert.equal(c.edge.cache.memory.entryCount, 0); // the sweep reclaimed every dead entry
  assert.equal((await c.get('/doc.html')).headers.get('x-cache'), 'Miss from cloudfront');
});

test('HEAD is answered from a cached GET', async (t) => {
  const c = await cachedEdge(t, body('abc', { 'cache-control': 'max-age=60' }));
  await (await c.get('/h')).text();
  const head = await c.edge.fetch('http://localhost/h', { method: 'HEAD' });
  assert.equal(head.headers.get('x-cache'), 'Hit from cloudfront');
  assert.equal(head.headers.get('content-length'), '3');
  assert.equal(c.origin.hits, 1);
});

test('an unreachable origin is answered with the stale copy', async (t) => {
  const c = await cachedEdge(t, body('kept', { 'cache-control': 'max-age=10' }));
  await (await c.get('/u')).text();
  await c.origin.close(); // the origin is gone
  c.clock.advance(30);
  const res = await c.get('/u');
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'kept');
});
