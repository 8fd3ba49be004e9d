import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  FrequencySketch,
  hashKey,
  type PolicyNode,
  QUEUE_NONE,
  QUEUE_PROBATION,
  QUEUE_PROTECTED,
  QUEUE_WINDOW,
  WTinyLfu,
} from '../../../src/cache/admission.js';

test('hashKey is stable and spreads similar keys', () => {
  assert.equal(hashKey('/a'), hashKey('/a'));
  const seen = new Set<number>();
  for (let i = 0; i < 10_000; i++) seen.add(hashKey(`/img/${i}.png`));
  assert.equal(seen.size, 10_000);
});

test('the sketch counts accesses up to 15', () => {
  const sketch = new FrequencySketch(1024);
  const h = hashKey('k');
  assert.equal(sketch.frequency(h), 0);
  for (let i = 0; i < 5; i++) sketch.increment(h);
  assert.equal(sketch.frequency(h), 5);
  for (let i = 0; i < 50; i++) sketch.increment(h);
  assert.equal(sketch.frequency(h), 15);
});

test('the sketch halves its counters after 10 × width additions (aging)', () => {
  const sketch = new FrequencySketch(64);
  const hot = hashKey('hot');
  for (let i = 0; i < 12; i++) sketch.increment(hot);
  sketch.age();
  assert.equal(sketch.frequency(hot), 6);
  for (let i = 0; i < 10 * sketch.width; i++) sketch.increment(hashKey(`noise${i}`));
  assert.ok(sketch.frequency(hot) < 6, 'aged again by the sample');
});

interface Node extends PolicyNode {
  key: string;
}
const node = (key: string, charge = 10): Node => ({
  key,
  hash: hashKey(key),
  charge,
  queue: QUEUE_NONE,
  prev: null,
  next: null,
});

test('new entries enter the window; a hit in probation promotes to protected', () => {
  const evicted: string[] = [];
  const policy = new WTinyLfu<Node>(1000, (n) => evicted.push(n.key), { windowRatio: 0.005 });
  const a = node('a');
  const b = node('b');
  assert.equal(policy.add(a), true);
  assert.equal(a.queue, QUEUE_PROBATION, 'a 10-byte window overflows straight to probation');
  policy.add(b);
  policy.onHit(a);
  assert.equal(a.queue, QUEUE_PROTECTED);
  assert.equal(policy.bytes, 20);
  policy.remove(a);
  assert.equal(policy.bytes, 10);
  assert.equal(policy.size, 1);
  assert.deepEqual(evicted, []);
  const w = new WTinyLfu<Node>(1000, () => {}, { windowRatio: 0.5 });
  const c = node('c');
  w.add(c);
  assert.equal(c.queue, QUEUE_WINDOW);
});

test('a candidate less popular than the victim is rejected, a more popular one admitted', () => {
  const evicted: string[] = [];
  const policy = new WTinyLfu<Node>(100, (n) => evicted.push(n.key), { windowRatio: 0.01 });
  const residents = Array.from({ length: 10 }, (_, i) => node(`r${i}`));
  for (const r of residents) {
    policy.recordAccess(r.hash);
    policy.recordAccess(r.hash);
    policy.add(r);
  }
  assert.equal(policy.bytes, 100);
  const cold = node('cold');
  policy.recordAccess(cold.hash);
  assert.equal(policy.add(cold), false);
  assert.deepEqual(evicted, []);
  const hot = node('hot');
  for (let i = 0; i < 5; i++) policy.recordAccess(hot.hash);
  assert.equal(policy.add(hot), true);
  assert.deepEqual(evicted, ['r0'], 'the probation LRU is the victim');
  assert.equal(policy.bytes, 100);
});
