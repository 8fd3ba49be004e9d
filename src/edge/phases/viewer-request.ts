/**
 * First phase. Routes Host → distribution → behavior, then applies what CloudFront checks
 * before anything else (reference/distribution.md §4.2–4.3): URL size, disabled distribution,
 * distribution chaining, geo restriction (§6, before any function runs), viewer protocol policy,
 * allowed methods, GET with a body, signed URLs and cookies (§10), and the DefaultRootObject (for
 * `/` only, every method: caching.md §7).
 * → 'viewer-request-function', or 'viewer-response' with a generated redirect or signed-URL 403.
 */
import { EdgeError } from '../../errors.js';
import type { EdgeResponse, Exchange } from '../exchange.js';
import { isGeoBlocked } from '../geo/restriction.js';
import { locateViewer } from '../geo/viewer-location.js';
import type { Next } from '../lifecycle.js';
import { behaviorFor } from '../route.js';
import { acceptSignedRequest } from '../signed-urls/index.js';

const MAX_URL_BYTES = 8192;
const CLOUDFRONT_HOP = /\.cloudfront\.net \(CloudFront\)/g;

export function viewerRequest(ex: Exchange): Next {
  if (ex.runtime.geo !== undefined) ex.request = locateViewer(ex.request, ex.runtime.geo);
  const req = ex.request;
  // A request target that is not a path (`*`, or a form the listener couldn't turn into one).
  if (req.path.charCodeAt(0) !== 47 /* / */) throw new EdgeError('InvalidRequest');
  if (req.path.length + req.query.length > MAX_URL_BYTES) {
    ex.closeConnection = true; // CloudFront answers 413 and closes the connection (distribution.md §4.3)
    throw new EdgeError('RequestTooLarge');
  }
  const dist = ex.runtime.routes.distributionFor(ex.header('host'));
  if (!dist) throw new EdgeError('InvalidHost');
  ex.distribution = dist;
  if (!dist.DistributionConfig.Enabled) throw new EdgeError('DistributionDisabled');
  // More than 2 CloudFront distributions chained in one request ⇒ 403 (distribution.md §4.3).
  if ((ex.header('via')?.match(CLOUDFRONT_HOP)?.length ?? 0) >= 2)
    throw new EdgeError('DistributionChainTooLong');
  // Distribution-wide, so before the behavior's checks (CloudFront does not document the order):
  // a blocked viewer gets the 403 even where its HTTP request would have been redirected.
  if (isGeoBlocked(dist, req)) throw new EdgeError('ClientGeoBlocked');

  const behavior = behaviorFor(dist, req.path);
  ex.behavior = behavior;

  if (req.protocol === 'http') {
    const policy = behavior.config.ViewerProtocolPolicy;
    if (policy === 'https-only') throw new EdgeError('HttpsRequired');
    if (policy === 'redirect-to-https') {
      // GET/HEAD: 301; other methods keep method and body with 307; HTTP/1.0 can't: 403.
      if (req.method === 'GET' || req.method === 'HEAD') return redirectToHttps(ex, 301);
      if (req.httpVersion === '1.0') throw new EdgeError('HttpsRequired');
      return redirectToHttps(ex, 307);
    }
  }

  if (!behavior.allowedMethods.has(req.method as never)) throw new EdgeError('InvalidRequestMethod');
  if (req.method === 'GET' && hasBody(ex)) throw new EdgeError('InvalidRequestBody');
  if (behavior.trustedKeys && !acceptSignedRequest(ex)) return 'viewer-response';

  const rootObject = dist.DistributionConfig.DefaultRootObject;
  if (rootObject && req.path === '/') ex.originPath = `/${rootObject}`;
  return 'viewer-request-function';
}

function hasBody(ex: Exchange): boolean {
  const length = ex.header('content-length');
  return (length !== undefined && length !== '0') || ex.header('transfer-encoding') !== undefined;
}

function redirectToHttps(ex: Exchange, status: 301 | 307): Next {
  const req = ex.request;
  const host = ex.header('host') ?? ex.distribution!.DomainName;
  // Deviation from CloudFront: a local Host carries a port; point it at the HTTPS listener.
  const httpsHost = withPort(host, ex.runtime.httpsPort);
  const location = `https://${httpsHost}${req.path}${req.query ? `?${req.query}` : ''}`;
  const body = Buffer.from(
    `<html>\r\n<head><title>${status} ${status === 301 ? 'Moved Permanently' : 'Temporary Redirect'}</title></head>\r\n<body>\r\n<center><h1>${status} ${status === 301 ? 'Moved Permanently' : 'Temporary Redirect'}</h1></center>\r\n<hr><center>CloudFront</center>\r\n</body>\r\n</html>\r\n`,
  );
  const response: EdgeResponse = {
    status,
    headers: {
      server: 'CloudFront',
      date: new Date(ex.runtime.clock.now()).toUTCString(),
      'content-type': 'text/html',
      'content-length': String(body.length),
      location,
    },
    body,
  };
  ex.response = response;
  ex.result = 'Redirect';
  return 'viewer-response';
}

function withPort(host: string, httpsPort: number | undefined): string {
  const bracket = host.lastIndexOf(']');
  const colon = host.lastIndexOf(':');
  if (colon <= bracket) return host; // no port: keep the Host as the viewer sent it
  const name = host.slice(0, colon);
  return httpsPort === undefined || httpsPort === 443 ? name : `${name}:${httpsPort}`;
}
