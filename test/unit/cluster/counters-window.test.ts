import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { counterKey, WAF_EVALUATION_WINDOWS_SECONDS } from '../../../src/cluster/counters.js';
import { combine, DEFAULT_BUCKETS, expiresAtMs, windowShape } from '../../../src/cluster/counters-window.js';
import { documentedEstimate } from './counters-reference.js';

test("AWS WAF's evaluation windows split into whole-millisecond buckets at the default bucket count", () => {
  assert.deepEqual(WAF_EVALUATION_WINDOWS_SECONDS, [60, 120, 300, 600]);
  for (const seconds of WAF_EVALUATION_WINDOWS_SECONDS) {
    const shape = windowShape(seconds, DEFAULT_BUCKETS);
    assert.equal(shape.widthMs * shape.buckets, seconds * 1000);
  }
  assert.deepEqual(windowShape(60, 10), { windowMs: 60_000, buckets: 10, widthMs: 6000 });
});

test('a window or bucket count out of range is a RangeError naming the problem', () => {
  assert.throws(() => windowShape(0, 10), /windowSeconds must be an integer from 1/);
  assert.throws(() => windowShape(86_401, 10), RangeError);
  assert.throws(() => windowShape(60.5, 10), RangeError);
  assert.throws(() => windowShape(60, 0), /buckets must be an integer/);
  assert.throws(() => windowShape(60, 101), RangeError);
  assert.throws(() => windowShape(1, 3), /does not split into 3 whole-millisecond buckets/);
});

test('combine: full buckets count whole, the oldest by the share of it still in the window, rounded down', () => {
  const shape = windowShape(60, 10); // 6 s buckets
  const bucketStart = 6000 * 1000;
  assert.equal(combine(5, 10, bucketStart, shape), 15, 'at a bucket edge the oldest is wholly inside');
  assert.equal(combine(5, 10, bucketStart + 3000, shape), 10, 'halfway: half of it');
  assert.equal(combine(5, 10, bucketStart + 5999, shape), 5, 'almost gone: floor(10/6000)');
  assert.equal(combine(0, 0, bucketStart + 1234, shape), 0);
});

test('a counter expires one window after the end of its newest bucket', () => {
  const shape = windowShape(60, 10);
  assert.equal(expiresAtMs(100, shape), 101 * 6000 + 60_000);
  // ...when a count in that bucket has faded out: whole one bucket before, half-way, then gone
  const log = [{ atMs: 100 * 6000 + 5999, by: 9 }];
  const end = expiresAtMs(100, shape);
  assert.equal(documentedEstimate(log, end - 6000, 60_000, 10), 9);
  assert.equal(documentedEstimate(log, end - 3000, 60_000, 10), 4);
  assert.equal(documentedEstimate(log, end, 60_000, 10), 0);
});

test('counterKey: different tuples of parts never make the same key', () => {
  fc.assert(
    fc.property(fc.array(fc.string(), { maxLength: 4 }), fc.array(fc.string(), { maxLength: 4 }), (a, b) => {
      fc.pre(a.length > 0 && b.length > 0 && JSON.stringify(a) !== JSON.stringify(b));
      assert.notEqual(counterKey(...a), counterKey(...b));
    }),
    { numRuns: 2000 },
  );
  assert.equal(counterKey('rate-rule-1', '192.0.2.44', 'GET'), 'rate-rule-1|192.0.2.44|GET');
});
