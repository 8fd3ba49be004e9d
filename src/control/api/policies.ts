/**
 * Cache, origin request and response headers policies (reference/control-api.md §2 tables, §2.1
 * "Policies", §5): Create, Get, GetConfig, Update (If-Match), Delete (If-Match) and List
 * (`?Type=managed|custom`) for each kind through one implementation (policy-resources.ts), and
 * ListDistributionsByCachePolicyId / ByOriginRequestPolicyId / ByResponseHeadersPolicyId.
 * Config-file policies are visible and changeable here; managed ones are listed and readable.
 */
import type { ControlPlane } from '../control-plane.js';
import type { ApiRequest, ApiResponse, Route } from '../router.js';
import {
  CACHE_POLICY,
  ORIGIN_REQUEST_POLICY,
  POLICY_KINDS,
  RESPONSE_HEADERS_POLICY,
} from './policy-kinds.js';
import { findNamed, markedPage, type NamedKind, namedRoutes } from './policy-resources.js';

/** `DistributionIdList`: the distributions whose behaviours use the policy (NoSuch* if there is none). */
function distributionsUsing(cp: ControlPlane, kind: NamedKind, req: ApiRequest): ApiResponse {
  const [id] = req.params;
  findNamed(cp, kind, id);
  const ids = kind.usedBy(cp.host.model(), id);
  return {
    status: 200,
    root: 'DistributionIdList',
    body: markedPage(
      ids,
      (d) => d,
      req.query,
      (d) => d,
    ),
  };
}

const BY_POLICY: [operation: string, segment: string, kind: NamedKind][] = [
  ['ListDistributionsByCachePolicyId', 'distributionsByCachePolicyId', CACHE_POLICY],
  ['ListDistributionsByOriginRequestPolicyId', 'distributionsByOriginRequestPolicyId', ORIGIN_REQUEST_POLICY],
  [
    'ListDistributionsByResponseHeadersPolicyId',
    'distributionsByResponseHeadersPolicyId',
    RESPONSE_HEADERS_POLICY,
  ],
];

export const policyRoutes: Route[] = [
  ...POLICY_KINDS.flatMap(namedRoutes),
  ...BY_POLICY.map(
    ([operation, segment, kind]): Route => ({
      operation,
      method: 'GET',
      path: new RegExp(`^/${segment}/([^/]+)$`),
      handle: (cp, req) => distributionsUsing(cp, kind, req),
    }),
  ),
];
