/**
 * The reference model for the counters tests: the exact event log, and the documented estimate
 * (src/cluster/counters-window.ts) computed straight from it, bucket by bucket, with none of the
 * implementations' data structures. Shared by the unit, conformance and Redis tests.
 */
import fc from 'fast-check';
import { WAF_EVALUATION_WINDOWS_SECONDS } from '../../../src/cluster/counters.js';

export interface Counted {
  atMs: number;
  by: number;
}

/** Sum of `by` over events in (now - lengthMs, now]: the exact trailing count. */
export function exactCount(log: readonly Counted[], nowMs: number, lengthMs: number): number {
  let sum = 0;
  for (const e of log) if (e.atMs > nowMs - lengthMs && e.atMs <= nowMs) sum += e.by;
  return sum;
}

/** The documented estimate: Σ buckets c-N+1…c, plus the oldest bucket c-N weighted by 1 - f. */
export function documentedEstimate(
  log: readonly Counted[],
  nowMs: number,
  windowMs: number,
  buckets: number,
): number {
  const width = windowMs / buckets;
  const current = Math.floor(nowMs / width);
  let full = 0;
  let oldest = 0;
  for (const e of log) {
    const bucket = Math.floor(e.atMs / width);
    if (bucket > current - buckets && bucket <= current) full += e.by;
    else if (bucket === current - buckets) oldest += e.by;
  }
  const f = (nowMs - current * width) / width;
  return full + Math.floor(oldest * (1 - f));
}

export type Step = { kind: 'increment'; afterMs: number; by: number } | { kind: 'peek'; afterMs: number };

/** A history: a window, a bucket count, and steps at non-decreasing times (gaps up to 1.5 windows). */
export function historyArbitrary(maxSteps = 40) {
  return fc
    .record({
      windowSeconds: fc.constantFrom(...WAF_EVALUATION_WINDOWS_SECONDS),
      buckets: fc.constantFrom(1, 2, 5, 10, 20),
      startMs: fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 0, 1) }),
    })
    .chain(({ windowSeconds, buckets, startMs }) =>
      fc.record({
        windowSeconds: fc.constant(windowSeconds),
        buckets: fc.constant(buckets),
        startMs: fc.constant(startMs),
        steps: fc.array(
          fc.oneof(
            fc.record({
              kind: fc.constant('increment' as const),
              afterMs: gap(windowSeconds),
              by: fc.integer({ min: 1, max: 5 }),
            }),
            fc.record({ kind: fc.constant('peek' as const), afterMs: gap(windowSeconds) }),
          ),
          { minLength: 1, maxLength: maxSteps },
        ),
      }),
    );
}

/** Mostly short gaps (many counts share buckets), sometimes long ones (buckets age out). */
function gap(windowSeconds: number) {
  return fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 2000 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: windowSeconds * 1500 }) },
  );
}
