/**
 * One conformance suite for every CacheStore tier (STYLE.md §6): run by memory-store.test.ts
 * and disk-store.test.ts. Only the interface is exercised here; tier-specific behaviour
 * (admission, restart, corruption) lives in each tier's own test file.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { describe, type TestContext, test } from 'node:test';
import type { CacheEntry, CacheEntryMeta, CacheStore } from '../../../src/cache/types.js';

export type MakeStore = (t: TestContext) => CacheStore | Promise<CacheStore>;

export function metaFor(key: string, size: number, overrides: Partial<CacheEntryMeta> = {}): CacheEntryMeta {
  return {
    key,
    distributionId: 'E2EXAMPLE',
    path: `/${key}`,
    status: 200,
    headers: { 'content-type': 'text/plain', etag: `"${key}-${size}"` },
    size,
    storedAtMs: 1_000,
    freshUntilMs: 61_000,
    staleWhileRevalidateUntilMs: 61_000,
    staleIfErrorUntilMs: 61_000,
    tags: [],
    ...overrides,
  };
}

/** A body whose bytes differ by key and position, so a wrong range or entry shows up. */
export function bodyFor(key: string, size: number): Buffer {
  const body = Buffer.allocUnsafeSlow(size);
  let seed = 0;
  for (let i = 0; i < key.length; i++) seed = (seed * 31 + key.charCodeAt(i)) | 0;
  for (let i = 0; i < size; i++) body[i] = (seed + i * 7 + (i >> 8)) & 0xff;
  return body;
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function metas(store: CacheStore): Promise<CacheEntryMeta[]> {
  const out: CacheEntryMeta[] = [];
  for await (const meta of store.entries()) out.push(meta);
  return out;
}

async function put(store: CacheStore, key: string, size: number, overrides: Partial<CacheEntryMeta> = {}) {
  const body = bodyFor(key, size);
  assert.equal(await store.put(metaFor(key, size, overrides), body), true, `put ${key}`);
  return body;
}

async function mustGet(store: CacheStore, key: string): Promise<CacheEntry> {
  const entry = await store.get(key);
  assert.ok(entry, `${key} is cached`);
  return entry;
}

export function cacheStoreSuite(name: string, makeStore: MakeStore): void {
  describe(`${name}: CacheStore conformance`, () => {
    test('a stored response is returned with its metadata and body', async (t) => {
      const store = await makeStore(t);
      const body = await put(store, 'a', 1000, { status: 203, tags: ['t1', 't2'] });
      const entry = await mustGet(store, 'a');
      assert.equal(entry.key, 'a');
      assert.equal(entry.status, 203);
      assert.equal(entry.size, 1000);
      assert.deepEqual(entry.headers, { 'content-type': 'text/plain', etag: '"a-1000"' });
      assert.deepEqual([...entry.tags], ['t1', 't2']);
      assert.equal(entry.freshUntilMs, 61_000);
      assert.deepEqual(await readAll(entry.readBody()), body);
      if (entry.buffer) assert.deepEqual(entry.buffer, body);
    });

    test('a key never stored is a miss', async (t) => {
      const store = await makeStore(t);
      assert.equal(await store.get('nope'), undefined);
    });

    test('an empty body is stored and read back empty', async (t) => {
      const store = await makeStore(t);
      await put(store, 'empty', 0);
      const entry = await mustGet(store, 'empty');
      assert.equal(entry.size, 0);
      assert.equal((await readAll(entry.readBody())).byteLength, 0);
    });

    test('storing a key again replaces the entry', async (t) => {
      const store = await makeStore(t);
      await put(store, 'k', 100);
      const before = store.bytesUsed;
      const body = bodyFor('k2', 300);
      assert.equal(await store.put(metaFor('k', 300, { status: 404 }), body), true);
      assert.equal(store.entryCount, 1);
      assert.ok(store.bytesUsed > before, 'bytes grow with the larger body');
      const entry = await mustGet(store, 'k');
      assert.equal(entry.status, 404);
      assert.deepEqual(await readAll(entry.readBody()), body);
    });

    test('update replaces metadata and keeps the body (a 304 revalidation)', async (t) => {
      const store = await makeStore(t);
      const body = await put(store, 'u', 500);
      await store.update(
        metaFor('u', 500, { storedAtMs: 5_000, freshUntilMs: 99_000, headers: { etag: '"v2"' } }),
      );
      const entry = await mustGet(store, 'u');
      assert.equal(entry.storedAtMs, 5_000);
      assert.equal(entry.freshUntilMs, 99_000);
      assert.deepEqual(entry.headers, { etag: '"v2"' });
      assert.deepEqual(await readAll(entry.readBody()), body);
      assert.equal(store.entryCount, 1);
    });

    test('update of a key not cached stores nothing', async (t) => {
      const store = await makeStore(t);
      await store.update(metaFor('ghost', 10));
      assert.equal(await store.get('ghost'), undefined);
      assert.equal(store.entryCount, 0);
    });

    test('delete removes the entry and gives back its bytes; deleting twice is harmless', async (t) => {
      const store = await makeStore(t);
      await put(store, 'a', 100);
      await put(store, 'b', 200);
      const withBoth = store.bytesUsed;
      await store.delete('a');
      await store.delete('a');
      assert.equal(await store.get('a'), undefined);
      assert.ok(await store.get('b'));
      assert.equal(store.entryCount, 1);
      assert.ok(store.bytesUsed < withBoth);
      await store.delete('b');
      assert.equal(store.bytesUsed, 0);
      assert.equal(store.entryCount, 0);
    });

    test('clear empties the store', async (t) => {
      const store = await makeStore(t);
      for (const k of ['a', 'b', 'c']) await put(store, k, 50);
      await store.clear();
      assert.equal(store.entryCount, 0);
      assert.equal(store.bytesUsed, 0);
      for (const k of ['a', 'b', 'c']) assert.equal(await store.get(k), undefined);
      assert.deepEqual(await metas(store), []);
      await put(store, 'a', 50);
      assert.ok(await store.get('a'), 'usable after clear');
    });

    test('bytesUsed counts at least every body byte and returns to zero', async (t) => {
      const store = await makeStore(t);
      let bodies = 0;
      for (let i = 0; i < 10; i++) {
        await put(store, `b${i}`, 100 * (i + 1));
        bodies += 100 * (i + 1);
        assert.ok(store.bytesUsed >= bodies, `${store.bytesUsed} >= ${bodies}`);
      }
      for (let i = 0; i < 10; i++) await store.delete(`b${i}`);
      assert.equal(store.bytesUsed, 0);
    });

    test('readBody returns the inclusive byte range asked for', async (t) => {
      const store = await makeStore(t);
      const body = await put(store, 'r', 10_000);
      const entry = await mustGet(store, 'r');
      assert.deepEqual(await readAll(entry.readBody(0, 0)), body.subarray(0, 1));
      assert.deepEqual(await readAll(entry.readBody(5, 9)), body.subarray(5, 10));
      assert.deepEqual(await readAll(entry.readBody(9_990)), body.subarray(9_990));
      assert.deepEqual(await readAll(entry.readBody(9_999, 9_999)), body.subarray(9_999));
      assert.deepEqual(
        await readAll(entry.readBody(100, 50_000)),
        body.subarray(100),
        'end clamps to the body',
      );
      assert.deepEqual(await readAll(entry.readBody(0, 9_999)), body);
    });

    test('entries lists the metadata of every entry', async (t) => {
      const store = await makeStore(t);
      for (const k of ['x', 'y', 'z']) await put(store, k, 10, { tags: [`tag-${k}`] });
      const listed = await metas(store);
      assert.deepEqual(listed.map((m) => m.key).sort(), ['x', 'y', 'z']);
      for (const m of listed) assert.deepEqual([...m.tags], [`tag-${m.key}`]);
      assert.equal(store.entryCount, 3);
    });

    test('an entry already fetched keeps its body after the key is replaced', async (t) => {
      const store = await makeStore(t);
      const body = await put(store, 'v', 2000);
      const old = await mustGet(store, 'v');
      const stream = old.readBody();
      await once(stream, 'readable'); // a disk stream has opened its file (see DiskStore's notes)
      await put(store, 'v', 3000);
      assert.deepEqual(await readAll(stream), body);
    });
  });
}
