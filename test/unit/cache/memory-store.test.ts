import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { InvalidationLog } from '../../../src/cache/invalidate.js';
import { MemoryStore, memoryCharge, SLAB_BODY_MAX_BYTES } from '../../../src/cache/memory-store.js';
import { LruMemoryStore } from '../../../src/cache/store-lru.js';
import { type CacheEntry, type CacheEntryMeta, type CacheStore, copyMeta } from '../../../src/cache/types.js';
import { ManualClock } from '../../../src/clock.js';
import { bodyFor, cacheStoreSuite, metaFor } from './store-suite.js';

cacheStoreSuite('MemoryStore', () => new MemoryStore({ budgetBytes: 1024 * 1024 }));

test('get is synchronous and returns the stored entry object itself', () => {
  const store = new MemoryStore({ budgetBytes: 1024 * 1024 });
  const body = bodyFor('a', 100);
  store.put(metaFor('a', 100), body);
  const first = store.get('a');
  assert.ok(first && !(first instanceof Promise));
  assert.equal(store.get('a'), first);
  assert.deepEqual(first.buffer, body);
  const view = first.buffer;
  store.get('a'); // a second hit moves it to the protected segment (its queue shares a field with the view slot)
  assert.equal(first.buffer, view, 'a hot entry hands out the same view, allocating nothing');
});

test('a large owned body is kept without a copy; a small one is copied into a shared slab', () => {
  const store = new MemoryStore({ budgetBytes: 1024 * 1024 });
  const large = bodyFor('large', SLAB_BODY_MAX_BYTES + 1);
  store.put(metaFor('large', large.byteLength), large);
  assert.equal(store.get('large')!.buffer, large);
  const small = bodyFor('small', SLAB_BODY_MAX_BYTES);
  store.put(metaFor('small', small.byteLength), small);
  const view = store.get('small')!.buffer!;
  assert.notEqual(view, small);
  assert.deepEqual(view, small);
  assert.ok(view.buffer.byteLength >= 256 * 1024, 'a view of a slab');
});

test('a body sliced from a larger buffer is copied so the parent is not kept alive', () => {
  const store = new MemoryStore({ budgetBytes: 1024 * 1024 });
  const parent = Buffer.alloc(16384, 1);
  store.put(metaFor('small', 100), parent.subarray(100, 200));
  store.put(metaFor('large', 8000), parent.subarray(100, 8100));
  parent.fill(2);
  assert.deepEqual(store.get('small')!.buffer, Buffer.alloc(100, 1));
  const large = store.get('large')!.buffer!;
  assert.deepEqual(large, Buffer.alloc(8000, 1));
  assert.equal(large.buffer.byteLength, 8000);
});

test('an object larger than 1/8 of the budget is not admitted', () => {
  const store = new MemoryStore({ budgetBytes: 80_000 });
  assert.equal(store.put(metaFor('big', 10_000), bodyFor('big', 10_000)), false);
  assert.equal(store.get('big'), undefined);
  assert.equal(store.put(metaFor('ok', 9_000), bodyFor('ok', 9_000)), true);
  assert.equal(store.put(metaFor('ok', 10_000), bodyFor('ok', 10_000)), false);
  assert.equal(store.get('ok'), undefined, 'an oversized replacement drops the old body too');
  assert.equal(store.bytesUsed, 0);
});

