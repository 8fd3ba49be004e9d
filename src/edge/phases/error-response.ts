/**
 * Turns a failure into what CloudFront answers (STYLE.md §4): an origin failure (502/504), an
 * origin error status or a geo block (403) may be replaced by the distribution's custom error page; anything
 * else gets CloudFront's generated error page. Internal errors are logged with the request id
 * and never shown to the viewer.
 */

import { EDGE_ERRORS, type EdgeError } from '../../errors.js';
import { copyHeaders } from '../copy-headers.js';
import { errorPage } from '../error-page.js';
import type { EdgeResponse, Exchange, ResultType } from '../exchange.js';
import { behaviorFor } from '../route.js';
import { buildOriginRequest, originsFor } from './origin-request.js';
import { destroyBody } from './origin-response.js';

export async function errorResponse(ex: Exchange, err: EdgeError): Promise<void> {
  // A failing edge function is its own X-Cache value (FunctionExecutionError from cloudfront …).
  ex.result = err.source === 'function' ? (err.code as ResultType) : 'Error';
  ex.detailedResult = err.code;
  if (err.source === 'internal') {
    process.stderr.write(
      `edgefront: internal error on request ${ex.requestId}: ${String(err.cause ?? err)}\n`,
    );
  }
  if (ex.request.body && !ex.request.body.readableEnded) ex.request.body.resume(); // drain, keep the connection
  destroyBody(ex.response?.body);
  // A geo block's 403 takes the distribution's custom 403 page too, as CloudFront's docs describe.
  const mayUseCustomPage = err.source === 'origin' || err.code === 'ClientGeoBlocked';
  const custom = mayUseCustomPage && ex.distribution ? await customErrorPage(ex, err.status) : undefined;
  // Only the catalogue's public reason reaches the viewer; the message may name addresses and errnos.
  ex.response =
    custom ?? errorPage(err.status, EDGE_ERRORS[err.code].reason, ex.requestId, ex.runtime.clock.now());
}

/**
 * The custom error page for `status`, or undefined when none is configured or it could not be
 * fetched. If the page's own origin answers an error, the viewer gets that status (caching.md §7).
 */
export async function customErrorPage(ex: Exchange, status: number): Promise<EdgeResponse | undefined> {
  const custom = ex.distribution!.customErrorResponses.get(status);
  if (!custom?.ResponsePagePath) return undefined;
  const [pagePath, pageQuery = ''] = custom.ResponsePagePath.split('?', 2);
  const behavior = behaviorFor(ex.distribution!, pagePath);
  const [origin] = originsFor(ex, behavior);
  try {
    const page = await ex.runtime.fetcher.fetch(
      buildOriginRequest(ex, behavior, origin, {
        method: 'GET',
        path: pagePath,
        query: pageQuery,
        withBody: false,
      }),
    );
    const ok = page.status >= 200 && page.status < 300;
    const headers = copyHeaders(page.headers);
    delete headers['content-range'];
    return { status: ok ? (custom.ResponseCode ?? status) : page.status, headers, body: page.body };
  } catch {
    return undefined;
  }
}
