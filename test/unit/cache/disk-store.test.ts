import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { CorruptCacheEntryError, DiskStore } from '../../../src/cache/disk-store.js';
import { bodyFor, cacheStoreSuite, metaFor, readAll } from './store-suite.js';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'edgefront-disk-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function entryFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const sub of await readdir(dir)) {
    if (sub === 'tmp') continue;
    for (const name of await readdir(join(dir, sub))) files.push(join(dir, sub, name));
  }
  return files;
}

cacheStoreSuite('DiskStore', async (t) =>
  DiskStore.open({ dir: await tempDir(t), budgetBytes: 64 * 1024 * 1024 }),
);
cacheStoreSuite('DiskStore (streamed reads)', async (t) =>
  DiskStore.open({ dir: await tempDir(t), budgetBytes: 64 * 1024 * 1024, smallBodyBytes: 0 }),
);

test('entries survive a restart: a new DiskStore on the same directory sees them', async (t) => {
  const dir = await tempDir(t);
  const first = await DiskStore.open({ dir, budgetBytes: 1024 * 1024 });
  await first.put(metaFor('a', 1000, { tags: ['x'] }), bodyFor('a', 1000));
  await first.put(metaFor('b', 2000), bodyFor('b', 2000));
  await first.update(metaFor('b', 2000, { freshUntilMs: 7 }));
  const second = await DiskStore.open({ dir, budgetBytes: 1024 * 1024 });
  assert.equal(second.entryCount, 2);
  assert.equal(second.bytesUsed, first.bytesUsed);
  const a = await second.get('a');
  assert.deepEqual(a?.buffer, bodyFor('a', 1000));
  assert.deepEqual(a?.tags, ['x']);
  assert.equal((await second.get('b'))?.freshUntilMs, 7);
});

test('the least recently used entries are evicted when the byte budget is exceeded', async (t) => {
  const dir = await tempDir(t);
  const probe = await DiskStore.open({ dir: await tempDir(t), budgetBytes: 1024 * 1024 });
  await probe.put(metaFor('k0', 1000), bodyFor('k0', 1000));
  const store = await DiskStore.open({ dir, budgetBytes: 5 * probe.bytesUsed + 100 });
  for (let i = 0; i < 5; i++) await store.put(metaFor(`k${i}`, 1000), bodyFor(`k${i}`, 1000));
  await store.get('k0');
  await store.put(metaFor('k5', 1000), bodyFor('k5', 1000));
  assert.ok(store.bytesUsed <= store.budgetBytes);
  assert.ok(await store.get('k0'), 'recently read survives');
  assert.equal(await store.get('k1'), undefined, 'least recently used went');
  assert.equal((await entryFiles(dir)).length, store.entryCount, 'its file went too');
  assert.equal(
    await store.put(metaFor('huge', 20_000), bodyFor('huge', 20_000)),
    false,
    'larger than the budget',
  );
});

async function corruptionCase(
  t: TestContext,
  damage: (file: string) => Promise<void>,
  smallBodyBytes?: number,
) {
  const dir = await tempDir(t);
  const store = await DiskStore.open({ dir, budgetBytes: 1024 * 1024, smallBodyBytes });
  await store.put(metaFor('c', 50_000), bodyFor('c', 50_000));
  const [file] = await entryFiles(dir);
  await damage(file);
  return { dir, store, file };
}

const flipLastByte = async (file: string) => {
  const data = await readFile(file);
  data[data.byteLength - 1] ^= 0xff;
  await writeFile(file, data);
};

test('a body with a flipped byte is a miss and its file is removed', async (t) => {
  const { dir, store } = await corruptionCase(t, flipLastByte);
  assert.equal(await store.get('c'), undefined);
  assert.equal(store.entryCount, 0);
  assert.deepEqual(await entryFiles(dir), []);
});

test('a truncated entry file is a miss and is removed', async (t) => {
  const { dir, store } = await corruptionCase(t, (f) => truncate(f, 20_000));
  assert.equal(await store.get('c'), undefined);
  assert.deepEqual(await entryFiles(dir), []);
});

