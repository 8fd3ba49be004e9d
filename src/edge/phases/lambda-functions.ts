/**
 * The Lambda@Edge handlers of a behavior, at CloudFront's four points
 * (reference/lambda-edge.md §1, §3, §8), run in worker threads (src/functions/lambda/):
 * - viewer-request (every request, before the cache): the returned request replaces the
 *   viewer's; a returned response is `LambdaGeneratedResponse`, never cached;
 * - origin-request (misses only, before the fetch): may change the URI, query string, headers,
 *   body and origin; a returned response is answered and cached like an origin response;
 * - origin-response (before the cache stores it, every status): may change status, headers,
 *   body;
 * - viewer-response (not for origin statuses ≥ 400 nor generated responses): headers.
 * Failures are CloudFront's: 503 LambdaExecutionError / LambdaLimitExceeded, 502
 * LambdaValidationError, each its own X-Cache value.
 */
import { PassThrough, Readable } from 'node:stream';
import { EdgeError } from '../../errors.js';
import type { LambdaEventType, LambdaOutcome } from '../../functions/lambda/index.js';
import { EVENT_LIMITS, requestBodyForEvent } from '../../functions/lambda/index.js';
import {
  applyViewerRequest,
  cfResponse,
  edgeResponse,
  lambdaEvent,
  originCfRequest,
  viewerCfRequest,
} from '../../functions/lambda-events.js';
import type { LambdaFunctionModel } from '../../model/types.js';
import type { Exchange } from '../exchange.js';
import { forwardingPlan } from '../forwarding-plan.js';
import type { Next } from '../lifecycle.js';
import { forwardedQuery } from '../origin-headers.js';
import { buildOriginRequest } from './origin-request.js';
import { destroyBody } from './origin-response.js';

interface Association {
  readonly fn: LambdaFunctionModel;
  readonly includeBody: boolean;
}

function associated(ex: Exchange, eventType: LambdaEventType): Association | undefined {
  const list = ex.behavior?.config.LambdaFunctionAssociations;
  if (list === undefined || list.length === 0) return undefined;
  for (const a of list) {
    if (a.EventType !== eventType) continue;
    const fn = ex.runtime.functions.lambdaFunction(a.LambdaFunctionARN);
    return fn ? { fn, includeBody: a.IncludeBody === true } : undefined;
  }
  return undefined;
}

async function invoke(
  ex: Exchange,
  a: Association,
  eventType: LambdaEventType,
  event: ReturnType<typeof lambdaEvent>,
): Promise<Exclude<LambdaOutcome, { kind: 'error' }>> {
  const result = await ex.runtime.functions.lambda().invoke(a.fn, eventType, event);
  for (const line of result.logs) ex.runtime.functionLog(`${ex.requestId} ${a.fn.Arn}: ${line.trimEnd()}`);
  if (result.kind === 'error') {
    // CloudFront writes validation failures to the distribution's log group; edgefront to the function log.
    ex.runtime.functionLog(`${ex.requestId} ${a.fn.Arn}: ${result.error}: ${result.message}`);
    throw new EdgeError(result.error, `${a.fn.Arn}: ${result.message}`);
  }
  return result;
}

/** The viewer's body read whole (IncludeBody), and handed on as a fresh stream. */
/**
 * IncludeBody: the first `limit` + 1 bytes of the viewer's body, for the event (which shows at
 * most `limit` and says whether it was cut). The body goes on to the origin whole: what was read,
 * then the rest of the viewer's stream, so a large upload is never held in memory.
 */
async function bodyForEvent(ex: Exchange, eventType: 'viewer-request' | 'origin-request'): Promise<Buffer> {
  const body = ex.request.body;
  if (body === null) return Buffer.alloc(0);
  const limit = EVENT_LIMITS[eventType].bodyExposedBytes;
  const { head, ended } = await readUpTo(body, limit);
  let rest: Readable;
  if (ended) rest = Readable.from([head]);
  else {
    const joined = new PassThrough();
    joined.write(head);
    body.on('error', (err) => joined.destroy(err));
    body.pipe(joined);
    rest = joined;
  }
  ex.request = { ...ex.request, body: rest };
  return head;
}

function readUpTo(body: Readable, limit: number): Promise<{ head: Buffer; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
    };
    const finish = (ended: boolean) => {
      cleanup();
      body.pause();
      resolve({ head: Buffer.concat(chunks), ended });
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > limit) finish(false);
    };
    const onEnd = () => finish(true);
    const onError = (err: Error) => {
      cleanup();
      reject(new EdgeError('InvalidRequest', `viewer body: ${err.message}`));
    };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
  });
}

