/**
 * The request line and headers CloudFront sends to an origin (reference/origins.md §4):
 * the viewer headers, cookies and query strings the policies select, Host (the origin's
 * DomainName unless forwarded), X-Forwarded-For and Via appended, X-Amz-Cf-Id,
 * `User-Agent: Amazon CloudFront` unless forwarded, normalised Accept-Encoding, CloudFront-*
 * headers a policy names, and the origin's custom headers last (they overwrite the viewer's).
 */
import type { BehaviorModel, OriginModel } from '../model/types.js';
import { cloudFrontHeaderValue } from './cloudfront-headers.js';
import type { Exchange, ViewerRequest } from './exchange.js';
import {
  ALWAYS_FORWARDED,
  type ForwardingPlan,
  type NameSelector,
  NEVER_FORWARDED,
} from './forwarding-plan.js';

/** How the origin request differs from the viewer's: a custom error page is a plain GET. */
export interface HeaderOptions {
  readonly method: string;
  /** Drop what belongs to the viewer's own request: Range, If-*, Content-*, Authorization. */
  readonly isErrorPage: boolean;
}

export function originRequestHeaders(
  ex: Exchange,
  origin: OriginModel,
  plan: ForwardingPlan,
  behavior: BehaviorModel,
  options: HeaderOptions,
): Record<string, string> {
  const req = ex.request;
  const out: Record<string, string> = {};
  const connectionNamed = namedByConnection(req.headers.connection);
  for (const name in req.headers) {
    const value = req.headers[name];
    if (value === undefined || NEVER_FORWARDED.has(name)) continue;
    // X-Edge-* never reach an origin; CloudFront-* only as CloudFront generates them, never as
    // a viewer sent them (a viewer must not be able to claim its country or address).
    if (name.startsWith('x-edge-') || name.startsWith('cloudfront-')) continue;
    if (connectionNamed?.has(name)) continue; // hop-by-hop by the viewer's Connection header
    if (options.isErrorPage && isViewerRequestSpecific(name)) continue;
    // The edge asks for the whole object and applies the viewer's range itself.
    if (ex.widenedRange && (name === 'range' || name === 'if-range' || name === 'request-range')) continue;
    if (ALWAYS_FORWARDED.has(name) || forwardsHeader(plan, name)) {
      out[name] = Array.isArray(value) ? value.join(', ') : value;
    }
  }

  const isS3 = origin.kind !== 'custom';
  out.host =
    origin.hostHeader ??
    (plan.forwardsHost && !isS3 && ex.header('host') ? ex.header('host')! : origin.config.DomainName);

  const authorization = req.headers.authorization;
  if (
    authorization !== undefined &&
    !options.isErrorPage &&
    passesAuthorization(options.method, plan, behavior)
  )
    out.authorization = String(authorization);

  out['user-agent'] = plan.forwardsUserAgent ? (ex.header('user-agent') ?? '') : 'Amazon CloudFront';
  if (out['user-agent'] === '') delete out['user-agent'];

  const encoding = acceptEncodingToOrigin(req, plan);
  if (encoding !== undefined) out['accept-encoding'] = encoding;

  const cookie = plan.cookie && forwardedCookies(req.headers.cookie, plan.cookie);
  if (cookie) out.cookie = cookie;

  for (const name of plan.cloudFrontHeaders) {
    const value = cloudFrontHeaderValue(name, req);
    if (value !== undefined) out[name] = value;
  }

  const xff = ex.header('x-forwarded-for');
  out['x-forwarded-for'] = xff ? `${xff},${req.clientIp}` : req.clientIp;
  const via = ex.header('via');
  const hop = `${req.httpVersion} ${ex.runtime.viaHost} (CloudFront)`; // the viewer's protocol version
  out.via = via ? `${via}, ${hop}` : hop;
  out['x-amz-cf-id'] = ex.requestId;

  for (const h of origin.config.OriginCustomHeaders) out[h.HeaderName.toLowerCase()] = h.HeaderValue;
  return out;
}

