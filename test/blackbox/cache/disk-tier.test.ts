import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'node:test';
import { simpleConfig, tempDir, writeYaml } from '../../helpers/config.js';
import { startEdgeProcess } from '../../helpers/edge-process.js';
import { startOrigin } from '../../helpers/origin.js';

async function cacheFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.entry')) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}

/** edgefront.yaml in `dir`: one distribution (E1TEST) over the origin, with CachingOptimized. */
function cachingConfig(dir: string, originPort: number): Promise<string> {
  return writeYaml(
    dir,
    'edgefront.yaml',
    simpleConfig(originPort, {
      DefaultCacheBehavior: {
        TargetOriginId: 'app',
        ViewerProtocolPolicy: 'allow-all',
        CachePolicyId: 'CachingOptimized',
      },
    }),
  );
}

test('the disk tier survives a restart, and a corrupted entry is a miss, never served', async (t) => {
  const origin = await startOrigin((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=3600' });
    res.end('persisted body');
  });
  const tmp = await tempDir();
  t.after(() => Promise.all([origin.close(), tmp.remove()]));
  const config = await cachingConfig(tmp.dir, origin.port);
  const state = join(tmp.dir, 'state');
  const args = ['--config', config, '--cache-disk', '64MiB', '--state-dir', state];

  const first = await startEdgeProcess(args);
  assert.equal((await fetch(first.url('/p'))).headers.get('x-cache'), 'Miss from cloudfront');
  for (let i = 0; i < 100 && (await cacheFiles(join(state, 'cache'))).length === 0; i++) {
    await new Promise((r) => setTimeout(r, 20)); // bounded: the write is fsynced in the background
  }
  await first.close();

  const second = await startEdgeProcess(args);
  const warm = await fetch(second.url('/p'));
  assert.equal(warm.headers.get('x-cache'), 'Hit from cloudfront');
  assert.equal(await warm.text(), 'persisted body');
  assert.equal(origin.hits, 1);
  await second.close();

  for (const file of await cacheFiles(join(state, 'cache'))) {
    const bytes = await readFile(file);
    bytes[bytes.length - 3] ^= 0xff; // flip a body byte
    await writeFile(file, bytes);
  }
  const third = await startEdgeProcess(args);
  t.after(() => third.close());
  const res = await fetch(third.url('/p'));
  assert.equal(res.headers.get('x-cache'), 'Miss from cloudfront');
  assert.equal(await res.text(), 'persisted body');
  assert.equal(origin.hits, 2);
});

test('/debug/cache on the admin port lists a distribution’s cached entries with TTL left and tags', async (t) => {
  const origin = await startOrigin((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=120', 'cache-tag': 'a, b' });
    res.end('x');
  });
  const tmp = await tempDir();
  const config = await cachingConfig(tmp.dir, origin.port);
  const edge = await startEdgeProcess(['--config', config]);
  t.after(() => Promise.all([edge.close(), origin.close(), tmp.remove()]));
  await (await fetch(edge.url('/item'))).text();
  let listing: { entries: { path: string; ttlLeftSeconds: number; tags: string[]; size: number }[] } = {
    entries: [],
  };
  for (let i = 0; i < 50 && listing.entries.length === 0; i++) {
    listing = await (await fetch(new URL('/debug/cache?distribution=E1TEST', edge.admin!))).json();
    if (listing.entries.length === 0) await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(listing.entries.length, 1);
  const [entry] = listing.entries;
  assert.equal(entry.path, '/item');
  assert.equal(entry.size, 1);
  assert.deepEqual(entry.tags, ['a', 'b']);
  assert.ok(entry.ttlLeftSeconds > 100 && entry.ttlLeftSeconds <= 120);
});

test('a large object streams to the disk tier of edgefront serve, survives a restart and answers ranges from the file', async (t) => {
  const size = 3 * 1024 * 1024 + 11;
  const body = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) body[i] = (i * 13 + (i >> 12)) & 0xff;
  const origin = await startOrigin((_req, res) => {
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(size),
      'cache-control': 'max-age=3600',
      'cache-tag': 'video',
    });
    for (let at = 0; at < size; at += 256 * 1024) res.write(body.subarray(at, at + 256 * 1024));
    res.end();
  });
  const tmp = await tempDir();
  t.after(() => Promise.all([origin.close(), tmp.remove()]));
  const config = await cachingConfig(tmp.dir, origin.port);
  // A 1 MiB memory tier takes entries up to 128 KiB: this object can only be stored on disk.
  const args = [
    '--config',
    config,
    '--cache-memory',
    '1MiB',
    '--cache-disk',
    '64MiB',
    '--state-dir',
    join(tmp.dir, 'state'),
  ];
  type Listing = {
    disk?: { entries: number };
    entries: { key: string; tier: string; size: number; tags: string[]; ttlLeftSeconds: number }[];
  };
  const listing = async (edge: { admin?: URL }, query = ''): Promise<Listing> =>
    (
      await fetch(new URL(`/debug/cache?distribution=E1TEST${query}`, edge.admin!))
    ).json() as Promise<Listing>;

  const first = await startEdgeProcess(args);
  // Fetch sends `Accept-Encoding: identity` with a Range: the same key for every request here.
  const plain = { headers: { 'accept-encoding': 'identity' } };
  const miss = await fetch(first.url('/movie.mp4'), plain);
  assert.equal(miss.headers.get('x-cache'), 'Miss from cloudfront');
  assert.deepEqual(Buffer.from(await miss.arrayBuffer()), body);
  let listed: Listing = { entries: [] };
  for (let i = 0; i < 250 && listed.entries.length === 0; i++) {
    listed = await listing(first); // bounded: the entry is committed (fsynced) after the body ends
    if (listed.entries.length === 0) await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(listed.entries.length, 1);
  assert.equal(listed.entries[0].tier, 'disk');
  assert.equal(listed.entries[0].size, size);
  assert.deepEqual(listed.entries[0].tags, ['video']);
  assert.ok(listed.entries[0].ttlLeftSeconds > 3500);
  await first.close();

  const second = await startEdgeProcess(args);
  t.after(() => second.close());
  const hit = await fetch(second.url('/movie.mp4'), plain);
  assert.equal(hit.headers.get('x-cache'), 'Hit from cloudfront');
  assert.deepEqual(Buffer.from(await hit.arrayBuffer()), body);
  for (const [range, start, end] of [
    ['bytes=0-0', 0, 0],
    ['bytes=1500000-1500999', 1_500_000, 1_500_999],
    [`bytes=${size - 7}-${size - 1}`, size - 7, size - 1],
    ['bytes=-4096', size - 4096, size - 1],
  ] as const) {
    const part = await fetch(second.url('/movie.mp4'), { headers: { range } });
    assert.equal(part.status, 206, range);
    assert.equal(part.headers.get('content-range'), `bytes ${start}-${end}/${size}`);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), body.subarray(start, end + 1), range);
  }
  const beyond = await fetch(second.url('/movie.mp4'), { headers: { range: `bytes=${size}-` } });
  assert.equal(beyond.status, 416);
  await beyond.arrayBuffer();
  assert.equal(origin.hits, 1);
  const byKey = await listing(second, `&key=${encodeURIComponent(listed.entries[0].key)}`);
  assert.equal(byKey.entries.length, 1);
  assert.equal(byKey.entries[0].tier, 'disk');
  assert.equal(byKey.disk?.entries, 1);
  assert.equal((await listing(second, '&path=/other')).entries.length, 0);
});
