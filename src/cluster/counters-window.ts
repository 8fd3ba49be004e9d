/**
 * The window math every Counters implementation shares: a trailing window of `windowMs`
 * approximated by `buckets` fixed sub-buckets of `widthMs` each (README "Shared counters").
 *
 * Bucket `b` holds what was counted in [b·width, (b+1)·width). At time `now` the current bucket is
 * `c = floor(now / width)`; buckets c-N+1 … c lie wholly inside the trailing window
 * (now - windowMs, now], and bucket c-N straddles its start: the fraction `1 - f` of it is still
 * inside, where `f = (now - c·width) / width` is how far `now` is into the current bucket. The
 * estimate weights that oldest bucket by `1 - f` (the sliding-window estimate; with one bucket it is
 * the classic two-window weighted count) and rounds down:
 *
 *   estimate = Σ count[c-N+1 … c] + floor(count[c-N] · (1 - f))
 *
 * Guarantees (tested in test/unit/cluster/counters-window.test.ts): never negative; an increment
 * raises it by exactly its amount; with no new counts it never rises; it is exact when the oldest
 * bucket is empty, and otherwise off by less than that bucket's count, so
 * exact(windowMs - widthMs) ≤ estimate ≤ exact(windowMs + widthMs).
 *
 * counters-redis.ts runs the same arithmetic in Lua, operation for operation, so both
 * implementations return the same numbers for the same history.
 */

/** AWS WAF's rate-based rule evaluation windows (EvaluationWindowSec); 300 is its default. */
export const WAF_EVALUATION_WINDOWS_SECONDS = [60, 120, 300, 600] as const;

/** Sub-buckets per window unless configured: see the measured error table in src/cluster/README.md. */
export const DEFAULT_BUCKETS = 10;

export const MAX_WINDOW_SECONDS = 86_400;
export const MAX_BUCKETS = 100;

export interface WindowShape {
  readonly windowMs: number;
  readonly buckets: number;
  readonly widthMs: number;
}

/**
 * Checks a window and bucket count (a caller's programming error throws a RangeError: these come
 * from validated config, never from a viewer) and returns the bucket width.
 */
export function windowShape(windowSeconds: number, buckets: number): WindowShape {
  if (!Number.isInteger(windowSeconds) || windowSeconds < 1 || windowSeconds > MAX_WINDOW_SECONDS) {
    throw new RangeError(
      `windowSeconds must be an integer from 1 to ${MAX_WINDOW_SECONDS}, got ${windowSeconds}`,
    );
  }
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > MAX_BUCKETS) {
    throw new RangeError(`buckets must be an integer from 1 to ${MAX_BUCKETS}, got ${buckets}`);
  }
  const windowMs = windowSeconds * 1000;
  if (windowMs % buckets !== 0) {
    throw new RangeError(`${windowSeconds} s does not split into ${buckets} whole-millisecond buckets`);
  }
  return { windowMs, buckets, widthMs: windowMs / buckets };
}

/** An amount to add: a positive safe integer. */
export function checkAmount(by: number): number {
  if (!Number.isSafeInteger(by) || by < 1) throw new RangeError(`by must be a positive integer, got ${by}`);
  return by;
}

/** A time in ms since the epoch: a non-negative safe integer. */
export function checkNowMs(nowMs: number): number {
  if (!Number.isSafeInteger(nowMs) || nowMs < 0) {
    throw new RangeError(`nowMs must be a non-negative integer (ms since the epoch), got ${nowMs}`);
  }
  return nowMs;
}

export function bucketOf(nowMs: number, shape: WindowShape): number {
  return Math.floor(nowMs / shape.widthMs);
}

/**
 * The estimate from the counts already split by bucket age: `full` is the sum of buckets
 * c-N+1 … c, `oldest` the count of bucket c-N. Same operations, in the same order, as the Lua.
 */
export function combine(full: number, oldest: number, nowMs: number, shape: WindowShape): number {
  const current = bucketOf(nowMs, shape);
  const f = (nowMs - current * shape.widthMs) / shape.widthMs;
  return full + Math.floor(oldest * (1 - f));
}

/** When a counter whose newest bucket is `newest` stops contributing: its key can go then. */
export function expiresAtMs(newest: number, shape: WindowShape): number {
  return (newest + 1) * shape.widthMs + shape.windowMs;
}