test('a truncated entry file is dropped when the store is reopened', async (t) => {
  const { dir } = await corruptionCase(t, (f) => truncate(f, 20_000));
  const reopened = await DiskStore.open({ dir, budgetBytes: 1024 * 1024 });
  assert.equal(reopened.entryCount, 0);
  assert.deepEqual(await entryFiles(dir), []);
});

test('a corrupt header is dropped when the store is reopened', async (t) => {
  const { dir } = await corruptionCase(t, async (f) => {
    const data = await readFile(f);
    data[70] ^= 0x01; // inside the meta JSON
    await writeFile(f, data);
  });
  const reopened = await DiskStore.open({ dir, budgetBytes: 1024 * 1024 });
  assert.equal(reopened.entryCount, 0);
});

test('a large body found corrupt while streaming errors the stream before its last bytes, and is removed', async (t) => {
  const { dir, store } = await corruptionCase(t, flipLastByte, 0);
  const entry = await store.get('c');
  assert.ok(entry, 'large entries are verified while streaming, not on get');
  let received = 0;
  await assert.rejects(
    (async () => {
      for await (const chunk of entry.readBody()) received += (chunk as Buffer).byteLength;
    })(),
    CorruptCacheEntryError,
  );
  assert.ok(received < 50_000, `the viewer gets fewer bytes than Content-Length (${received})`);
  assert.equal(await store.get('c'), undefined);
  assert.deepEqual(await entryFiles(dir), []);
});

test('a large range read of a truncated body errors the stream', async (t) => {
  const { store, file } = await corruptionCase(t, async () => {}, 0);
  const entry = await store.get('c');
  assert.ok(entry);
  await truncate(file, 30_000);
  await assert.rejects(readAll(entry.readBody(10_000, 49_999)), CorruptCacheEntryError);
});

test('a streaming write becomes visible only on commit', async (t) => {
  const store = await DiskStore.open({ dir: await tempDir(t), budgetBytes: 1024 * 1024 });
  const body = bodyFor('s', 30_000);
  const writer = store.beginWrite(metaFor('s', 0));
  writer.write(body.subarray(0, 10_000));
  writer.write(body.subarray(10_000));
  await writer.drain();
  assert.equal(await store.get('s'), undefined);
  assert.equal(await writer.commit(metaFor('s', 30_000, { status: 206 })), true);
  const entry = await store.get('s');
  assert.equal(entry?.status, 206);
  assert.deepEqual(entry?.buffer, body);
});

test('a commit whose size disagrees with the bytes written (a cut origin body) stores nothing', async (t) => {
  const dir = await tempDir(t);
  const store = await DiskStore.open({ dir, budgetBytes: 1024 * 1024 });
  const writer = store.beginWrite(metaFor('s', 100));
  writer.write(bodyFor('s', 60));
  assert.equal(await writer.commit(metaFor('s', 100)), false);
  assert.equal(await store.get('s'), undefined);
  assert.deepEqual(await readdir(join(dir, 'tmp')), []);
});

test('an aborted writer leaves no visible entry and no temp files after reopen', async (t) => {
  const dir = await tempDir(t);
  const store = await DiskStore.open({ dir, budgetBytes: 1024 * 1024 });
  const aborted = store.beginWrite(metaFor('a', 100));
  aborted.write(bodyFor('a', 50));
  aborted.abort();
  assert.equal(await aborted.commit(metaFor('a', 50)), false, 'commit after abort stores nothing');
  const crashed = store.beginWrite(metaFor('b', 100)); // never committed: a crash mid-write
  crashed.write(bodyFor('b', 100));
  await crashed.drain();
  assert.ok((await readdir(join(dir, 'tmp'))).length >= 1);
  const reopened = await DiskStore.open({ dir, budgetBytes: 1024 * 1024 });
  assert.equal(reopened.entryCount, 0);
  assert.equal(await reopened.get('a'), undefined);
  assert.equal(await reopened.get('b'), undefined);
  assert.deepEqual(await readdir(join(dir, 'tmp')), []);
  assert.deepEqual(await entryFiles(dir), []);
});