/** Header names the Connection header lists (RFC 9110 §7.6.1), beyond keep-alive/close. */
/** Hop-by-hop response headers (RFC 9110 §7.6.1): never stored, never passed on. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'trailer',
  'upgrade',
  'te',
]);

export function namedByConnection(connection: string | string[] | undefined): Set<string> | undefined {
  if (connection === undefined) return undefined;
  let named: Set<string> | undefined;
  for (const token of String(connection).split(',')) {
    const name = token.trim().toLowerCase();
    if (!name || name === 'keep-alive' || name === 'close') continue;
    named ??= new Set();
    named.add(name);
  }
  return named;
}

function isViewerRequestSpecific(name: string): boolean {
  return (
    name === 'range' || name === 'request-range' || name.startsWith('if-') || name.startsWith('content-')
  );
}

export function forwardsHeader(plan: ForwardingPlan, name: string): boolean {
  if (plan.headerMode === 'all') return true;
  if (plan.headerMode === 'allExcept') return !plan.excludedHeaders.has(name);
  return plan.headers.has(name);
}

/**
 * GET/HEAD: only when the cache policy (or an all-viewer ORP) names it; OPTIONS: unless OPTIONS
 * is cached; DELETE/PATCH/POST/PUT: always (origins.md §4.2).
 */
function passesAuthorization(method: string, plan: ForwardingPlan, behavior: BehaviorModel): boolean {
  if (method === 'GET' || method === 'HEAD') return plan.forwardsAuthorization;
  if (method === 'OPTIONS') return plan.forwardsAuthorization || !behavior.cachedMethods.has('OPTIONS');
  return true;
}

/** caching.md §1.3: with either flag on, only `br`/`gzip` survive, or `identity`; HTTP/1.0 strips it. */
export function acceptEncodingToOrigin(req: ViewerRequest, plan: ForwardingPlan): string | undefined {
  const raw = req.headers['accept-encoding'];
  if (raw === undefined || req.httpVersion === '1.0') return undefined;
  const value = Array.isArray(raw) ? raw.join(',') : raw;
  const { gzip, br } = plan.acceptEncoding;
  if (!gzip && !br) return forwardsHeader(plan, 'accept-encoding') ? value : undefined;
  return normalizedAcceptEncoding(value, gzip, br) ?? 'identity';
}

/** `br,gzip`, `gzip` or `br` from what the viewer accepts (q=0 refuses), or undefined. */
export function normalizedAcceptEncoding(value: string, gzip: boolean, br: boolean): string | undefined {
  let hasGzip = false;
  let hasBr = false;
  for (const part of value.split(',')) {
    const [token, ...params] = part.trim().toLowerCase().split(';');
    if (params.some((p) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(p))) continue;
    if (token === 'gzip') hasGzip = true;
    else if (token === 'br') hasBr = true;
  }
  const useBr = br && hasBr;
  const useGzip = gzip && hasGzip;
  if (useBr && useGzip) return 'br,gzip';
  if (useBr) return 'br';
  if (useGzip) return 'gzip';
  return undefined;
}

/** Only the selected cookies in RFC 6265 `name=value` form, sorted by name (origins.md §4.2). */
export function forwardedCookies(header: string | string[] | undefined, select: NameSelector): string {
  if (header === undefined) return '';
  const pairs: [string, string][] = [];
  for (const line of Array.isArray(header) ? header : [header]) {
    for (const part of line.split(';')) {
      const eq = part.indexOf('=');
      if (eq <= 0) continue;
      const name = part.slice(0, eq).trim();
      if (!name || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name) || !select(name)) continue;
      pairs.push([name, part.slice(eq + 1).trim()]);
    }
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return pairs.map(([n, v]) => `${n}=${v}`).join('; ');
}

/**
 * The query string the origin sees: the selected parameters in request order, raw as sent
 * (`&` separates; `;` does not: caching.md §1.4).
 */
export function forwardedQuery(query: string, select: NameSelector | null): string {
  if (!query || !select) return '';
  const kept: string[] = [];
  let all = true;
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq === -1 ? part : part.slice(0, eq);
    if (select(decodeName(rawName))) kept.push(part);
    else all = false;
  }
  return all ? query : kept.join('&');
}

/** Query parameter names compare percent-decoded (`a%20b` is `a b`). */
export function decodeName(raw: string): string {
  if (!raw.includes('%') && !raw.includes('+')) return raw;
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}
