import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../../src/clock.js';
import { MemoryCounters } from '../../../src/cluster/counters-memory.js';
import { countersSuite } from './counters-suite.js';

countersSuite('MemoryCounters', (_t, options) => new MemoryCounters(options));

const T0 = Date.UTC(2026, 0, 1);

test('without nowMs the injected clock is the time', async () => {
  const clock = new ManualClock(T0);
  const counters = new MemoryCounters({ clock, buckets: 10 });
  assert.equal(await counters.increment('k', 60, { by: 10 }), 10);
  clock.advance(63);
  assert.equal(await counters.peek('k', 60), 5);
  clock.advance(3);
  assert.equal(await counters.increment('k', 60), 1);
});

test('expired counters are reclaimed as time passes, without any timer', () => {
  const clock = new ManualClock(T0);
  const counters = new MemoryCounters({ clock });
  for (let i = 0; i < 500; i++) counters.incrementSync(`ip-${i}`, 60);
  for (let i = 0; i < 100; i++) counters.incrementSync(`other-${i}`, 600);
  assert.equal(counters.size, 600);
  clock.advance(60 + 6); // the 60 s counters have expired, the 600 s ones have not
  for (let i = 0; i < 50; i++) counters.incrementSync('busy', 60);
  assert.equal(counters.size, 100 + 1, 'the expired 60 s counters are gone');
  clock.advance(600 + 60);
  for (let i = 0; i < 10; i++) counters.incrementSync('busy', 60);
  assert.equal(counters.size, 1);
});

test('a flood of distinct keys is capped at maxKeys; the least recently counted go first', () => {
  const clock = new ManualClock(T0);
  const counters = new MemoryCounters({ clock, maxKeys: 100 });
  counters.incrementSync('victim-of-age', 60);
  clock.advance(1);
  counters.incrementSync('kept', 600, { by: 5 });
  for (let i = 0; i < 10_000; i++) {
    counters.incrementSync(`flood-${i}`, 60);
    if (i % 1000 === 0) counters.incrementSync('kept', 600); // recently counted: kept
  }
  assert.equal(counters.size, 100);
  assert.equal(counters.peekSync('victim-of-age', 60), 0);
  assert.equal(counters.peekSync('kept', 600), 15);
  assert.equal(counters.peekSync('flood-9999', 60), 1);
  assert.equal(counters.peekSync('flood-0', 60), 0);
});

test('a bucket count or maxKeys out of range is refused at construction', () => {
  assert.throws(() => new MemoryCounters({ buckets: 0 }), RangeError);
  assert.throws(() => new MemoryCounters({ maxKeys: 0 }), RangeError);
});
