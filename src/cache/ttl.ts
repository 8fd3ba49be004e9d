/**
 * How long the edge keeps an origin response (reference/caching.md §2.2–2.5): the TTL from
 * the origin's `s-maxage` → `max-age` → `Expires`, clamped by the policy's MinTTL/MaxTTL;
 * the status codes CloudFront caches and for how long (ErrorCachingMinTTL); the stale
 * windows of `stale-while-revalidate` / `stale-if-error`. Pure: time comes in as `nowMs`.
 *
 * A 304 is never stored itself: to refresh an entry after a revalidation, call this with the
 * stored entry's status and the 304's headers laid over the stored ones (§2.4, RFC 9111 §4.3.4).
 */
import { parseCacheControl } from './cache-control.js';

export interface FreshnessInput {
  readonly status: number;
  /** The viewer request's method. */
  readonly method: string;
  /** Origin response headers, lowercase names. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly policy: { readonly MinTTL: number; readonly DefaultTTL: number; readonly MaxTTL: number };
  /** The distribution's CustomErrorResponses[ErrorCode].ErrorCachingMinTTL for this status. */
  readonly errorCachingMinTtl?: number;
  readonly nowMs: number;
  readonly originIsS3?: boolean;
  /** The behavior's CachedMethods: OPTIONS responses are cached only when it lists OPTIONS. */
  readonly cachedMethods: ReadonlySet<string>;
}

/** Short machine words for logs and /debug: why a response was (not) stored, and for how long. */
export type FreshnessReason =
  | 'method-not-cached' // not GET/HEAD, nor OPTIONS listed in CachedMethods
  | 'caching-disabled' // MinTTL = DefaultTTL = MaxTTL = 0
  | 'status-not-cacheable' // 1xx, 304, 416, other 4xx/5xx, 2xx/3xx outside the cacheable set
  | 'no-explicit-freshness' // 302/303/307 without s-maxage, max-age or Expires
  | 'no-store' // with MinTTL 0
  | 'no-cache'
  | 'private'
  | 'vary-star' // Vary: * with MinTTL 0
  | 's3-501-no-cache' // S3 501 carrying no-cache/no-store/private
  | 'min-ttl' // no-cache/no-store/private overridden by MinTTL > 0
  | 'ttl' // origin lifetime, clamped to [MinTTL, MaxTTL]
  | 'default-ttl' // no origin lifetime: max(MinTTL, DefaultTTL)
  | 'error-ttl' // cached error: max(ErrorCachingMinTTL, origin lifetime ≤ MaxTTL)
  | 'error-no-max-age' // 400/403/405/412/415 without max-age or s-maxage
  | 'error-ttl-zero'; // ErrorCachingMinTTL 0 and no origin lifetime

export interface Freshness {
  readonly cacheable: boolean;
  /** 0 with cacheable: stored but stale on arrival, so every request revalidates (§2.2 [observed]). */
  readonly ttlSeconds: number;
  readonly staleWhileRevalidateSeconds: number;
  readonly staleIfErrorSeconds: number;
  readonly reason: FreshnessReason;
}

/** CloudFront's runtime default (the CloudFormation schema's 300 is a documented conflict, §2.5). */
export const DEFAULT_ERROR_CACHING_MIN_TTL = 10;

/** RFC 9111 §4.2.2 heuristically cacheable 2xx/3xx: cached by the normal TTL rules. */
const CACHEABLE = new Set([200, 203, 204, 206, 300, 301, 308]);
/** Cacheable only with explicit freshness (s-maxage, max-age or Expires). */
const CACHEABLE_IF_EXPLICIT = new Set([302, 303, 307]);
/** Always cached, for max(ErrorCachingMinTTL, origin lifetime) (§2.5). */
const ERRORS_ALWAYS_CACHED = new Set([404, 414, 500, 501, 502, 503, 504]);
/** Cached only when the origin sent max-age or s-maxage (§2.5). */
const ERRORS_CACHED_WITH_MAX_AGE = new Set([400, 403, 405, 412, 415]);

