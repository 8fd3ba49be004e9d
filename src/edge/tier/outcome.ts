/**
 * What a tier node answers about a request it served for a child, in one response header next
 * to the object itself: how it got it (CloudFront's result type, and whether a cache answered
 * or the origin was asked, by which layer) and the object's cache timeline there, so the child
 * caches it as CloudFront's edge would a response from its regional edge cache: `Age` carried
 * over, expiring when the tier's copy does (not a fresh TTL counted from the child's clock).
 *
 * Wire form: `x-edgefront-tier-outcome: result=Hit&layer=REC&from=cache&status=200&cacheable=1
 * &age=1000&fresh=59000&swr=0&sie=0` (durations in ms, relative to when the tier answered), or
 * `error=OriginConnectError` for a failure the tier turned into CloudFront's error response.
 * A response without it did not come from a tier that accepted the request. Pure.
 */
import { EDGE_ERRORS, type EdgeErrorCode } from '../../errors.js';
import type { ResultType } from '../exchange.js';
import type { TierLayer } from './marker.js';

export const TIER_OUTCOME_HEADER = 'x-edgefront-tier-outcome';

export interface TierOutcome {
  /** The tier's result type (collapsed requests are `Hit`, as CloudFront logs them). */
  readonly result: ResultType;
  /** The layer whose cache answered (`fromCache`), or the layer that asked the origin. */
  readonly layer: TierLayer;
  readonly fromCache: boolean;
  /** The origin's status, before a custom error page replaced it (the TTL rules use it). */
  readonly status: number;
  /** Whether the object may be cached at all (the tier's TTL rules said so). */
  readonly cacheable: boolean;
  /** How old the object is at the tier, and how long it stays fresh / may be served stale. */
  readonly ageMs: number;
  readonly freshMs: number;
  readonly staleWhileRevalidateMs: number;
  readonly staleIfErrorMs: number;
}

/** A failure at the tier (its origin unreachable, its Lambda@Edge failing …). */
export interface TierFailure {
  readonly error: EdgeErrorCode;
}

export function formatOutcome(outcome: TierOutcome | TierFailure): string {
  if ('error' in outcome) return new URLSearchParams({ error: outcome.error }).toString();
  return new URLSearchParams({
    result: outcome.result,
    layer: outcome.layer,
    from: outcome.fromCache ? 'cache' : 'origin',
    status: String(outcome.status),
    cacheable: outcome.cacheable ? '1' : '0',
    age: String(Math.max(0, Math.round(outcome.ageMs))),
    fresh: String(Math.round(outcome.freshMs)),
    swr: String(Math.max(0, Math.round(outcome.staleWhileRevalidateMs))),
    sie: String(Math.max(0, Math.round(outcome.staleIfErrorMs))),
  }).toString();
}

const RESULTS: ReadonlySet<string> = new Set<ResultType>([
  'Hit',
  'RefreshHit',
  'Miss',
  'Error',
  'LambdaGeneratedResponse',
]);

/** The outcome a tier sent; undefined when the header is missing or not understood. */
export function parseOutcome(value: string | string[] | undefined): TierOutcome | TierFailure | undefined {
  if (typeof value !== 'string') return undefined;
  const p = new URLSearchParams(value);
  const error = p.get('error');
  if (error !== null)
    return Object.hasOwn(EDGE_ERRORS, error) ? { error: error as EdgeErrorCode } : undefined;
  const result = p.get('result') ?? '';
  const layer = p.get('layer');
  const from = p.get('from');
  const numbers = ['status', 'age', 'fresh', 'swr', 'sie'].map((name) => Number(p.get(name) ?? Number.NaN));
  if (!RESULTS.has(result) || (layer !== 'REC' && layer !== 'Origin Shield')) return undefined;
  if ((from !== 'cache' && from !== 'origin') || numbers.some((n) => !Number.isFinite(n))) return undefined;
  const [status, ageMs, freshMs, staleWhileRevalidateMs, staleIfErrorMs] = numbers;
  return {
    result: result as ResultType,
    layer,
    fromCache: from === 'cache',
    status,
    cacheable: p.get('cacheable') === '1',
    ageMs,
    freshMs,
    staleWhileRevalidateMs,
    staleIfErrorMs,
  };
}
