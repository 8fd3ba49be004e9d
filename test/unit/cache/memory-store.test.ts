import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MemoryStore, memoryCharge } from '../../../src/cache/memory-store.js';
import { LruMemoryStore } from '../../../src/cache/store-lru.js';
import type { CacheStore } from '../../../src/cache/types.js';
import { bodyFor, cacheStoreSuite, metaFor } from './store-suite.js';

cacheStoreSuite('MemoryStore', () => new MemoryStore({ budgetBytes: 1024 * 1024 }));

test('get is synchronous and returns the stored entry object itself', () => {
  const store = new MemoryStore({ budgetBytes: 1024 * 1024 });
  const body = bodyFor('a', 100);
  store.put(metaFor('a', 100), body);
  const first = store.get('a');
  assert.ok(first && !(first instanceof Promise));
  assert.equal(store.get('a'), first);
  assert.equal(first.buffer, body, 'an owned body is kept without a copy');
});

test('a body sliced from a larger buffer is copied so the parent is not kept alive', () => {
  const store = new MemoryStore({ budgetBytes: 1024 * 1024 });
  const parent = Buffer.alloc(8192, 1);
  store.put(metaFor('a', 100), parent.subarray(100, 200));
  const entry = store.get('a')!;
  assert.equal(entry.buffer!.buffer.byteLength, 100);
  assert.deepEqual(entry.buffer, parent.subarray(100, 200));
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
