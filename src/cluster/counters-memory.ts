/**
 * Counters in one process, for single-node mode (no Redis): the same window math and the same
 * numbers as RedisCounters for the same history.
 *
 * Memory is bounded two ways. Expired counters are reclaimed as time passes: each window has its
 * own Map kept in last-counted order (a counted key is moved to the end), so with a clock that
 * does not go back the Map is also in expiry order and the expired ones are at its head, removed
 * a few per call. And at most `maxKeys` counters are kept: past it the least recently counted one
 * is forgotten (its count starts again from zero), so a flood of distinct keys costs bounded memory.
 */
import { type Clock, systemClock } from '../clock.js';
import type { Counters, CountOptions } from './counters.js';
import {
  bucketOf,
  checkAmount,
  checkNowMs,
  combine,
  DEFAULT_BUCKETS,
  expiresAtMs,
  type WindowShape,
  windowShape,
} from './counters-window.js';

export interface MemoryCountersOptions {
  clock?: Clock;
  /** Sub-buckets per window (counters-window.ts); DEFAULT_BUCKETS unless given. */
  buckets?: number;
  /** Counters kept at most, over all windows; 100,000 unless given. */
  maxKeys?: number;
}

/** Expired counters removed per call at most, so a mass expiry never stalls one request. */
const SWEEP_PER_CALL = 32;

/** One counter: a ring of N+1 buckets, slot = bucket mod (N+1), each slot tagged with its bucket. */
interface Ring {
  readonly bucket: number[];
  readonly count: number[];
  expiresAtMs: number;
}

interface WindowCounters {
  readonly shape: WindowShape;
  readonly rings: Map<string, Ring>;
}

export class MemoryCounters implements Counters {
  readonly #clock: Clock;
  readonly #buckets: number;
  readonly #maxKeys: number;
  readonly #windows = new Map<number, WindowCounters>();
  #size = 0;

  constructor(options: MemoryCountersOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#buckets = options.buckets ?? DEFAULT_BUCKETS;
    this.#maxKeys = options.maxKeys ?? 100_000;
    if (!Number.isSafeInteger(this.#maxKeys) || this.#maxKeys < 1) {
      throw new RangeError(`maxKeys must be a positive integer, got ${options.maxKeys}`);
    }
    windowShape(60, this.#buckets); // rejects a bucket count that is out of range
  }

  /** Counters held now (expired ones not yet reclaimed included). */
  get size(): number {
    return this.#size;
  }

  async increment(key: string, windowSeconds: number, options: CountOptions = {}): Promise<number> {
    return this.incrementSync(key, windowSeconds, options);
  }

  async peek(key: string, windowSeconds: number, options: Pick<CountOptions, 'nowMs'> = {}): Promise<number> {
    return this.peekSync(key, windowSeconds, options);
  }

  /** `increment` without the promise, for a caller on the hot path that knows it has no Redis. */
  incrementSync(key: string, windowSeconds: number, options: CountOptions = {}): number {
    const by = checkAmount(options.by ?? 1);
    const nowMs = checkNowMs(options.nowMs ?? this.#clock.now());
    const window = this.#window(windowSeconds);
    this.#sweep(nowMs);
    const { shape, rings } = window;
    const current = bucketOf(nowMs, shape);
    let ring = rings.get(key);
    if (ring) {
      rings.delete(key); // re-inserted below: the Map stays in last-counted order
    } else {
      ring = {
        bucket: new Array(shape.buckets + 1).fill(-1),
        count: new Array(shape.buckets + 1).fill(0),
        expiresAtMs: 0,
      };
      this.#size++;
    }
    rings.set(key, ring);
    const slot = current % (shape.buckets + 1);
    if (ring.bucket[slot] !== current) {
      ring.bucket[slot] = current;
      ring.count[slot] = 0;
    }
    ring.count[slot] += by;
    ring.expiresAtMs = Math.max(ring.expiresAtMs, expiresAtMs(current, shape));
    if (this.#size > this.#maxKeys) this.#evictOne(key);
    return estimate(ring, nowMs, shape);
  }

  peekSync(key: string, windowSeconds: number, options: Pick<CountOptions, 'nowMs'> = {}): number {
    const nowMs = checkNowMs(options.nowMs ?? this.#clock.now());
    const window = this.#window(windowSeconds);
    const ring = window.rings.get(key);
    return ring ? estimate(ring, nowMs, window.shape) : 0;
  }

  #window(windowSeconds: number): WindowCounters {
    let window = this.#windows.get(windowSeconds);
    if (!window) {
      window = { shape: windowShape(windowSeconds, this.#buckets), rings: new Map() };
      this.#windows.set(windowSeconds, window);
    }
    return window;
  }

  /** Removes expired counters from the head of each window's Map, SWEEP_PER_CALL at most. */
  #sweep(nowMs: number): void {
    let budget = SWEEP_PER_CALL;
    for (const { rings } of this.#windows.values()) {
      for (const [key, ring] of rings) {
        if (budget === 0 || ring.expiresAtMs > nowMs) break;
        rings.delete(key);
        this.#size--;
        budget--;
      }
    }
  }

  /** Over maxKeys: forgets the least recently counted counter (not `keep`, the one just counted). */
  #evictOne(keep: string): void {
    let victim: { rings: Map<string, Ring>; key: string; expiresAtMs: number } | undefined;
    for (const { rings } of this.#windows.values()) {
      for (const [key, ring] of rings) {
        if (key !== keep && (!victim || ring.expiresAtMs < victim.expiresAtMs)) {
          victim = { rings, key, expiresAtMs: ring.expiresAtMs };
        }
        break; // only each Map's head: the least recently counted there
      }
    }
    if (victim) {
      victim.rings.delete(victim.key);
      this.#size--;
    }
  }
}

function estimate(ring: Ring, nowMs: number, shape: WindowShape): number {
  const current = bucketOf(nowMs, shape);
  const oldest = current - shape.buckets;
  let full = 0;
  let partial = 0;
  for (let slot = 0; slot < ring.bucket.length; slot++) {
    const bucket = ring.bucket[slot];
    if (bucket > oldest && bucket <= current) full += ring.count[slot];
    else if (bucket === oldest) partial = ring.count[slot];
  }
  return combine(full, partial, nowMs, shape);
}
