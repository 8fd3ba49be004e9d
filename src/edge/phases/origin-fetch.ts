/**
 * After origin-request (and its Lambda@Edge handler). Sends the request to the first origin
 * candidate and keeps its response on the exchange → 'origin-response'.
 *
 * Origin groups (reference/origins.md §6): GET, HEAD and OPTIONS go on to the secondary when
 * the primary answers a FailoverCriteria status, cannot be connected to after
 * ConnectionAttempts × ConnectionTimeout (503 listed), or gives no response within
 * OriginReadTimeout on each of its attempts (504 listed); src/origin/origin-errors.ts
 * `failsOver` decides. The secondary is asked as a new origin request: the candidates become
 * the secondary alone and the exchange goes back to 'origin-request-function', so an
 * origin-request Lambda@Edge handler runs again with the secondary in its event (CloudFront
 * runs it "again when CloudFront sends the same request to the secondary origin"), and the
 * secondary's answer is cached, logged and shown (X-Cache) as any origin answer. Every miss
 * tries the primary first: no stickiness. Other methods get the primary's answer or error.
 * Once the primary's response headers arrived the answer is committed and streams to the
 * viewer: a body that stalls past OriginReadTimeout later is cut, never failed over.
 *
 * Transport failures throw the fetcher's EdgeError (502/504); with an expired entry in the
 * cache they may serve it stale instead (caching.md §2.3).
 */
import { Readable } from 'node:stream';
import { EdgeError } from '../../errors.js';
import { originRequestFromLambda } from '../../functions/lambda-events.js';
import type { OriginModel } from '../../model/types.js';
import { failsOver } from '../../origin/origin-errors.js';
import type { OriginRequest, OriginResponse } from '../../origin/types.js';
import type { Exchange } from '../exchange.js';
import { forwardingPlan } from '../forwarding-plan.js';
import type { Next } from '../lifecycle.js';
import { buildOriginRequest } from './origin-request.js';
import { destroyBody } from './origin-response.js';
import { afterRevalidation, serveStaleOnError, withValidators } from './revalidate.js';

export async function originFetch(ex: Exchange): Promise<Next> {
  ex.originSequence = ex.runtime.cache.sequence();
  const [origin, secondary] = ex.originCandidates;
  let response: OriginResponse;
  try {
    response = await ex.runtime.fetcher.fetch(requestFor(ex, origin));
  } catch (err) {
    const failure = EdgeError.from(err);
    if (canFailOver(ex, secondary) && failsOver(ex.request.method, failoverCodes(ex), failure))
      return failOver(ex, secondary);
    // An unreachable or timed-out origin may be answered with the stale copy (caching.md §2.3).
    if (ex.stale && failure.source === 'origin' && (await serveStaleOnError(ex))) return 'cache-store';
    throw failure;
  }
  if (canFailOver(ex, secondary) && failsOver(ex.request.method, failoverCodes(ex), response.status)) {
    destroyBody(response.body); // the primary's error is neither used nor cached
    return failOver(ex, secondary);
  }
  ex.originStatus = response.status;
  ex.response = { status: response.status, headers: response.headers, body: response.body };
  if (ex.stale) {
    const next = await afterRevalidation(ex, response);
    if (next) return next;
  }
  return 'origin-response';
}

/**
 * Deviation from CloudFront: a request whose body already went (partly) to the primary — an
 * OPTIONS with a body — is not failed over, because the body cannot be sent again; the viewer
 * gets the primary's answer. CloudFront would send the same request to the secondary.
 */
function canFailOver(ex: Exchange, secondary: OriginModel | undefined): secondary is OriginModel {
  return secondary !== undefined && ex.request.body?.readableDidRead !== true;
}

/** The secondary is all that is left to try; its request is built (and handled) afresh. */
function failOver(ex: Exchange, secondary: OriginModel): Next {
  ex.originCandidates = [secondary];
  ex.originRequestOverride = undefined; // the primary's handler result does not carry over
  return 'origin-request-function';
}

/** A viewer-request function's ad-hoc group's codes, or the behavior's origin group's. */
function failoverCodes(ex: Exchange): readonly number[] {
  if (ex.failoverCodes) return ex.failoverCodes;
  const group = ex.distribution!.originGroups.get(ex.behavior!.config.TargetOriginId);
  return group?.FailoverCriteria.StatusCodes.Items ?? [];
}

/** The request for `origin`; an expired entry's validators replace the viewer's (§2.4). */
function requestFor(ex: Exchange, origin: OriginModel): OriginRequest {
  let request = buildOriginRequest(ex, ex.behavior!, origin);
  // What an origin-request handler returned is the request for the origin it was shown.
  const override = ex.originRequestOverride;
  if (override)
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