test('the byte budget is never exceeded under random puts, gets, updates and deletes', () => {
  const op = fc.oneof(
    fc.record({
      kind: fc.constant('put' as const),
      key: fc.integer({ min: 0, max: 60 }),
      size: fc.integer({ min: 0, max: 6000 }),
    }),
    fc.record({ kind: fc.constant('get' as const), key: fc.integer({ min: 0, max: 60 }) }),
    fc.record({
      kind: fc.constant('update' as const),
      key: fc.integer({ min: 0, max: 60 }),
      etag: fc.string({ maxLength: 300 }),
    }),
    fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 60 }) }),
  );
  fc.assert(
    fc.property(
      fc.integer({ min: 8_000, max: 100_000 }),
      fc.array(op, { maxLength: 300 }),
      (budgetBytes, ops) => {
        const store = new MemoryStore({ budgetBytes });
        const sizes = new Map<string, number>();
        for (const o of ops) {
          const key = `k${o.key}`;
          if (o.kind === 'put') {
            if (store.put(metaFor(key, o.size), bodyFor(key, o.size))) sizes.set(key, o.size);
            else sizes.delete(key);
          } else if (o.kind === 'get') {
            const entry = store.get(key);
            if (entry) {
              assert.equal(entry.size, sizes.get(key));
              assert.deepEqual(entry.buffer, bodyFor(key, entry.size));
            }
          } else if (o.kind === 'update') {
            store.update(metaFor(key, sizes.get(key) ?? 0, { headers: { etag: o.etag } }));
          } else store.delete(key);
          assert.ok(store.bytesUsed <= budgetBytes, `${store.bytesUsed} > ${budgetBytes}`);
          const listed = [...store.entries()];
          assert.equal(listed.length, store.entryCount);
          const charged = listed.reduce((sum, m) => sum + memoryCharge(m, m.size), 0);
          assert.equal(charged, store.bytesUsed, 'bytesUsed is the sum of the entries kept');
        }
      },
    ),
    { numRuns: 200 },
  );
});

/** Hot keys requested over and over, interleaved with a long scan of one-hit keys. */
function scanTrace(): string[] {
  const trace: string[] = [];
  for (let round = 0; round < 20; round++) for (let h = 0; h < 40; h++) trace.push(`hot${h}`);
  for (let i = 0; i < 5000; i++) {
    trace.push(`scan${i}`);
    if (i % 5 === 0) trace.push(`hot${(i / 5) % 40}`);
  }
  return trace;
}

function hotHitRatio(store: CacheStore, trace: string[]): number {
  let hits = 0;
  let lookups = 0;
  for (const key of trace) {
    const hot = key.startsWith('hot');
    const entry = store.get(key);
    if (hot) lookups++;
    if (entry) {
      if (hot) hits++;
    } else store.put(metaFor(key, 1000), bodyFor(key, 1000));
  }
  return hits / lookups;
}

test('W-TinyLFU keeps the hot set through a scan, where LRU loses it', () => {
  const budgetBytes = 100 * (1000 + memoryCharge(metaFor('hot00', 1000), 0));
  const tinyLfu = hotHitRatio(new MemoryStore({ budgetBytes }), scanTrace());
  const lru = hotHitRatio(new LruMemoryStore({ budgetBytes }), scanTrace());
  assert.ok(tinyLfu > 0.9, `W-TinyLFU hot hit ratio ${tinyLfu}`);
  assert.ok(tinyLfu > lru + 0.2, `W-TinyLFU ${tinyLfu} vs LRU ${lru}`);
});

test('a new hot set takes over once the old one stops being requested (sketch aging)', () => {
  const store = new MemoryStore({ budgetBytes: 50 * 1500 });
  const phase = (prefix: string) => {
    let hits = 0;
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < 30; i++) {
        const key = `${prefix}${i}`;
        if (store.get(key)) hits++;
        else store.put(metaFor(key, 200), bodyFor(key, 200));
      }
    }
    return hits / (200 * 30);
  };
  assert.ok(phase('old') > 0.9);
  assert.ok(phase('new') > 0.8, 'the new set is admitted and served');
});

/** A key laid out as src/cache/key.ts builds it, so the entry can read path and distribution back. */
function keyed(path: string, size: number, overrides: Partial<CacheEntryMeta> = {}): CacheEntryMeta {
  return metaFor(`E2EXAMPLE\n${path.length}:${path}`, size, { path, ...overrides });
}

test('every field reads back exactly: timestamps past 2^31, storedSeq, status, size, key-derived path', () => {
  const store = new MemoryStore({ budgetBytes: 1024 * 1024 });
  const now = 1_767_225_600_123.5;
  const meta = keyed('/a/b.png', 300, {
    status: 206,
    storedAtMs: now,
    freshUntilMs: now + 31_536_000_000,
    staleWhileRevalidateUntilMs: now + 31_536_000_001,
    staleIfErrorUntilMs: now + 31_536_000_002,
    storedSeq: Math.floor(now) * 1024 + 1023,
  });
  store.put(meta, bodyFor('x', 300));
  const entry = store.get(meta.key)!;
  for (const field of [
    'key',
    'distributionId',
    'path',
    'status',
    'size',
    'storedAtMs',
    'freshUntilMs',
    'staleWhileRevalidateUntilMs',
    'staleIfErrorUntilMs',
    'storedSeq',
  ] as const) {
    assert.equal(entry[field], meta[field], field);
  }
  assert.equal(entry.headers, meta.headers);
  assert.deepEqual(entry.tags, []);
});