export function viewerRequestLambda(ex: Exchange): Next | Promise<Next> {
  const a = associated(ex, 'viewer-request');
  return a === undefined ? 'cache-lookup' : runViewerRequest(ex, a);
}

async function runViewerRequest(ex: Exchange, a: Association): Promise<Next> {
  const request = viewerCfRequest(ex);
  if (a.includeBody)
    request.body = requestBodyForEvent('viewer-request', await bodyForEvent(ex, 'viewer-request'));
  const out = await invoke(ex, a, 'viewer-request', lambdaEvent(ex, 'viewer-request', request));
  if (out.kind === 'response') {
    ex.response = edgeResponse(out.response, out.bodyBytes ?? null);
    ex.result = 'LambdaGeneratedResponse';
    return 'viewer-response';
  }
  applyViewerRequest(ex, out.request);
  if (out.bodyBytes) ex.request = { ...ex.request, body: Readable.from([out.bodyBytes]) };
  return 'cache-lookup';
}

export function originRequestLambda(ex: Exchange): Next | Promise<Next> {
  const a = associated(ex, 'origin-request');
  return a === undefined ? 'origin-fetch' : runOriginRequest(ex, a);
}

async function runOriginRequest(ex: Exchange, a: Association): Promise<Next> {
  const sent = buildOriginRequest(ex, ex.behavior!, ex.originCandidates[0]);
  // Deviation: CloudFront shows the query string only when the policy forwards all of them
  // (§2.2); edgefront shows what is forwarded.
  const query = forwardedQuery(ex.request.query, forwardingPlan(ex.behavior!).query);
  const request = originCfRequest(ex, sent, ex.originPath, query);
  if (a.includeBody)
    request.body = requestBodyForEvent('origin-request', await bodyForEvent(ex, 'origin-request'));
  const out = await invoke(ex, a, 'origin-request', lambdaEvent(ex, 'origin-request', request));
  if (out.kind === 'response') {
    // Answered and cached like an origin response (lambda-edge.md §3).
    ex.response = edgeResponse(out.response, out.bodyBytes ?? null);
    ex.originStatus = ex.response.status;
    ex.result = 'LambdaGeneratedResponse';
    ex.lambdaGeneratedAtOrigin = true;
    return 'cache-store';
  }
  ex.originRequestOverride = { request: out.request, body: out.bodyBytes };
  return 'origin-fetch';
}

export function originResponseLambda(ex: Exchange): Next | Promise<Next> {
  const a = associated(ex, 'origin-response');
  return a === undefined ? 'cache-store' : runOriginResponse(ex, a);
}

async function runOriginResponse(ex: Exchange, a: Association): Promise<Next> {
  const response = ex.response!;
  // The request as it went to the origin that answered (after an origin-request handler or a failover).
  const sent = ex.sentOriginRequest ?? buildOriginRequest(ex, ex.behavior!, ex.originCandidates[0]);
  const override = ex.originRequestOverride?.request;
  const uri = override ? override.uri : ex.originPath;
  const query = override
    ? override.querystring
    : forwardedQuery(ex.request.query, forwardingPlan(ex.behavior!).query);
  const request = originCfRequest(ex, sent, uri, query);
  const event = lambdaEvent(ex, 'origin-response', request, cfResponse(response));
  const out = await invoke(ex, a, 'origin-response', event);
  if (out.kind !== 'response')
    throw new EdgeError('LambdaValidationError', 'origin-response returned a request');
  let body = response.body;
  if (out.bodyBytes !== undefined) {
    destroyBody(body);
    body = out.bodyBytes;
  }
  ex.response = edgeResponse(out.response, body);
  ex.originStatus = ex.response.status;
  return 'cache-store';
}

export function viewerResponseLambda(ex: Exchange): Next | Promise<Next> {
  const a = associated(ex, 'viewer-response');
  return a === undefined ? 'deliver' : runViewerResponse(ex, a);
}

async function runViewerResponse(ex: Exchange, a: Association): Promise<Next> {
  const previous = ex.response!;
  const event = lambdaEvent(ex, 'viewer-response', viewerCfRequest(ex), cfResponse(previous));
  const out = await invoke(ex, a, 'viewer-response', event);
  if (out.kind !== 'response')
    throw new EdgeError('LambdaValidationError', 'viewer-response returned a request');
  ex.response = edgeResponse(out.response, previous.body, previous);
  return 'deliver';
}
