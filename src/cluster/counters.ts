/**
 * Shared counters: how many times something happened in a trailing window, counted by every
 * edgefront node together (RedisCounters) or by one process alone (MemoryCounters). Built for
 * rate-based rules in the way AWS WAF describes them: an evaluation window looking back from
 * now (60, 120, 300 or 600 s), a limit per aggregation instance, and an approximate count that
 * weights recent requests more (README "Shared counters"; the window math is counters-window.ts).
 */

export {
  DEFAULT_BUCKETS,
  WAF_EVALUATION_WINDOWS_SECONDS,
} from './counters-window.js';

export interface CountOptions {
  /** How much to add (a positive integer); 1 unless given. */
  by?: number;
  /**
   * The time to count at, in ms since the epoch. Omitted: the implementation's clock (for
   * RedisCounters, the Redis server's TIME unless a clock was configured). Tests pass it.
   */
  nowMs?: number;
}

export interface Counters {
  /**
   * Adds to `key`'s count in its trailing window of `windowSeconds` and returns the estimated
   * count in that window, this addition included. One counter per (key, windowSeconds).
   * Rejects with CountersUnavailableError when the count cannot be taken; the caller decides
   * whether that fails open or closed.
   */
  increment(key: string, windowSeconds: number, options?: CountOptions): Promise<number>;
  /** The estimate `increment` would return before adding anything; changes nothing. */
  peek(key: string, windowSeconds: number, options?: Pick<CountOptions, 'nowMs'>): Promise<number>;
}

export type CountersFailure =
  /** The connection is not ready (never connected, reconnecting, or closed): nothing was sent. */
  | 'NotConnected'
  /** Sent, but the connection was lost before the reply: the count may or may not have been added. */
  | 'ConnectionLost'
  /** No reply within the configured timeout (a hung or overloaded server): may have been added. */
  | 'Timeout'
  /** The server answered with an error (out of memory, read-only replica, wrong key type…). */
  | 'RedisError';

/**
 * A count could not be taken. Thrown fast (nothing queued); `reason` says whether the addition
 * may still have happened, `cause` keeps the client's own error.
 */
export class CountersUnavailableError extends Error {
  override name = 'CountersUnavailableError';
  readonly code = 'CountersUnavailable';
  constructor(
    readonly reason: CountersFailure,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * One counter key from several parts, e.g. a rule name and an aggregation instance's values
 * (WAF custom keys: IP, HTTP method, a header…). Each part is percent-encoded, so the parts can
 * hold any text and different tuples never collide: ('a|b', 'c') and ('a', 'b|c') differ.
 */
export function counterKey(...parts: readonly string[]): string {
  return parts.map(encodeURIComponent).join('|');
}