test('copyMeta carries every metadata field of a compact entry (as revalidate.ts copies a stale entry)', () => {
  const store = new MemoryStore({ budgetBytes: 1024 * 1024 });
  const meta = keyed('/s', 10, { tags: ['t'], storedSeq: 77 });
  store.put(meta, bodyFor('s', 10));
  const copy = copyMeta(store.get(meta.key)! as CacheEntry) as unknown as Record<string, unknown>;
  for (const [field, value] of Object.entries(meta)) assert.deepEqual(copy[field], value, field);
});

test('distribution id and path are kept when the key does not carry them, and tags when there are any', () => {
  const store = new MemoryStore({ budgetBytes: 1024 * 1024 });
  const cases = [
    metaFor('plain', 10, { distributionId: 'E1', path: '/p' }),
    keyed('/other', 10, { path: '/not-the-key-path' }),
    keyed('/d', 10, { distributionId: 'E2OTHER' }),
    keyed('/tagged', 10, { tags: ['a', 'b'] }),
    metaFor('E2EXAMPLE\n99:/short', 10, { path: '/short' }),
  ];
  for (const meta of cases) store.put(meta, bodyFor(meta.key, 10));
  for (const meta of cases) {
    const entry = store.get(meta.key)!;
    assert.equal(entry.distributionId, meta.distributionId, meta.key);
    assert.equal(entry.path, meta.path, meta.key);
    assert.deepEqual([...entry.tags], meta.tags, meta.key);
    assert.equal(memoryCharge(entry, entry.size), memoryCharge(meta, 10), 'the charge is recomputable');
  }
});

test('a derived entry is charged less than one that keeps its path, and small bodies less than large', () => {
  const derived = memoryCharge(keyed('/x', 100), 100);
  const kept = memoryCharge(metaFor('/x', 100, { path: '/x' }), 100);
  assert.ok(derived < kept);
  // Up to the largest slab body, the slab (with its allowance for dead bytes) is the cheaper home.
  const small = memoryCharge(keyed('/x', SLAB_BODY_MAX_BYTES), SLAB_BODY_MAX_BYTES) - SLAB_BODY_MAX_BYTES;
  const large =
    memoryCharge(keyed('/x', SLAB_BODY_MAX_BYTES + 1), SLAB_BODY_MAX_BYTES + 1) - SLAB_BODY_MAX_BYTES;
  assert.ok(small < large, `${small} < ${large}`);
});

test('update keeps storedSeq, status and a small body; the old entry is unchanged for its readers', () => {
  const store = new MemoryStore({ budgetBytes: 1024 * 1024 });
  const meta = keyed('/u', 500, { storedSeq: 10 });
  const body = bodyFor('u', 500);
  store.put(meta, body);
  const old = store.get(meta.key)!;
  const oldView = old.buffer!;
  store.update({ ...meta, freshUntilMs: 123_000, storedSeq: 20, headers: { etag: '"2"' } });
  const fresh = store.get(meta.key)!;
  assert.notEqual(fresh, old);
  assert.equal(fresh.storedSeq, 20);
  assert.equal(fresh.freshUntilMs, 123_000);
  assert.deepEqual(fresh.buffer, body);
  assert.equal(old.storedSeq, 10);
  assert.equal(old.freshUntilMs, meta.freshUntilMs);
  assert.deepEqual(old.headers, meta.headers);
  assert.deepEqual(oldView, body);
});

