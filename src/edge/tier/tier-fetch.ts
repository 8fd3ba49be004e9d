/**
 * The child's side of tiered caching: a cacheable miss goes to the regional edge cache
 * (`--parent`) or, without one, to the node acting as its origin's Origin Shield
 * (`--origin-shield`), instead of the origin — CloudFront's edge → REC → Origin Shield → origin.
 *
 * Which requests (CloudFront, "How CloudFront works with regional edge caches", "Using Origin
 * Shield"): GET and HEAD whose behavior caches (a cache key was computed). Proxy methods (PUT,
 * POST, PATCH, OPTIONS, DELETE) and uncacheable requests go from the edge to the origin directly.
 * A viewer-request function that chose another origin (cf.updateRequestOrigin /
 * selectRequestOriginById) also goes direct: the tier could not know that choice.
 *
 * What the tier gets: the request as this edge would forward it (the viewer's Host, the headers,
 * cookies and query string the behavior's policies forward, without Range or validators: the
 * child asks for the whole object), and a signed marker (marker.ts) naming the distribution and
 * the viewer, so the tier runs it from cache lookup on, never the viewer-side phases again.
 * The tier runs origin-request and origin-response Lambda@Edge triggers, custom error pages and
 * compression; this node skips them and stores what the tier answered with the tier's
 * timeline (outcome.ts). A tier that cannot be reached, or that answers without an outcome
 * (it refused the marker), sends the miss to the origin as if there were no tier.
 */
import { EdgeError } from '../../errors.js';
import type { Exchange } from '../exchange.js';
import { forwardingPlan } from '../forwarding-plan.js';
import type { Next } from '../lifecycle.js';
import { forwardedQuery } from '../origin-headers.js';
import { destroyBody } from '../phases/origin-response.js';
import { serveStaleOnError } from '../phases/revalidate.js';
import { signMarker, type TierLayer } from './marker.js';
import { parseOutcome, TIER_OUTCOME_HEADER } from './outcome.js';
import { tierRequestHeaders } from './request-headers.js';
import { markCarried, servingAs } from './state.js';

export interface TierHop {
  readonly url: URL;
  readonly as: TierLayer;
}

/** The tier `ex`'s miss goes to, if any (called from origin-request, once the origin is known). */
export function tierHop(ex: Exchange): TierHop | undefined {
  const tier = ex.runtime.tier;
  if (tier === undefined || ex.cacheKey === undefined || ex.originOverride !== undefined) return undefined;
  const method = ex.request.method;
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  const as = servingAs(ex);
  if (as === 'Origin Shield') return undefined; // the shield is the last layer before the origin
  const { parent, originShields, secret } = tier.settings;
  if (secret === undefined) return undefined;
  if (as === undefined && parent !== undefined) return { url: parent, as: 'REC' };
  const shield = ex.originCandidates[0]?.config.OriginShield;
  const region = shield?.Enabled ? shield.OriginShieldRegion : undefined;
  const url = region === undefined ? undefined : originShields.get(region);
  return url && { url, as: 'Origin Shield' };
}

/** After origin-request, instead of the origin-request function and origin-fetch. */
export async function tierFetch(ex: Exchange): Promise<Next> {
  const hop = tierHop(ex)!;
  const tier = ex.runtime.tier!;
  const req = ex.request;
  const query = forwardedQuery(req.query, forwardingPlan(ex.behavior!).query);
  const marker = signMarker(
    {
      d: ex.distribution!.Id,
      method: req.method,
      path: req.path,
      query,
      originPath: ex.originPath,
      ip: req.clientIp,
      port: req.clientPort,
      protocol: req.protocol,
      httpVersion: req.httpVersion,
      ...(req.tls && { tls: req.tls }),
      as: hop.as,
      t: Date.now(),
    },
    tier.settings.secret!,
  );
  ex.originSequence = ex.runtime.cache.sequence(); // a purge from now on also kills what this stores
  let answer: Awaited<ReturnType<typeof tier.request>>;
  try {
    answer = await tier.request(hop.url, {
      method: req.method,
      path: `${req.path}${query ? `?${query}` : ''}`,
      headers: tierRequestHeaders(ex, marker),
    });
  } catch (err) {
    tier.note(hop.url, `cannot be reached (${(err as Error).message})`);
    return 'origin-request-function'; // CloudFront falls back to the origin
  }
  const headers = answer.headers as Record<string, string | string[]>;
  const outcome = parseOutcome(headers[TIER_OUTCOME_HEADER]);
  if (outcome === undefined) {
    destroyBody(answer.body);
    tier.note(
      hop.url,
      `refused the request (status ${answer.statusCode}; is EDGEFRONT_TIER_SECRET the same on both nodes?)`,
    );
    return 'origin-request-function';
  }
  if ('error' in outcome) {
    destroyBody(answer.body);
    const failure = new EdgeError(outcome.error);
    // As for an origin failure seen here: an expired copy may be served instead (caching.md §2.3).
    if (ex.stale && failure.source === 'origin' && (await serveStaleOnError(ex))) return 'cache-store';
    throw failure;
  }
  delete headers[TIER_OUTCOME_HEADER];
  if (typeof headers['set-cookie'] === 'string') headers['set-cookie'] = [headers['set-cookie']];
  markCarried(ex, outcome);
  ex.result = outcome.result;
  ex.originStatus = outcome.status;
  ex.widenedRange = ex.widenedRange && answer.statusCode === 200;
  ex.response = { status: answer.statusCode, headers, body: answer.body };
  return 'cache-store';
}
