/**
 * A response headers policy's CorsConfig on one response (reference/distribution.md §8, "CORS
 * headers" in CloudFront's "Understand response headers policies"):
 * - only a CORS request (one carrying `Origin`) gets CORS headers, and only when its origin is
 *   allowed: `*` answers `Access-Control-Allow-Origin: *`, a listed origin is echoed;
 * - Allow-Credentials and Expose-Headers go to every CORS response; Allow-Methods, Allow-Headers
 *   and Max-Age only to preflights (`OPTIONS` with Access-Control-Request-Method);
 * - OriginOverride false: when the origin sent any CORS header, its CORS headers are used and the
 *   policy adds none; true: the policy's replace the origin's of the same name.
 */
import type { CorsModel } from '../../model/response-headers.js';
import type { Exchange } from '../exchange.js';

type Headers = Record<string, string | string[]>;

const CORS_HEADERS = [
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-allow-headers',
  'access-control-allow-methods',
  'access-control-expose-headers',
  'access-control-max-age',
] as const;

export function applyCors(ex: Exchange, headers: Headers, cors: CorsModel): void {
  const origin = ex.header('origin');
  if (origin === undefined) return;
  if (!cors.originOverride && hasCorsHeader(headers)) return;
  let allowOrigin: string;
  if (cors.anyOrigin) {
    // The Fetch standard refuses `*` with credentials: the origin is echoed instead. CloudFront
    // documents no value for this case.
    allowOrigin = cors.allowCredentials ? origin : '*';
  } else if (cors.origins?.test(origin)) allowOrigin = origin;
  else return; // not an allowed origin: no CORS headers
  headers['access-control-allow-origin'] = allowOrigin;
  if (allowOrigin !== '*') addVaryOrigin(headers);
  if (cors.allowCredentials) headers['access-control-allow-credentials'] = 'true';
  if (cors.exposeHeaders !== undefined) headers['access-control-expose-headers'] = cors.exposeHeaders;
  if (ex.request.method !== 'OPTIONS' || ex.request.headers['access-control-request-method'] === undefined)
    return;
  if (cors.allowMethods !== undefined) headers['access-control-allow-methods'] = cors.allowMethods;
  const allowHeaders = preflightAllowHeaders(ex, cors);
  if (allowHeaders) headers['access-control-allow-headers'] = allowHeaders;
  if (cors.maxAgeSec !== undefined) headers['access-control-max-age'] = cors.maxAgeSec;
}

function hasCorsHeader(headers: Headers): boolean {
  for (const name of CORS_HEADERS) if (headers[name] !== undefined) return true;
  return false;
}

/** The policy's names and `*`, then the requested headers a pattern such as `x-amz-*` allows. */
function preflightAllowHeaders(ex: Exchange, cors: CorsModel): string {
  let value = cors.allowHeaders ?? '';
  const patterns = cors.allowHeaderPatterns;
  const requested = patterns && ex.header('access-control-request-headers');
  if (!requested) return value;
  for (const raw of requested.split(',')) {
    const name = raw.trim();
    if (name && patterns.test(name)) value = value ? `${value}, ${name}` : name;
  }
  return value;
}

/**
 * An echoed origin makes the response depend on the request's `Origin`, so caches and browsers
 * are told (the Fetch standard's advice; reference/distribution.md §8 marks CloudFront's own
 * behaviour [undocumented]).
 */
function addVaryOrigin(headers: Headers): void {
  const vary = headers.vary;
  if (vary === undefined || vary === '') headers.vary = 'Origin';
  else {
    const text = String(vary);
    if (text.trim() !== '*' && !/(?:^|,)\s*origin\s*(?:,|$)/i.test(text)) headers.vary = `${text}, Origin`;
  }
}