test('bodies handed out stay intact while evictions and slab compaction churn the store (#3)', () => {
  const budgetBytes = 2 * 1024 * 1024;
  const store = new MemoryStore({ budgetBytes });
  const held: { entry: CacheEntry; view: Buffer; body: Buffer }[] = [];
  const hot = keyed('/hot', 700);
  const hotBody = bodyFor('hot', 700);
  store.put(hot, hotBody);
  for (let i = 0; i < 30_000; i++) {
    const size = (i * 37) % 3000;
    const meta = keyed(`/o/${i}`, size);
    store.put(meta, bodyFor(meta.key, size));
    if (i % 3 === 0) store.get(keyed(`/o/${i - 3}`, 0).key);
    const entry = store.get(hot.key) as CacheEntry | undefined;
    if (entry && i % 1000 === 0) held.push({ entry, view: entry.buffer!, body: hotBody });
    if (i % 997 === 0) {
      const e = store.get(meta.key) as CacheEntry | undefined;
      if (e) held.push({ entry: e, view: e.buffer!, body: bodyFor(meta.key, size) });
    }
    assert.ok(store.bytesUsed <= budgetBytes);
  }
  assert.ok(store.slabs.movedRecords > 0, 'compaction ran');
  assert.ok(held.length > 10);
  for (const { entry, view, body } of held) {
    assert.deepEqual(view, body, 'a view handed out never changes');
    assert.deepEqual(entry.buffer, body, 'an entry read again, evicted or moved, has the same body');
  }
  const hotNow = store.get(hot.key);
  if (hotNow) assert.deepEqual(hotNow.buffer, hotBody);
});

test('the slabs hold at most the charged bytes plus a few slabs', () => {
  const budgetBytes = 4 * 1024 * 1024;
  const store = new MemoryStore({ budgetBytes });
  for (let i = 0; i < 50_000; i++) {
    const size = (i * 53) % 2000;
    const meta = keyed(`/o/${i % 7000}`, size);
    if (!store.get(meta.key)) store.put(meta, bodyFor(meta.key, size));
    if (i % 5 === 0) store.delete(keyed(`/o/${(i * 7) % 7000}`, 0).key);
  }
  assert.ok(store.slabs.memoryBytes <= store.bytesUsed + 3 * store.slabs.slabBytes);
});

test('clear empties the slabs too', () => {
  const store = new MemoryStore({ budgetBytes: 1024 * 1024 });
  for (let i = 0; i < 100; i++) store.put(keyed(`/c/${i}`, 100), bodyFor('c', 100));
  const kept = store.get(keyed('/c/5', 100).key)!;
  store.clear();
  assert.equal(store.slabs.slabCount, 0);
  assert.deepEqual(kept.buffer, bodyFor('c', 100), 'an entry fetched before clear still reads');
  store.put(keyed('/c/5', 10), bodyFor('d', 10));
  assert.deepEqual(store.get(keyed('/c/5', 10).key)!.buffer, bodyFor('d', 10));
});

test('a response fetched before an invalidation and stored after it is dead (storedSeq is kept)', () => {
  const clock = new ManualClock();
  const log = new InvalidationLog(clock);
  const store = new MemoryStore({ budgetBytes: 1024 * 1024 });
  const requestSeq = log.sequence(); // the origin request goes out
  clock.advance(1);
  log.invalidatePaths('E2EXAMPLE', ['/page']);
  clock.advance(1);
  const meta = keyed('/page', 10, { storedAtMs: clock.now(), storedSeq: requestSeq });
  store.put(meta, bodyFor('page', 10)); // the response arrives after the invalidation
  const entry = store.get(meta.key)!;
  assert.equal(entry.storedSeq, requestSeq);
  assert.equal(log.isInvalidated(entry), true);
  // And one whose request went out after the invalidation lives, path read back from the key.
  const later = keyed('/page', 10, { storedAtMs: clock.now(), storedSeq: log.sequence() });
  store.put(later, bodyFor('page', 10));
  assert.equal(log.isInvalidated(store.get(later.key)!), false);
});

test('an entry read after it left the store still has its body, but its view is not kept', () => {
  const store = new MemoryStore({ budgetBytes: 1024 * 1024 });
  const meta = keyed('/gone', 100);
  store.put(meta, bodyFor('gone', 100));
  const entry = store.get(meta.key)!;
  const hot = entry.buffer;
  assert.equal(entry.buffer, hot);
  store.delete(meta.key);
  const after = entry.buffer!;
  assert.deepEqual(after, bodyFor('gone', 100));
  assert.notEqual(entry.buffer, after, 'a new view per read: the view cache does not hold removed entries');
});
