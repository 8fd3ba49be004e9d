/**
 * After viewer-request on a miss. Picks the origin (or the origin group's members, primary
 * first) named by TargetOriginId and builds what CloudFront sends it: OriginPath + path,
 * the policies' query string and headers (src/edge/origin-headers.ts), the origin's custom
 * headers last. → 'origin-request-function' → 'origin-fetch', or 'tier-fetch' when a regional
 * tier or Origin Shield node takes the miss (src/edge/tier/); after a failover, origin-fetch
 * comes back to 'origin-request-function' with the group's secondary as the only candidate.
 */
import type { BehaviorModel, OriginModel } from '../../model/types.js';
import type { OriginRequest } from '../../origin/types.js';
import type { Exchange } from '../exchange.js';
import { forwardingPlan } from '../forwarding-plan.js';
import type { Next } from '../lifecycle.js';
import { forwardedQuery, originRequestHeaders } from '../origin-headers.js';
import { overriddenOrigins } from '../origin-override.js';
import { tierHop } from '../tier/tier-fetch.js';

export function originRequest(ex: Exchange): Next {
  const origins = originsFor(ex, ex.behavior!);
  ex.originCandidates = ex.originOverride ? overriddenOrigins(ex, ex.originOverride, origins) : origins;
  return tierHop(ex) === undefined ? 'origin-request-function' : 'tier-fetch';
}

/** The origin, or an origin group's two members in failover order (origins.md §6). */
export function originsFor(ex: Exchange, behavior: BehaviorModel): OriginModel[] {
  const dist = ex.distribution!;
  const target = behavior.config.TargetOriginId;
  const group = dist.originGroups.get(target);
  if (!group) return [dist.origins.get(target)!];
  return group.Members.Items.map((member) => dist.origins.get(member.OriginId)!);
}

export interface RequestOverride {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly withBody: boolean;
}

/** What the edge sends `origin` for this exchange through `behavior` (or for an error page). */
export function buildOriginRequest(
  ex: Exchange,
  behavior: BehaviorModel,
  origin: OriginModel,
  override?: RequestOverride,
): OriginRequest {
  const plan = forwardingPlan(behavior);
  const query = forwardedQuery(override ? override.query : ex.request.query, plan.query);
  const path = `${origin.config.OriginPath}${override ? override.path : ex.originPath}${query ? `?${query}` : ''}`;
  return {
    origin,
    method: override ? override.method : ex.request.method,
    path,
    headers: originRequestHeaders(ex, origin, plan, behavior, {
      method: override ? override.method : ex.request.method,
      isErrorPage: override !== undefined,
    }),
    body: override && !override.withBody ? null : ex.request.body,
    viewerProtocol: ex.request.protocol,
  };
}
