/**
 * The tier's side: a request carrying a valid marker (marker.ts) from a child edge is run from
 * cache lookup on — cache, collapsing of concurrent misses (from every child), origin-request
 * and origin-response Lambda@Edge triggers, the origin, custom error pages, compression, the
 * cache store — and none of the viewer-side phases: no viewer checks, no CloudFront Functions,
 * no viewer Lambda@Edge triggers, no response headers policy, no X-Cache (CloudFront runs those
 * at the edge location the viewer reached). The answer is the object as it would be stored, and
 * the outcome header (outcome.ts) the child caches it by.
 *
 * A request whose marker does not verify (a viewer's forgery, a node with another secret, an
 * expired one) is a viewer request: the header is dropped and every viewer check runs.
 */

import { EdgeError } from '../../errors.js';
import { freshnessOf } from '../cache-entry-meta.js';
import type { EdgeResponse, Exchange, ViewerRequest } from '../exchange.js';
import { locateViewer } from '../geo/viewer-location.js';
import type { Next } from '../lifecycle.js';
import { HOP_BY_HOP, namedByConnection } from '../origin-headers.js';
import { viewerResponseFunction } from '../phases/viewer-functions.js';
import { viewerRequest } from '../phases/viewer-request.js';
import { viewerResponse } from '../phases/viewer-response.js';
import { behaviorFor } from '../route.js';
import { TIER_HEADER, type TierLayer, verifyMarker } from './marker.js';
import { formatOutcome, TIER_OUTCOME_HEADER, type TierFailure, type TierOutcome } from './outcome.js';
import { markServing, servingAs, tierAgeMs, tierOutcome } from './state.js';

/** First phase of a request that carries a tier marker (lifecycle.ts picks it by the header). */
export function tierRequest(ex: Exchange): Next {
  const received = ex.request;
  const context = verifyMarker(received.headers[TIER_HEADER], ex.runtime.tier?.settings.secret, Date.now());
  const headers = withoutMarker(received.headers);
  const rawHeaders = received.rawHeaders.filter(
    (_, i, all) => all[i - (i % 2)].toLowerCase() !== TIER_HEADER,
  );
  if (context === undefined) {
    ex.request = { ...received, headers, rawHeaders };
    return viewerRequest(ex); // never believed: a viewer with every viewer check
  }
  const dist = ex.runtime.model.distributions.find((d) => d.Id === context.d);
  // Not serving the child's distribution (configs differ): answered without an outcome, so the
  // child goes to the origin itself.
  if (dist === undefined) throw new EdgeError('InvalidHost');
  markServing(ex, context.as);
  ex.distribution = dist;
  ex.behavior = behaviorFor(dist, context.path);
  let request: ViewerRequest = {
    method: context.method,
    path: context.path,
    query: context.query,
    headers,
    rawHeaders,
    body: null,
    protocol: context.protocol,
    httpVersion: context.httpVersion,
    clientIp: context.ip,
    clientPort: context.port,
    ...(context.tls && { tls: context.tls }),
  };
  if (ex.runtime.geo !== undefined) request = locateViewer(request, ex.runtime.geo);
  ex.request = request;
  ex.originPath = context.originPath;
  return 'cache-lookup';
}

/** Instead of viewer-response for a child's request: the object as stored, and the outcome. */
export function tierResponse(ex: Exchange): Next | Promise<Next> {
  const as = servingAs(ex);
  if (as === undefined) return viewerResponse(ex);
  const fromCache = tierOutcome(ex)?.fromCache ?? servedFromCache(ex);
  if (!fromCache || ex.cacheKey === undefined || tierOutcome(ex) !== undefined)
    return answer(ex, outcomeOf(ex, as, fromCache, undefined));
  // Served from this node's cache: its copy's timeline is the one the child inherits.
  const entry = ex.runtime.cache.lookup(ex.cacheKey);
  return entry instanceof Promise
    ? entry.then((e) => answer(ex, outcomeOf(ex, as, true, e)))
    : answer(ex, outcomeOf(ex, as, true, entry));
}

/** Instead of viewer-response for a child's request that failed: the error, for the child to raise. */
export function tierFailed(ex: Exchange, error: EdgeError): void {
  if (servingAs(ex) === undefined) viewerResponse(ex);
  else answer(ex, { error: error.code });
}

/** Instead of the viewer-response function: none runs at a tier. */
export function tierResponseFunction(ex: Exchange): Next | Promise<Next> {
  return servingAs(ex) === undefined ? viewerResponseFunction(ex) : 'deliver';
}

function servedFromCache(ex: Exchange): boolean {
  const result = ex.result;
  return (
    result === 'Hit' || result === 'RefreshHit' || (result === 'Error' && ex.sentOriginRequest === undefined)
  );
}

function outcomeOf(
  ex: Exchange,
  as: TierLayer,
  fromCache: boolean,
  entry:
    | {
        storedAtMs: number;
        freshUntilMs: number;
        staleWhileRevalidateUntilMs: number;
        staleIfErrorUntilMs: number;
      }
    | undefined,
): TierOutcome {
  const below = tierOutcome(ex);
  const response = ex.response!;
  const status = ex.originStatus ?? response.status;
  const base = { result: ex.result, layer: below?.layer ?? as, fromCache, status };
  const now = ex.runtime.clock.now();
  if (entry !== undefined) {
    return {
      ...base,
      cacheable: true,
      ageMs: now - entry.storedAtMs,
      freshMs: entry.freshUntilMs - now,
      staleWhileRevalidateMs: entry.staleWhileRevalidateUntilMs - entry.freshUntilMs,
      staleIfErrorMs: entry.staleIfErrorUntilMs - entry.freshUntilMs,
    };
  }
  // From the origin (or a tier below): the TTL the cache store used. From a collapsed miss still
  // being stored: the same TTL, aged as the follower's response says.
  const freshness = freshnessOf(ex, status, response.headers);
  const ageMs =
    below !== undefined ? tierAgeMs(ex) : fromCache ? Number(response.headers.age) * 1000 || 0 : 0;
  return {
    ...base,
    cacheable: freshness.cacheable,
    ageMs,
    freshMs: freshness.ttlSeconds * 1000 - ageMs,
    staleWhileRevalidateMs: freshness.staleWhileRevalidateSeconds * 1000,
    staleIfErrorMs: freshness.staleIfErrorSeconds * 1000,
  };
}

/** The response as the cache holds it (no hop-by-hop headers), with the outcome. */
function answer(ex: Exchange, outcome: TierOutcome | TierFailure): Next {
  const response: EdgeResponse = ex.response!;
  const from = response.headers;
  const connectionNamed = namedByConnection(from.connection);
  const headers: Record<string, string | string[]> = {};
  for (const name in from) {
    if (HOP_BY_HOP.has(name) || connectionNamed?.has(name)) continue;
    headers[name] = from[name];
  }
  headers[TIER_OUTCOME_HEADER] = formatOutcome(outcome);
  response.headers = headers;
  response.viewerSafe = false;
  return 'viewer-response-function';
}

function withoutMarker(headers: ViewerRequest['headers']): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const name in headers) if (name !== TIER_HEADER) out[name] = headers[name];
  return out;
}