export function edgeFreshness(input: FreshnessInput): Freshness {
  const { status, policy } = input;
  const method = input.method;
  if (method !== 'GET' && method !== 'HEAD' && !(method === 'OPTIONS' && input.cachedMethods.has('OPTIONS')))
    return notCached('method-not-cached');
  if (policy.MinTTL === 0 && policy.DefaultTTL === 0 && policy.MaxTTL === 0)
    return notCached('caching-disabled');

  const isError = ERRORS_ALWAYS_CACHED.has(status) || ERRORS_CACHED_WITH_MAX_AGE.has(status);
  if (!isError && !CACHEABLE.has(status) && !CACHEABLE_IF_EXPLICIT.has(status))
    return notCached('status-not-cacheable');

  const h = input.headers;
  const cc = parseCacheControl(h['cache-control']);
  const expires = firstValue(h.expires);
  const uncacheable = cc.noStore ? 'no-store' : cc.noCache ? 'no-cache' : cc.private ? 'private' : undefined;

  // Vary: * with MinTTL 0: every request goes to the origin (§2.4 item 7); with MinTTL > 0 it
  // is filtered like any other Vary value (§3.7).
  if (policy.MinTTL === 0 && hasVaryStar(h.vary)) return notCached('vary-star');

  let ttlSeconds: number;
  let reason: FreshnessReason;
  if (isError) {
    if (input.originIsS3 && status === 501 && uncacheable !== undefined) return notCached('s3-501-no-cache');
    const headerTtl = cc.sMaxAge ?? cc.maxAge;
    if (headerTtl === undefined && ERRORS_CACHED_WITH_MAX_AGE.has(status))
      return notCached('error-no-max-age');
    // AWS "Control how long CloudFront caches errors": the greater of the header (max-age,
    // s-maxage or Expires, which can't exceed MaxTTL) and ErrorCachingMinTTL; other
    // directives (no-cache, no-store, private) leave ErrorCachingMinTTL in force.
    const lifetime = headerTtl ?? (expires !== undefined ? expiresLifetime(expires, input.nowMs) : 0);
    const errorMin = input.errorCachingMinTtl ?? DEFAULT_ERROR_CACHING_MIN_TTL;
    ttlSeconds = Math.max(errorMin, Math.min(lifetime, policy.MaxTTL));
    if (ttlSeconds === 0) return notCached('error-ttl-zero');
    reason = 'error-ttl';
  } else {
    const lifetime =
      cc.sMaxAge ?? cc.maxAge ?? (expires !== undefined ? expiresLifetime(expires, input.nowMs) : undefined);
    if (lifetime === undefined && CACHEABLE_IF_EXPLICIT.has(status))
      return notCached('no-explicit-freshness');
    if (uncacheable !== undefined) {
      // Honoured with MinTTL 0; MinTTL > 0 overrides the directives (§2.2 last row).
      if (policy.MinTTL === 0) return notCached(uncacheable);
      ttlSeconds = policy.MinTTL;
      reason = 'min-ttl';
    } else if (lifetime === undefined) {
      ttlSeconds = Math.min(Math.max(policy.MinTTL, policy.DefaultTTL), policy.MaxTTL);
      reason = 'default-ttl';
    } else {
      ttlSeconds = Math.min(Math.max(lifetime, policy.MinTTL), policy.MaxTTL);
      reason = 'ttl';
    }
  }

  // Stale windows (§2.3) end when MaxTTL has elapsed; must-/proxy-revalidate forbid serving
  // stale at all ([undocumented] recommendation of §2.2).
  const room = Math.max(0, policy.MaxTTL - ttlSeconds);
  const noStale = cc.mustRevalidate || cc.proxyRevalidate;
  return {
    cacheable: true,
    ttlSeconds,
    staleWhileRevalidateSeconds: noStale ? 0 : Math.min(cc.staleWhileRevalidate ?? 0, room),
    // Without the directive CloudFront still serves the copy it holds while the origin fails,
    // for as long as MaxTTL allows (§2.2 notes, §2.4 item 4); `stale-if-error=0` opts out.
    staleIfErrorSeconds: noStale ? 0 : Math.min(cc.staleIfError ?? room, room),
    reason,
  };
}

function notCached(reason: FreshnessReason): Freshness {
  return { cacheable: false, ttlSeconds: 0, staleWhileRevalidateSeconds: 0, staleIfErrorSeconds: 0, reason };
}

function firstValue(v: string | readonly string[] | undefined): string | undefined {
  return v === undefined || typeof v === 'string' ? v : v[0];
}

/** HTTP-date (any of RFC 9110's three forms) with a time of day. */
const HAS_TIME = /\d\d?:\d\d:\d\d/;

/**
 * Seconds until `Expires`, from the edge's clock (the reference algorithm of §2.2). An invalid
 * date (`0`, `-1`, garbage) or one in the past is a lifetime of 0 ([undocumented], §2.2);
 * whole seconds, rounded down, so an object never outlives its Expires.
 */
function expiresLifetime(value: string, nowMs: number): number {
  const ms = HAS_TIME.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms) || ms <= nowMs) return 0;
  return Math.floor((ms - nowMs) / 1000);
}

function hasVaryStar(vary: string | readonly string[] | undefined): boolean {
  if (vary === undefined) return false;
  const lines = typeof vary === 'string' ? [vary] : vary;
  for (const line of lines) {
    if (!line.includes('*')) continue;
    for (const token of line.split(',')) if (token.trim() === '*') return true;
  }
  return false;
}
