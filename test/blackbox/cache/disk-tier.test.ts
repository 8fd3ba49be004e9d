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

test('the disk tier survives a restart, and a corrupted entry is a miss, never served', async (t) => {
  const origin = await startOrigin((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=3600' });
    res.end('persisted body');
  });
  const tmp = await tempDir();
  t.after(() => Promise.all([origin.close(), tmp.remove()]));
  const config = await writeYaml(
    tmp.dir,
    'edgefront.yaml',
    simpleConfig(origin.port, {
      DefaultCacheBehavior: {
        TargetOriginId: 'app',
        ViewerProtocolPolicy: 'allow-all',
        CachePolicyId: 'CachingOptimized',
      },
    }),
  );
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
  const config = await writeYaml(
    tmp.dir,
    'edgefront.yaml',
    simpleConfig(origin.port, {
      DefaultCacheBehavior: {
        TargetOriginId: 'app',
        ViewerProtocolPolicy: 'allow-all',
        CachePolicyId: 'CachingOptimized',
      },
    }),
  );
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
