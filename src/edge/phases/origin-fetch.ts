/**
 * After origin-request. Sends the request to the origin and keeps its response on the
 * exchange. With an origin group, GET/HEAD/OPTIONS fail over to the second member when the
 * primary answers a FailoverCriteria status, or fails to connect (503 listed) or times out
 * (504 listed) (reference/origins.md §6; every miss tries the primary first: no stickiness).
 * → 'origin-response'. Transport failures throw the fetcher's EdgeError (502/504).
 */
import { EdgeError } from '../../errors.js';
import type { OriginResponse } from '../../origin/types.js';
import type { Exchange } from '../exchange.js';
import type { Next } from '../lifecycle.js';
import { buildOriginRequest } from './origin-request.js';
import { destroyBody } from './origin-response.js';

const FAILOVER_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export async function originFetch(ex: Exchange): Promise<Next> {
  const response = await fetchWithFailover(ex);
  ex.response = { status: response.status, headers: response.headers, body: response.body };
  return 'origin-response';
}

async function fetchWithFailover(ex: Exchange): Promise<OriginResponse> {
  const [primary, secondary] = ex.originCandidates;
  const fetcher = ex.runtime.fetcher;
  const behavior = ex.behavior!;
  if (!secondary || !FAILOVER_METHODS.has(ex.request.method)) {
    return fetcher.fetch(buildOriginRequest(ex, behavior, primary));
  }
  const group = ex.distribution!.originGroups.get(behavior.config.TargetOriginId)!;
  const codes = group.FailoverCriteria.StatusCodes.Items;
  try {
    const response = await fetcher.fetch(buildOriginRequest(ex, behavior, primary));
    if (!codes.includes(response.status)) return response;
    destroyBody(response.body); // the primary's error body is not used
  } catch (err) {
    const failure = EdgeError.from(err);
    const failsOver =
      (failure.code === 'OriginCommError' && codes.includes(504)) ||
      (failure.source === 'origin' && failure.code !== 'OriginCommError' && codes.includes(503));
    if (!failsOver) throw failure;
  }
  return fetcher.fetch(buildOriginRequest(ex, behavior, secondary));
}
