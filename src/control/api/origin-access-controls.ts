/** Origin access controls: not built yet; the router answers UnsupportedOperation for their paths meanwhile. */
import type { Route } from '../router.js';

export const originAccessControlRoutes: Route[] = [];
