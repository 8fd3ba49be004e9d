/**
 * What tiered caching knows about one exchange, kept beside it (never on the Exchange, so the
 * hit path does not carry it): on a tier node, the layer it acts as for a child's request; on
 * any node, the outcome a tier sent back for a miss this node forwarded to it.
 */
import type { Freshness } from '../../cache/ttl.js';
import type { Exchange } from '../exchange.js';
import type { TierLayer } from './marker.js';
import type { TierOutcome } from './outcome.js';

const serving = new WeakMap<Exchange, TierLayer>();
const carried = new WeakMap<Exchange, TierOutcome>();

/** The layer this node acts as for `ex` (a child's signed request); undefined for viewers. */
export function servingAs(ex: Exchange): TierLayer | undefined {
  return serving.get(ex);
}

export function markServing(ex: Exchange, layer: TierLayer): void {
  serving.set(ex, layer);
}

/** The outcome a tier sent with `ex`'s response, when a tier answered its miss. */
export function tierOutcome(ex: Exchange): TierOutcome | undefined {
  return carried.get(ex);
}

export function markCarried(ex: Exchange, outcome: TierOutcome): void {
  carried.set(ex, outcome);
}

/**
 * The freshness a tier decided, for a response it answered (src/edge/cache-entry-meta.ts): the
 * TTL counted from when the tier got the object, which `tierAgeMs` puts in the past.
 */
export function carriedFreshness(ex: Exchange): Freshness | undefined {
  const outcome = carried.get(ex);
  if (outcome === undefined) return undefined;
  return {
    cacheable: outcome.cacheable,
    ttlSeconds: (outcome.ageMs + outcome.freshMs) / 1000,
    staleWhileRevalidateSeconds: outcome.staleWhileRevalidateMs / 1000,
    staleIfErrorSeconds: outcome.staleIfErrorMs / 1000,
    reason: 'ttl',
  };
}

/** How old `ex`'s response already was when this node got it (0 unless a tier answered). */
export function tierAgeMs(ex: Exchange): number {
  return carried.get(ex)?.ageMs ?? 0;
}