test('of two writes of one key, the one started later wins whatever order they commit in', async (t) => {
  const store = await DiskStore.open({ dir: await tempDir(t), budgetBytes: 1024 * 1024 });
  const older = store.beginWrite(metaFor('k', 10));
  const newer = store.beginWrite(metaFor('k', 10));
  older.write(bodyFor('old', 10));
  newer.write(bodyFor('new', 10));
  assert.equal(await newer.commit(metaFor('k', 10)), true);
  assert.equal(await older.commit(metaFor('k', 10)), false);
  assert.deepEqual((await store.get('k'))?.buffer, bodyFor('new', 10));
  assert.equal(store.entryCount, 1);
});

test('a write in flight when its key is deleted (an invalidation) does not appear afterwards', async (t) => {
  const store = await DiskStore.open({ dir: await tempDir(t), budgetBytes: 1024 * 1024 });
  const writer = store.beginWrite(metaFor('k', 10));
  writer.write(bodyFor('k', 10));
  await store.delete('k');
  assert.equal(await writer.commit(metaFor('k', 10)), false);
  assert.equal(await store.get('k'), undefined);
  const cleared = store.beginWrite(metaFor('j', 10));
  cleared.write(bodyFor('j', 10));
  await store.clear();
  assert.equal(await cleared.commit(metaFor('j', 10)), false);
});

test('update of a large entry whose metadata outgrows its header room rewrites it', async (t) => {
  const dir = await tempDir(t);
  const store = await DiskStore.open({ dir, budgetBytes: 1024 * 1024, smallBodyBytes: 0 });
  await store.put(metaFor('big', 100_000), bodyFor('big', 100_000));
  await store.update(metaFor('big', 100_000, { freshUntilMs: 5 }));
  const longHeader = 'x'.repeat(5000);
  await store.update(metaFor('big', 100_000, { headers: { 'x-long': longHeader } }));
  const entry = await store.get('big');
  assert.equal(entry?.headers['x-long'], longHeader);
  assert.deepEqual(await readAll(entry!.readBody()), bodyFor('big', 100_000));
  assert.equal((await entryFiles(dir)).length, 1);
  const reopened = await DiskStore.open({ dir, budgetBytes: 1024 * 1024, smallBodyBytes: 0 });
  assert.equal((await reopened.get('big'))?.headers['x-long'], longHeader);
});

test('a 64 MiB body is stored while streaming with bounded buffering and read back intact', async (t) => {
  const dir = await tempDir(t);
  const store = await DiskStore.open({ dir, budgetBytes: 256 * 1024 * 1024 });
  const total = 64 * 1024 * 1024;
  const chunkBytes = 64 * 1024;
  const hash = createHash('sha1');
  const writer = store.beginWrite(metaFor('movie', 0));
  let maxBuffered = 0;
  const rssBefore = process.memoryUsage().rss;
  let maxRss = rssBefore;
  for (let offset = 0; offset < total; offset += chunkBytes) {
    const chunk = Buffer.allocUnsafe(chunkBytes).fill(offset / chunkBytes);
    hash.update(chunk);
    if (!writer.write(chunk)) await writer.drain();
    maxBuffered = Math.max(maxBuffered, writer.bufferedBytes);
    if (offset % (4 * 1024 * 1024) === 0) maxRss = Math.max(maxRss, process.memoryUsage().rss);
  }
  assert.equal(await writer.commit(metaFor('movie', total)), true);
  assert.ok(maxBuffered <= 1024 * 1024 + chunkBytes, `buffered at most ${maxBuffered}`);
  assert.ok(maxRss - rssBefore < 48 * 1024 * 1024, `rss grew ${maxRss - rssBefore}`);
  const entry = await store.get('movie');
  assert.equal(entry?.buffer, undefined, 'large bodies are streamed from the file');
  const read = createHash('sha1');
  for await (const chunk of entry!.readBody()) read.update(chunk as Buffer);
  assert.equal(read.digest('hex'), hash.digest('hex'));
  const tail = await readAll(entry!.readBody(total - 10, total - 1));
  assert.deepEqual(tail, Buffer.alloc(10, total / chunkBytes - 1));
});
