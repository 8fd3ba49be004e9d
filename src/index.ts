/**
 * edgefront's programmatic API: `createEdge()` for tests and embedding (README "Testing with
 * edgefront"), the injectable clocks, and the error and model types.
 */
export { type Clock, ManualClock, systemClock } from './clock.js';
export { createEdge, type Edge, type EdgeOptions } from './edge/create-edge.js';
export type { Listening } from './edge/server.js';
export { ConfigError, type ConfigIssue, EdgeError, formatIssue } from './errors.js';
export type { BehaviorModel, DistributionModel, EdgeModel } from './model/types.js';
