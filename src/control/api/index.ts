/**
 * The admin port's control API: every CloudFront REST operation edgefront implements (and
 * edgefront's own extensions, under EDGEFRONT_API_PREFIX), in one routing table, behind
 * signature verification against the configured keys.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createApiHandler } from '../api-server.js';
import { verifyRequest } from '../auth/verify-request.js';
import type { ControlPlane } from '../control-plane.js';
import { handleKvsRequest } from '../kvs-data-plane.js';
import type { Route } from '../router.js';
import { continuousDeploymentRoutes } from './continuous-deployment.js';
import { distributionRoutes } from './distributions.js';
import { functionRoutes } from './functions.js';
import { invalidationRoutes } from './invalidations.js';
import { keyValueStoreRoutes } from './key-value-stores.js';
import { keyRoutes } from './keys.js';
import { originAccessControlRoutes } from './origin-access-controls.js';
import { policyRoutes } from './policies.js';
import { tagInvalidationRoutes } from './tag-invalidations.js';
import { tagRoutes } from './tags.js';

export const API_ROUTES: readonly Route[] = [
  ...distributionRoutes,
  ...invalidationRoutes,
  ...functionRoutes,
  ...keyValueStoreRoutes,
  ...policyRoutes,
  ...originAccessControlRoutes,
  ...keyRoutes,
  ...continuousDeploymentRoutes,
  ...tagRoutes,
  ...tagInvalidationRoutes,
];

export interface AdminCredential {
  accessKeyId: string;
  secretAccessKey: string;
}

export function createControlApi(
  cp: ControlPlane,
  credentials: readonly AdminCredential[] | undefined,
): (req: IncomingMessage, res: ServerResponse) => void {
  const byKey = new Map((credentials ?? []).map((c) => [c.accessKeyId, c]));
  return createApiHandler(cp, {
    routes: API_ROUTES,
    kvs: handleKvsRequest,
    verify: credentials?.length
      ? (request, service) => {
          verifyRequest(request, { service, credentials: (id) => byKey.get(id), now: cp.host.clock.now() });
        }
      : undefined,
  });
}
