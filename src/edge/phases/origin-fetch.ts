/**
 * After origin-request. Sends the request to the origin and keeps its response on the
 * exchange. With an origin group, GET/HEAD/OPTIONS fail over to the second member when the
 * primary answers a FailoverCriteria status, or fails to connect (503 listed) or times out
 * (504 listed) (reference/origins.md §6; every miss tries the primary first: no stickiness).
 * → 'origin-response'. Transport failures throw the fetcher's EdgeError (502/504).
 */
import { Readable } from 'node:stream';
import { EdgeError } from '../../errors.js';
import { originRequestFromLambda } from '../../functions/lambda-events.js';
import type { OriginModel } from '../../model/types.js';
import type { OriginRequest, OriginResponse } from '../../origin/types.js';
import type { Exchange } from '../exchange.js';
import { forwardingPlan } from '../forwarding-plan.js';
import type { Next } from '../lifecycle.js';
import { buildOriginRequest } from './origin-request.js';
import { destroyBody } from './origin-response.js';
import { afterRevalidation, serveStaleOnError, withValidators } from './revalidate.js';

const FAILOVER_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export async function originFetch(ex: Exchange): Promise<Next> {
  ex.originSequence = ex.runtime.cache.sequence();
  let response: OriginResponse;
  try {
    response = await fetchWithFailover(ex);
  } catch (err) {
    // An unreachable or timed-out origin may be answered with the stale copy (caching.md §2.3).
    if (ex.stale && EdgeError.from(err).source === 'origin' && (await serveStaleOnError(ex)))
      return 'cache-store';
    throw err;
  }
  ex.originStatus = response.status;
  ex.response = { status: response.status, headers: response.headers, body: response.body };
  if (ex.stale) {
    const next = await afterRevalidation(ex, response);
    if (next) return next;
  }
  return 'origin-response';
}

/** The request for `origin`; an expired entry's validators replace the viewer's (§2.4). */
function requestFor(ex: Exchange, origin: OriginModel): OriginRequest {
  let request = buildOriginRequest(ex, ex.behavior!, origin);
  const override = ex.originRequestOverride;
  // An origin-request handler's request goes to the primary (a failover retries the secondary as configured).
  if (override && origin === ex.originCandidates[0])
    request = originRequestFromLambda(
      request,
      override.request,
      override.body ? Readable.from([override.body]) : request.body,
    );
  // Conditional forwarding is off when cookies are forwarded (caching.md §2.4 step 6).
  const sent =
    ex.stale && forwardingPlan(ex.behavior!).cookie === null ? withValidators(request, ex.stale) : request;
  ex.sentOriginRequest = sent;
  return sent;
}

async function fetchWithFailover(ex: Exchange): Promise<OriginResponse> {
  const [primary, secondary] = ex.originCandidates;
  const fetcher = ex.runtime.fetcher;
  const behavior = ex.behavior!;
  if (!secondary || !FAILOVER_METHODS.has(ex.request.method)) {
    return fetcher.fetch(requestFor(ex, primary));
  }
  const codes =
    ex.failoverCodes ??
    ex.distribution!.originGroups.get(behavior.config.TargetOriginId)!.FailoverCriteria.StatusCodes.Items;
  try {
    const response = await fetcher.fetch(requestFor(ex, primary));
    if (!codes.includes(response.status)) return response;
    destroyBody(response.body); // the primary's error body is not used
  } catch (err) {
    const failure = EdgeError.from(err);
    const failsOver =
      (failure.code === 'OriginCommError' && codes.includes(504)) ||
      (failure.source === 'origin' && failure.code !== 'OriginCommError' && codes.includes(503));
    if (!failsOver) throw failure;
  }
  return fetcher.fetch(requestFor(ex, secondary));
}
