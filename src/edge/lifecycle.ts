/**
 * The request lifecycle as explicit phases (DESIGN.md "Architecture", STYLE.md §2): one table
 * lists them, one loop runs them over an Exchange. Each phase does one step and names the next.
 * The function phases (viewer-request/-response functions, Lambda@Edge) join this table with
 * the edge-function issue.
 */
import { EdgeError } from '../errors.js';
import type { EdgeResponse, Exchange } from './exchange.js';
import { cacheLookup } from './phases/cache-lookup.js';
import { cacheStore } from './phases/cache-store.js';
import { deliver } from './phases/deliver.js';
import { errorResponse } from './phases/error-response.js';
import { originRequestLambda, originResponseLambda } from './phases/lambda-functions.js';
import { originFetch } from './phases/origin-fetch.js';
import { originRequest } from './phases/origin-request.js';
import { originResponse } from './phases/origin-response.js';
import { viewerRequestFunction, viewerResponseFunction } from './phases/viewer-functions.js';
import { viewerRequest } from './phases/viewer-request.js';
import { viewerResponse } from './phases/viewer-response.js';
import { withUpstreamTiming } from './response-headers/server-timing.js';
import { TIER_HEADER } from './tier/marker.js';
import { tierFetch } from './tier/tier-fetch.js';
import { tierFailed, tierRequest, tierResponse, tierResponseFunction } from './tier/tier-serve.js';

export type Phase =
  | 'viewer-request'
  | 'viewer-request-function'
  | 'cache-lookup'
  | 'origin-request'
  | 'origin-request-function'
  | 'origin-fetch'
  | 'tier-fetch'
  | 'origin-response'
  | 'origin-response-function'
  | 'cache-store'
  | 'viewer-response'
  | 'viewer-response-function';
export type Next = Phase | 'deliver';
type PhaseFn = (ex: Exchange) => Promise<Next> | Next;

const RUN: Record<Phase, PhaseFn> = {
  'viewer-request': viewerRequest,
  'viewer-request-function': viewerRequestFunction,
  'cache-lookup': cacheLookup,
  'origin-request': originRequest,
  'origin-request-function': originRequestLambda,
  'origin-fetch': withUpstreamTiming(originFetch), // Server-Timing's cdn-upstream-fbl
  'tier-fetch': withUpstreamTiming(tierFetch), // a cacheable miss asks the regional tier (tier/)
  'origin-response': originResponse,
  'origin-response-function': originResponseLambda,
  'cache-store': cacheStore,
  'viewer-response': viewerResponse,
  'viewer-response-function': viewerResponseFunction,
};

/**
 * A request carrying a tier marker (src/edge/tier/): from a child edge, it runs from cache lookup
 * on and answers the child without the viewer-side phases; a marker that does not verify makes
 * it an ordinary viewer request again. Chosen by one header lookup, so viewers' requests run the
 * table above untouched.
 */
const TIER_RUN: Record<Phase, PhaseFn> = {
  ...RUN,
  'viewer-request': tierRequest,
  'viewer-response': tierResponse,
  'viewer-response-function': tierResponseFunction,
};

/**
 * Where a finished response goes: a node:http(2) response, or an in-process `edge.fetch()`.
 * Returns a promise only while it streams a body.
 */
export interface ViewerSink {
  send(response: EdgeResponse, ex: Exchange): Promise<void> | undefined;
}

/**
 * Runs the phases in order. Synchronous for as long as they are: a memory hit is answered in
 * the same tick as its request was parsed. An `await` per phase costs a microtask hop each, and
 * answering from a later tick than the parser's costs node:http about 30% of its hit
 * throughput (bench/README.md, "Synchronous hit path"). Returns a promise only when a phase
 * or the delivery is asynchronous.
 */
export function runExchange(ex: Exchange, sink: ViewerSink): Promise<void> | undefined {
  const run = ex.request.headers[TIER_HEADER] === undefined ? RUN : TIER_RUN;
  let next: Next = 'viewer-request';
  try {
    while (next !== 'deliver') {
      const step = run[next](ex);
      if (step instanceof Promise) return finishAsync(ex, sink, step, run);
      next = step;
    }
  } catch (err) {
    return failed(ex, sink, err, run);
  }
  return deliver(ex, sink);
}

async function finishAsync(
  ex: Exchange,
  sink: ViewerSink,
  pending: Promise<Next>,
  run: Record<Phase, PhaseFn>,
): Promise<void> {
  try {
    let next = await pending;
    while (next !== 'deliver') next = await run[next](ex);
  } catch (err) {
    return failed(ex, sink, err, run);
  }
  return deliver(ex, sink);
}

/** The only catch on the data path: every failure becomes CloudFront's error response. */
async function failed(
  ex: Exchange,
  sink: ViewerSink,
  err: unknown,
  run: Record<Phase, PhaseFn>,
): Promise<void> {
  ex.collapseDone?.(); // waiters of a collapsed miss go to the origin themselves
  ex.collapseDone = undefined;
  // Once the viewer's body is cut short, reading it fails wherever it is read (the origin
  // request, OAC hashing, a Lambda's body), with whatever error that reader gives (a reset,
  // a premature close): the viewer's hang-up, never an internal error or the origin's.
  const body = ex.request.body;
  const hungUp = body?.destroyed === true && !body.readableEnded;
  const error = hungUp
    ? new EdgeError('ClientHungUpRequest', undefined, { cause: err })
    : EdgeError.from(err);
  await errorResponse(ex, error);
  if (run === TIER_RUN) tierFailed(ex, error);
  else viewerResponse(ex);
  return deliver(ex, sink);
}
