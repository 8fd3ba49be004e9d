/**
 * Objects above the memory tier's entry limit stream to the disk tier while they stream to the
 * viewer, and are answered from the file: whole, by range (also past 4 GiB), never when the
 * file is damaged. In-process edges (createEdge) with a 1 MiB memory tier (entries up to
 * 128 KiB) and a disk tier; the restart of a real `edgefront serve` is in disk-tier.test.ts.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import test from 'node:test';
import { GIB, writeSparseEntry } from '../../unit/cache/sparse-entry.js';
import { diskEdge, eventually, gate, MIB, payload, readAtLeast, within } from './disk-edge.js';

async function entryFiles(stateDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(stateDir, 'cache'), { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.entry')) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}

function serve(body: Buffer, headers: Record<string, string> = {}) {
  return (_req: unknown, res: ServerResponse) => {
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(body.byteLength),
      'cache-control': 'max-age=3600',
      etag: '"big"',
      ...headers,
    });
    // Several writes: the edge sees the body arrive in pieces.
    for (let at = 0; at < body.byteLength; at += 256 * 1024) res.write(body.subarray(at, at + 256 * 1024));
    res.end();
  };
}

async function bytesOf(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

test('an object larger than the memory tier is stored on disk as it streams and served from the file', async (t) => {
  const size = 3 * MIB + 123;
  const body = payload(size);
  const c = await diskEdge(t, serve(body));
  const miss = await c.get('/big.bin');
  assert.equal(miss.headers.get('x-cache'), 'Miss from cloudfront');
  assert.deepEqual(await bytesOf(miss), body);
  await eventually('committed to disk', () => c.edge.cache.disk!.entryCount === 1);
  assert.equal(c.edge.cache.memory.entryCount, 0, 'not in memory: above its entry limit');

  const hit = await c.get('/big.bin');
  assert.equal(hit.headers.get('x-cache'), 'Hit from cloudfront');
  assert.equal(hit.headers.get('content-length'), String(size));
  assert.deepEqual(await bytesOf(hit), body);

  for (const [range, start, end] of [
    ['bytes=0-99', 0, 99],
    [`bytes=${MIB - 5}-${MIB + 5}`, MIB - 5, MIB + 5],
    [`bytes=${size - 10}-${size - 1}`, size - 10, size - 1],
    ['bytes=-1000', size - 1000, size - 1],
    [`bytes=${size - 3}-`, size - 3, size - 1],
  ] as const) {
    const part = await c.get('/big.bin', { range });
    assert.equal(part.status, 206, range);
    assert.equal(part.headers.get('content-range'), `bytes ${start}-${end}/${size}`);
    assert.equal(part.headers.get('content-length'), String(end - start + 1));
    assert.deepEqual(await bytesOf(part), body.subarray(start, end + 1), range);
  }
  const beyond = await c.get('/big.bin', { range: `bytes=${size}-` });
  assert.equal(beyond.status, 416);
  assert.equal(beyond.headers.get('content-range'), `bytes */${size}`);
  assert.equal(c.origin.hits, 1);

  const listing = [...c.edge.cache.tieredEntries('E1TEST')];
  assert.equal(listing.length, 1);
  assert.equal(listing[0].tier, 'disk');
  assert.equal(listing[0].meta.size, size);
});

test('a Range miss on a large object stores it whole on disk and answers the range', async (t) => {
  const size = 2 * MIB;
  const body = payload(size);
  const c = await diskEdge(t, serve(body));
  const first = await c.get('/r.bin', { range: `bytes=${size - 100}-` });
  assert.equal(first.status, 206);
  assert.deepEqual(await bytesOf(first), body.subarray(size - 100));
  await eventually('committed to disk', () => c.edge.cache.disk!.entryCount === 1);
  assert.deepEqual(await bytesOf(await c.get('/r.bin')), body);
  assert.equal(c.origin.hits, 1);
});

test('a body of unknown length that outgrows the memory tier is stored on disk', async (t) => {
  const body = payload(MIB + 7);
  const c = await diskEdge(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'max-age=60' });
    for (let at = 0; at < body.byteLength; at += 64 * 1024) res.write(body.subarray(at, at + 64 * 1024));
    res.end();
  });
  assert.deepEqual(await bytesOf(await c.get('/chunked')), body);
  await eventually('committed to disk', () => c.edge.cache.disk!.entryCount === 1);
  const hit = await c.get('/chunked');
  assert.equal(hit.headers.get('x-cache'), 'Hit from cloudfront');
  assert.equal(hit.headers.get('content-length'), String(body.byteLength));
  assert.deepEqual(await bytesOf(hit), body);
});

test('a truncated or corrupted large entry is never served: a miss, or a transfer cut short', async (t) => {
  const body = payload(2 * MIB);
  const c = await diskEdge(t, serve(body));
  await bytesOf(await c.get('/t.bin'));
  await eventually('committed to disk', () => c.edge.cache.disk!.entryCount === 1);
  const [file] = await entryFiles(c.stateDir);
  await truncate(file, 1.5 * MIB);
  const afterTruncate = await c.get('/t.bin');
  assert.equal(afterTruncate.headers.get('x-cache'), 'Miss from cloudfront');
  assert.deepEqual(await bytesOf(afterTruncate), body);
  assert.equal(c.origin.hits, 2);

  await eventually('stored again', () => c.edge.cache.disk!.entryCount === 1);
  const [again] = await entryFiles(c.stateDir);
  const bytes = await readFile(again);
  bytes[bytes.byteLength - 100] ^= 0xff;
  await writeFile(again, bytes);
  // Large entries are verified while they stream (a multi-GB file is not read twice): the last
  // chunk is held back until the checksum matches, so a damaged body never completes.
  const damaged = await c.get('/t.bin');
  assert.equal(damaged.headers.get('x-cache'), 'Hit from cloudfront');
  await assert.rejects(damaged.arrayBuffer());
  const next = await c.get('/t.bin');
  assert.equal(next.headers.get('x-cache'), 'Miss from cloudfront', 'the damaged entry was dropped');
  assert.deepEqual(await bytesOf(next), body);
});

test('a viewer that disconnects mid-body leaves no entry, committed or partial', async (t) => {
  const body = payload(3 * MIB);
  const release = gate();
  const closed = gate();
  const c = await diskEdge(t, async (_req, res) => {
    res.on('close', closed.open);
    res.writeHead(200, { 'content-length': String(body.byteLength), 'cache-control': 'max-age=600' });
    res.write(body.subarray(0, MIB));
    await release.wait;
    if (!res.destroyed) res.end(body.subarray(MIB));
  });
  const response = await c.get('/gone.bin');
  const reader = response.body!.getReader();
  await within(readAtLeast(reader, 1), 10_000, 'first bytes');
  await reader.cancel(); // the viewer hangs up
  await within(closed.wait, 10_000, 'the edge stopped reading the origin');
  release.open();
  assert.equal(c.edge.cache.disk!.entryCount, 0);
  const tmp = join(c.stateDir, 'cache', 'tmp');
  await eventually('the partial file is removed', async () => (await readdir(tmp)).length === 0);
  assert.deepEqual(await entryFiles(c.stateDir), []);
  const next = await c.get('/gone.bin');
  assert.equal(next.headers.get('x-cache'), 'Miss from cloudfront');
  assert.deepEqual(await bytesOf(next), body);
});

test('objects over 4 GiB are answered by range from the disk tier (a sparse entry), 206 and 416', async (t) => {
  const small = payload(200 * 1024);
  const c = await diskEdge(t, serve(small), { diskBytes: 32 * GIB });
  await bytesOf(await c.get('/huge.bin'));
  await eventually('committed to disk', () => c.edge.cache.disk!.entryCount === 1);
  const [meta] = c.edge.cache.disk!.entries();
  // Replace the stored entry by a 6 GiB one with the same key (sparse: no disk is used).
  const size = 6 * GIB + 5;
  const tail = payload(64);
  const across = payload(40);
  await rm(join(c.stateDir, 'cache'), { recursive: true, force: true });
  await writeSparseEntry(join(c.stateDir, 'cache'), { ...meta, size }, [
    { at: 4 * GIB - 20, bytes: across },
    { at: size - 64, bytes: tail },
  ]);
  await c.restart();
  assert.equal(c.edge.cache.disk!.entryCount, 1);
  const last = await c.get('/huge.bin', { range: 'bytes=-64' });
  assert.equal(last.status, 206);
  assert.equal(last.headers.get('x-cache'), 'Hit from cloudfront');
  assert.equal(last.headers.get('content-range'), `bytes ${size - 64}-${size - 1}/${size}`);
  assert.deepEqual(await bytesOf(last), tail);
  const middle = await c.get('/huge.bin', { range: `bytes=${4 * GIB - 20}-${4 * GIB + 19}` });
  assert.equal(middle.headers.get('content-range'), `bytes ${4 * GIB - 20}-${4 * GIB + 19}/${size}`);
  assert.deepEqual(await bytesOf(middle), across);
  const beyond = await c.get('/huge.bin', { range: `bytes=${size}-` });
  assert.equal(beyond.status, 416);
  assert.equal(beyond.headers.get('content-range'), `bytes */${size}`);
  const head = await c.edge.fetch('http://localhost/huge.bin', { method: 'HEAD' });
  assert.equal(head.headers.get('content-length'), String(size));
  assert.equal(c.origin.hits, 1);
});

test('an invalidation while a large object is still arriving: later requests do not follow or get the old copy', async (t) => {
  const body = payload(2 * MIB);
  const release = gate();
  const c = await diskEdge(t, async (_req, res) => {
    res.writeHead(200, { 'content-length': String(body.byteLength), 'cache-control': 'max-age=600' });
    res.write(body.subarray(0, MIB));
    await release.wait;
    res.end(body.subarray(MIB));
  });
  const before = await c.get('/p.bin');
  const beforeReader = before.body!.getReader();
  await within(readAtLeast(beforeReader, 1), 10_000, 'first bytes');
  c.edge.purge({ distributionId: 'E1TEST', paths: ['/p.bin'] });
  const after = c.get('/p.bin'); // fetched after the purge: its own origin request
  await eventually('the origin got a second request', () => c.origin.hits === 2);
  release.open();
  await readAtLeast(beforeReader, Number.POSITIVE_INFINITY);
  const fresh = await after;
  assert.equal(fresh.headers.get('x-cache'), 'Miss from cloudfront');
  assert.deepEqual(await bytesOf(fresh), body);
  await eventually('committed', () => c.edge.cache.disk!.entryCount === 1);
  const hit = await c.get('/p.bin');
  assert.equal(hit.headers.get('x-cache'), 'Hit from cloudfront', 'the copy fetched after the purge');
  await hit.arrayBuffer();
  assert.equal(c.origin.hits, 2);
});

test('a stale-while-revalidate refresh of a large object streams the new version to disk', async (t) => {
  const versions = [payload(2 * MIB), payload(2 * MIB + 1).subarray(1)];
  let served = 0;
  const c = await diskEdge(t, (req, res) => {
    const body = versions[Math.min(served++, 1)];
    serve(body, { 'cache-control': 'max-age=10, stale-while-revalidate=60', etag: `"v${served}"` })(req, res);
  });
  assert.deepEqual(await bytesOf(await c.get('/swr.bin')), versions[0]);
  await eventually('committed to disk', () => c.edge.cache.disk!.entryCount === 1);
  c.clock.advance(20);
  const stale = await c.get('/swr.bin');
  assert.equal(stale.headers.get('x-cache'), 'Hit from cloudfront');
  assert.deepEqual(await bytesOf(stale), versions[0], 'served stale while the refresh runs');
  await eventually(
    'the refreshed version is stored',
    () => [...c.edge.cache.disk!.entries()][0]?.headers.etag === '"v2"',
  );
  const fresh = await c.get('/swr.bin');
  assert.equal(fresh.headers.get('etag'), '"v2"');
  assert.deepEqual(await bytesOf(fresh), versions[1]);
  assert.equal(c.origin.hits, 2);
});
