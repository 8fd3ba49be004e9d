/**
 * One conformance suite for every Counters implementation (STYLE.md §6): run by
 * counters-memory.test.ts and by test/blackbox/cluster/counters-redis.test.ts against a real
 * redis-server. Time is always passed in (`nowMs`), never slept on.
 */
import assert from 'node:assert/strict';
import { describe, type TestContext, test } from 'node:test';
import fc from 'fast-check';
import { type Counters, counterKey } from '../../../src/cluster/counters.js';
import { type Counted, documentedEstimate, exactCount, historyArbitrary } from './counters-reference.js';

export type MakeCounters = (t: TestContext, options: { buckets?: number }) => Counters | Promise<Counters>;

/** 2026-01-01T00:00:00Z: a multiple of every bucket width used here, so bucket edges are easy to name. */
const T0 = Date.UTC(2026, 0, 1);

export function countersSuite(
  name: string,
  make: MakeCounters,
  options: { propertyRuns?: number } = {},
): void {
  describe(`${name}: Counters conformance`, () => {
    test('a new key counts from zero and each increment returns the count including itself', async (t) => {
      const counters = await make(t, {});
      assert.equal(await counters.peek('k', 60, { nowMs: T0 }), 0);
      assert.equal(await counters.increment('k', 60, { nowMs: T0 }), 1);
      assert.equal(await counters.increment('k', 60, { nowMs: T0 + 1 }), 2);
      assert.equal(await counters.increment('k', 60, { nowMs: T0 + 59_999 }), 3);
      assert.equal(await counters.peek('k', 60, { nowMs: T0 + 59_999 }), 3);
    });

    test('by adds its amount', async (t) => {
      const counters = await make(t, {});
      assert.equal(await counters.increment('k', 300, { by: 7, nowMs: T0 }), 7);
      assert.equal(await counters.increment('k', 300, { by: 1000, nowMs: T0 + 10 }), 1007);
    });

    test('keys, and windows of one key, are separate counters', async (t) => {
      const counters = await make(t, {});
      await counters.increment('a', 60, { by: 3, nowMs: T0 });
      await counters.increment('b', 60, { by: 5, nowMs: T0 });
      await counters.increment('a', 600, { by: 11, nowMs: T0 });
      assert.equal(await counters.peek('a', 60, { nowMs: T0 }), 3);
      assert.equal(await counters.peek('b', 60, { nowMs: T0 }), 5);
      assert.equal(await counters.peek('a', 600, { nowMs: T0 }), 11);
      assert.equal(await counters.peek('a', 120, { nowMs: T0 }), 0);
    });

    test('keys holding braces, separators, percent signs or any text stay distinct', async (t) => {
      const counters = await make(t, {});
      const keys = [
        'a{b}',
        'a%7Bb%7D',
        '{}',
        '',
        'ключ',
        counterKey('a|b', 'c'),
        counterKey('a', 'b|c'),
        '%',
      ];
      for (const [i, key] of keys.entries()) await counters.increment(key, 60, { by: i + 1, nowMs: T0 });
      for (const [i, key] of keys.entries())
        assert.equal(await counters.peek(key, 60, { nowMs: T0 }), i + 1, key);
    });

    test('peek changes nothing', async (t) => {
      const counters = await make(t, {});
      assert.equal(await counters.peek('k', 60, { nowMs: T0 }), 0);
      assert.equal(await counters.peek('k', 60, { nowMs: T0 }), 0);
      assert.equal(await counters.increment('k', 60, { nowMs: T0 }), 1);
      assert.equal(await counters.peek('k', 60, { nowMs: T0 + 1 }), 1);
      assert.equal(await counters.increment('k', 60, { nowMs: T0 + 2 }), 2);
    });

    test('the oldest bucket fades out linearly as the window slides past it (60 s, 10 buckets of 6 s)', async (t) => {
      const counters = await make(t, { buckets: 10 });
      await counters.increment('k', 60, { by: 10, nowMs: T0 + 1000 }); // bucket [T0, T0+6 s)
      await counters.increment('k', 60, { by: 4, nowMs: T0 + 30_000 });
      const at = (ms: number) => counters.peek('k', 60, { nowMs: T0 + ms });
      assert.equal(await at(59_999), 14, 'both inside the window');
      assert.equal(await at(60_000), 14, 'the first bucket is now the oldest, weighted 1 - 0/6');
      assert.equal(await at(61_500), 4 + 7, 'weighted 1 - 1.5/6 = 0.75: floor(7.5)');
      assert.equal(await at(63_000), 4 + 5, 'half of it');
      assert.equal(await at(65_999), 4 + 0, 'floor(10 · 1/6000)');
      assert.equal(await at(66_000), 4, 'gone');
      assert.equal(await at(89_999), 4);
      assert.equal(await at(96_000), 0, 'a bucket is gone one window and one bucket after it began');
    });

    test('with one bucket the estimate is the two-window weighted count', async (t) => {
      const counters = await make(t, { buckets: 1 });
      await counters.increment('k', 60, { by: 100, nowMs: T0 + 59_000 }); // previous window
      await counters.increment('k', 60, { by: 20, nowMs: T0 + 75_000 }); // current window, 25% in
      assert.equal(await counters.peek('k', 60, { nowMs: T0 + 75_000 }), 20 + 75);
      assert.equal(await counters.increment('k', 60, { nowMs: T0 + 90_000 }), 21 + 50);
    });

    test('a counter that went quiet for a window and one bucket starts again from zero', async (t) => {
      const counters = await make(t, { buckets: 5 });
      await counters.increment('k', 120, { by: 50, nowMs: T0 });
      assert.equal(await counters.increment('k', 120, { nowMs: T0 + 120_000 + 24_000 }), 1);
    });

    test('invalid arguments are refused with a RangeError, not counted', async (t) => {
      const counters = await make(t, {});
      await assert.rejects(counters.increment('k', 0, { nowMs: T0 }), RangeError);
      await assert.rejects(counters.increment('k', 1.5, { nowMs: T0 }), RangeError);
      await assert.rejects(counters.increment('k', 86_401, { nowMs: T0 }), RangeError);
      await assert.rejects(counters.increment('k', 60, { by: 0, nowMs: T0 }), RangeError);
      await assert.rejects(counters.increment('k', 60, { by: 1.5, nowMs: T0 }), RangeError);
      await assert.rejects(counters.increment('k', 60, { nowMs: -1 }), RangeError);
      await assert.rejects(counters.peek('k', 60, { nowMs: Number.NaN }), RangeError);
      assert.equal(await counters.peek('k', 60, { nowMs: T0 }), 0);
    });

    test('any history: the documented estimate, between the exact counts of window ± one bucket', async (t) => {
      const perRun: Counters[] = [];
      await fc.assert(
        fc.asyncProperty(historyArbitrary(), async ({ windowSeconds, buckets, startMs, steps }) => {
          const counters = await make(t, { buckets });
          perRun.push(counters);
          const windowMs = windowSeconds * 1000;
          const widthMs = windowMs / buckets;
          const log: Counted[] = [];
          const key = `run-${perRun.length}`;
          let now = startMs;
          let previous: number | undefined; // the last result, while nothing was added since
          for (const step of steps) {
            now += step.afterMs;
            const before = await counters.peek(key, windowSeconds, { nowMs: now });
            let result = before;
            if (step.kind === 'increment') {
              result = await counters.increment(key, windowSeconds, { by: step.by, nowMs: now });
              assert.equal(result, before + step.by, 'an increment adds exactly its amount');
              log.push({ atMs: now, by: step.by });
              previous = undefined;
            } else if (previous !== undefined) {
              assert.ok(result <= previous, 'with nothing added, the count never rises');
            }
            if (step.kind === 'peek') previous = result;
            assert.ok(result >= 0);
            assert.equal(result, documentedEstimate(log, now, windowMs, buckets));
            assert.ok(exactCount(log, now, windowMs - widthMs) <= result, 'at least exact(window - bucket)');
            assert.ok(result <= exactCount(log, now, windowMs + widthMs), 'at most exact(window + bucket)');
          }
          const quiet = now + windowMs + widthMs;
          assert.equal(await counters.peek(key, windowSeconds, { nowMs: quiet }), 0, 'all decayed');
        }),
        { numRuns: options.propertyRuns ?? 200 },
      );
    });
  });
}
