/**
 * The CloudFront Functions of a behavior, at CloudFront's two viewer points
 * (reference/cloudfront-functions.md §1, §6):
 * - viewer-request, after routing and before the cache lookup, on hits and misses: the
 *   returned request replaces the viewer's (URI, query string, headers, cookies; the behavior
 *   and origin chosen by routing stay), or a returned response goes straight to the viewer
 *   (`FunctionGeneratedResponse`, never cached). → 'cache-lookup' or 'viewer-response'.
 * - viewer-response, last before delivery, not for origin statuses ≥ 400 nor for responses a
 *   viewer-request function generated. → 'deliver'.
 * A function that throws or runs out of budget is CloudFront's 503 FunctionExecutionError; one
 * that returns something invalid, its 502 FunctionValidationError.
 */
import { EdgeError } from '../../errors.js';
import type { FunctionRunResult } from '../../functions/cloudfront/index.js';
import { applyRequestOutput, functionEvent, responseFromOutput } from '../../functions/cloudfront-events.js';
import type { EdgeResponse, Exchange } from '../exchange.js';
import type { Next } from '../lifecycle.js';
import { viewerRequestLambda, viewerResponseLambda } from './lambda-functions.js';
import { destroyBody } from './origin-response.js';

function associated(ex: Exchange, eventType: 'viewer-request' | 'viewer-response') {
  const list = ex.behavior?.config.FunctionAssociations;
  if (list === undefined || list.length === 0) return undefined;
  for (const a of list) if (a.EventType === eventType) return ex.runtime.functions.cloudFront(a.FunctionARN);
  return undefined;
}

export function viewerRequestFunction(ex: Exchange): Next | Promise<Next> {
  const fn = associated(ex, 'viewer-request');
  if (fn === undefined) return viewerRequestLambda(ex);
  const result = fn.run(functionEvent(ex, 'viewer-request'), {
    now: ex.runtime.clock.now(),
    rawQueryString: ex.request.query,
    // cf.edgeLocation: the --pop's letters as the IATA-style name; one local node, one "region".
    edgeLocation: { name: ex.runtime.pop.slice(0, 3), serverIp: '127.0.0.1', region: 'us-east-1' },
  });
  return result instanceof Promise
    ? result.then((r) => afterViewerRequest(ex, fn.name, r))
    : afterViewerRequest(ex, fn.name, result);
}

function afterViewerRequest(ex: Exchange, name: string, result: FunctionRunResult): Next {
  const output = checked(ex, name, result);
  if ('response' in output) {
    ex.response = responseFromOutput(output.response);
    ex.result = 'FunctionGeneratedResponse';
    return 'viewer-response';
  }
  applyRequestOutput(ex, output.request);
  ex.originOverride = result.origin;
  return 'cache-lookup';
}

export function viewerResponseFunction(ex: Exchange): Next | Promise<Next> {
  const response = ex.response!;
  if (
    ex.result === 'FunctionGeneratedResponse' ||
    (ex.result === 'LambdaGeneratedResponse' && !ex.lambdaGeneratedAtOrigin) ||
    ex.result === 'Redirect' ||
    (ex.originStatus ?? response.status) >= 400
  )
    return 'deliver';
  const fn = associated(ex, 'viewer-response');
  if (fn === undefined) return viewerResponseLambda(ex);
  const result = fn.run(functionEvent(ex, 'viewer-response'), { now: ex.runtime.clock.now() });
  return result instanceof Promise
    ? result.then((r) => afterViewerResponse(ex, fn.name, r))
    : afterViewerResponse(ex, fn.name, result);
}

function afterViewerResponse(ex: Exchange, name: string, result: FunctionRunResult): Next {
  const output = checked(ex, name, result);
  if (!('response' in output))
    throw new EdgeError('FunctionValidationError', 'viewer-response returned a request');
  const previous = ex.response!;
  const next = responseFromOutput(output.response, previous);
  if (next.body !== previous.body) discardBody(ex, previous.body);
  ex.response = next;
  return 'deliver';
}

/** Logs the run's console lines, then its output, or CloudFront's error for its failure. */
function checked(ex: Exchange, name: string, result: FunctionRunResult) {
  for (const line of result.logs) ex.runtime.functionLog(`${ex.requestId} ${name}: ${line}`);
  if (result.error !== undefined) {
    ex.runtime.functionLog(`${ex.requestId} ${name}: ${result.error.kind} error: ${result.error.message}`);
    throw new EdgeError(
      result.error.kind === 'execution' ? 'FunctionExecutionError' : 'FunctionValidationError',
      `${name}: ${result.error.message}`,
    );
  }
  return result.output!;
}

/**
 * A body the viewer won't get because a function replaced it. One that fills the cache is read
 * to its end (CloudFront caches the origin's object whatever the viewer-response function
 * sends); any other is dropped.
 */
export function discardBody(ex: Exchange, body: EdgeResponse['body']): void {
  if (ex.fillingCache && body !== null && !Buffer.isBuffer(body)) {
    body.on('error', () => {});
    body.resume();
  } else destroyBody(body);
}
