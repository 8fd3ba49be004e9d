/**
 * Signed URLs and signed cookies (reference/distribution.md §10), as viewer-request applies them
 * to a behavior with TrustedKeyGroups (or legacy TrustedSigners): after routing and the viewer
 * checks, before any edge function and the cache, so a cached object is never served to a
 * request without a valid signature. A granted request goes on with the reserved query
 * parameters removed (the cache key, the functions and the origin never see them:
 * origins.md §4.1); a refused one gets CloudFront's 403 with its small XML body.
 */
import { EDGE_ERRORS } from '../../errors.js';
import type { Exchange } from '../exchange.js';
import { readSigningValues } from './signing-values.js';
import { refusalOf, type SignedUrlRefusal } from './verify.js';

/** True when the request may go on; false when `ex.response` now holds the 403. */
export function acceptSignedRequest(ex: Exchange): boolean {
  const req = ex.request;
  const parts = readSigningValues(req.query, req.headers.cookie);
  // The URL as the viewer asked for it; Host as sent (with its port, when it has one).
  const host = (ex.header('host') ?? ex.distribution!.DomainName).toLowerCase();
  const refusal = refusalOf({
    values: parts.values,
    trustedKeys: ex.behavior!.trustedKeys!,
    url: `${req.protocol}://${host}${req.path}${parts.query ? `?${parts.query}` : ''}`,
    clientIp: req.clientIp,
    nowMs: ex.runtime.clock.now(),
  });
  if (refusal) {
    refuse(ex, refusal);
    return false;
  }
  if (parts.query !== req.query) ex.request = { ...req, query: parts.query };
  return true;
}

/**
 * `<Error><Code>AccessDenied</Code><Message>Access denied</Message></Error>` as `text/xml`, with
 * `X-Cache: Error from cloudfront`. Deviation from CloudFront: CustomErrorResponses do not replace
 * it (undocumented on CloudFront's side).
 */
function refuse(ex: Exchange, code: SignedUrlRefusal): void {
  const body = Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code.slice('SignedUrl'.length)}</Code><Message>${EDGE_ERRORS[code].reason}</Message></Error>`,
  );
  ex.response = {
    status: EDGE_ERRORS[code].status,
    headers: {
      server: 'CloudFront',
      date: new Date(ex.runtime.clock.now()).toUTCString(),
      'content-type': 'text/xml',
      'content-length': String(body.length),
    },
    body,
  };
  ex.result = 'Error';
  ex.detailedResult = code;
  if (ex.request.body && !ex.request.body.readableEnded) ex.request.body.resume(); // keep the connection
}
