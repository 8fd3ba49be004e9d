/**
 * Request collapsing (reference/caching.md §3.4) with the body followed as it arrives: the
 * origin sends the first part of a body, then waits for the test to release the rest, so the
 * tests prove without timing that collapsed requests got their headers and first bytes before
 * the origin finished.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { diskEdge, eventually, gate, MIB, payload, readAtLeast, readRest, within } from './disk-edge.js';

const FOLLOWERS = 8;

/**
 * An origin sending `body` with Content-Length: `firstBytes` at once, the rest once `release`
 * opens. With `cutFirst`, its first response is cut there instead (later ones complete).
 */
function slowOrigin(body: Buffer, firstBytes: number, release: Promise<void>, cutFirst = false) {
  let answered = 0;
  return async (_req: unknown, res: import('node:http').ServerResponse) => {
    const end = cutFirst && answered++ === 0 ? 'cut' : 'complete';
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(body.byteLength),
      'cache-control': 'max-age=600',
      etag: '"slow"',
    });
    res.write(body.subarray(0, firstBytes));
    await release;
    if (end === 'cut') res.destroy();
    else res.end(body.subarray(firstBytes));
  };
}

for (const [name, size] of [
  ['a memory-tier object', 96 * 1024],
  ['a disk-tier object', 3 * MIB],
] as const) {
  test(`collapsed requests for ${name} are answered from the first origin response as its body arrives`, async (t) => {
    const body = payload(size);
    const first = Math.floor(size / 3);
    const release = gate();
    const c = await diskEdge(t, slowOrigin(body, first, release.wait));
    const leader = c.get('/slow');
    await eventually('the origin got the first request', () => c.origin.hits === 1);
    const followers = Array.from({ length: FOLLOWERS }, () => c.get('/slow'));
    const ranged = c.get('/slow', { range: 'bytes=100-199' }); // inside the part already sent

    const all = await within(
      Promise.all([leader, ...followers]),
      10_000,
      'headers before the origin finished',
    );
    assert.equal(all[0].headers.get('x-cache'), 'Miss from cloudfront');
    const readers = all.map((r) => r.body!.getReader());
    for (const [i, response] of all.slice(1).entries()) {
      assert.equal(response.headers.get('x-cache'), 'Hit from cloudfront', `follower ${i}`);
      assert.equal(response.headers.get('content-length'), String(size));
      assert.equal(response.headers.get('age'), '0');
    }
    const heads = await within(
      Promise.all(readers.map((r) => readAtLeast(r, first))),
      10_000,
      'every viewer got the first part before the origin sent the rest',
    );
    for (const head of heads) assert.deepEqual(head, body.subarray(0, head.byteLength));
    const slice = await within(ranged, 10_000, 'the ranged follower');
    assert.equal(slice.status, 206);
    assert.equal(slice.headers.get('content-range'), `bytes 100-199/${size}`);
    assert.deepEqual(
      Buffer.from(await slice.arrayBuffer()),
      body.subarray(100, 200),
      'complete before the origin is',
    );

    release.open();
    const rests = await Promise.all(readers.map((r) => readRest(r)));
    for (const [i, rest] of rests.entries()) {
      assert.deepEqual(Buffer.concat([heads[i], rest]), body, `viewer ${i} got every byte`);
    }
    assert.equal(c.origin.hits, 1);
    await eventually('stored', () => c.edge.cache.entries('E1TEST')[Symbol.iterator]().next().done === false);
    const later = await c.get('/slow');
    assert.equal(later.headers.get('x-cache'), 'Hit from cloudfront');
    assert.deepEqual(Buffer.from(await later.arrayBuffer()), body);
    assert.equal(c.origin.hits, 1);
  });
}

test('an origin failing mid-body cuts the collapsed requests that got headers; nothing is stored', async (t) => {
  const body = payload(3 * MIB);
  const release = gate();
  const c = await diskEdge(t, slowOrigin(body, MIB, release.wait, true));
  const leader = c.get('/cut');
  await eventually('the origin got the first request', () => c.origin.hits === 1);
  const all = await within(
    Promise.all([leader, ...Array.from({ length: 3 }, () => c.get('/cut'))]),
    10_000,
    'headers',
  );
  const readers = all.map((r) => r.body!.getReader());
  await within(Promise.all(readers.map((r) => readAtLeast(r, 1))), 10_000, 'first bytes');
  release.open();
  for (const reader of readers) await assert.rejects(readRest(reader));
  assert.equal(c.edge.cache.disk!.entryCount, 0);
  const next = await c.get('/cut');
  assert.equal(next.headers.get('x-cache'), 'Miss from cloudfront');
  await next.body?.cancel();
  assert.equal(c.origin.hits, 2);
});

test('when the first response is not cacheable, collapsed requests ask the origin themselves', async (t) => {
  const release = gate();
  const c = await diskEdge(
    t,
    async (req, res) => {
      await release.wait;
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
      res.end(`answer ${req.url}`);
    },
    // A managed policy with MinTTL 0 (no-store is honoured) that forwards no cookies (collapsing on).
    { policy: 'Elemental-MediaPackage' },
  );
  const leader = c.get('/private');
  await eventually('the origin got the first request', () => c.origin.hits === 1);
  const followers = Array.from({ length: 4 }, () => c.get('/private'));
  release.open();
  const texts = await Promise.all([leader, ...followers].map(async (r) => (await r).text()));
  assert.ok(texts.every((text) => text === 'answer /private'));
  assert.equal(c.origin.hits, 5);
});

test('a leader viewer that leaves mid-body does not cut the collapsed requests following it', async (t) => {
  const body = payload(3 * MIB);
  const release = gate();
  const c = await diskEdge(t, slowOrigin(body, MIB, release.wait));
  const leader = c.get('/left');
  await eventually('the origin got the first request', () => c.origin.hits === 1);
  const follower = c.get('/left');
  const [lead, follow] = await within(Promise.all([leader, follower]), 10_000, 'headers');
  const followReader = follow.body!.getReader();
  const head = await within(readAtLeast(followReader, 1), 10_000, 'first bytes');
  await lead.body!.cancel(); // the first viewer hangs up
  release.open();
  assert.deepEqual(Buffer.concat([head, await readRest(followReader)]), body);
  await eventually('stored for later requests', () => c.edge.cache.disk!.entryCount === 1);
  assert.equal((await c.get('/left')).headers.get('x-cache'), 'Hit from cloudfront');
  assert.equal(c.origin.hits, 1);
});
