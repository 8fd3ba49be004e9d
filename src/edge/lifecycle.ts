/**
 * The request lifecycle as explicit phases (DESIGN.md "Architecture", STYLE.md §2): one table
 * lists them, one loop runs them over an Exchange. Each phase does one step and names the next.
 * The cache phases (cache-lookup, cache-store) and the function phases join this table with
 * the cache engine and edge-function issues; until then every request is a pass-through Miss.
 */
import { EdgeError } from '../errors.js';
import type { EdgeResponse, Exchange } from './exchange.js';
import { deliver } from './phases/deliver.js';
import { errorResponse } from './phases/error-response.js';
import { originFetch } from './phases/origin-fetch.js';
import { originRequest } from './phases/origin-request.js';
import { originResponse } from './phases/origin-response.js';
import { viewerRequest } from './phases/viewer-request.js';
import { viewerResponse } from './phases/viewer-response.js';

export type Phase =
  | 'viewer-request'
  | 'origin-request'
  | 'origin-fetch'
  | 'origin-response'
  | 'viewer-response';
export type Next = Phase | 'deliver';
type PhaseFn = (ex: Exchange) => Promise<Next> | Next;

const RUN: Record<Phase, PhaseFn> = {
  'viewer-request': viewerRequest,
  'origin-request': originRequest,
  'origin-fetch': originFetch,
  'origin-response': originResponse,
  'viewer-response': viewerResponse,
};

/** Where a finished response goes: a node:http(2) response, or an in-process `edge.fetch()`. */
export interface ViewerSink {
  send(response: EdgeResponse, ex: Exchange): Promise<void>;
}

export async function runExchange(ex: Exchange, sink: ViewerSink): Promise<void> {
  let next: Next = 'viewer-request';
  try {
    while (next !== 'deliver') next = await RUN[next](ex);
  } catch (err) {
    // The only catch on the data path: every failure becomes CloudFront's error response.
    await errorResponse(ex, EdgeError.from(err));
    viewerResponse(ex);
  }
  await deliver(ex, sink);
}
