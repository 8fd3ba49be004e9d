/** Continuous deployment policies: not built yet; the router answers UnsupportedOperation for their paths meanwhile. */
import type { Route } from '../router.js';

export const continuousDeploymentRoutes: Route[] = [];
