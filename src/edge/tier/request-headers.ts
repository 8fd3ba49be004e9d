/**
 * The headers a child sends its tier: what the behavior's policies forward (so the tier computes
 * the same cache key and builds the same origin request), the viewer's Host, User-Agent,
 * Accept-Encoding, X-Forwarded-For and Via as received (the tier adds the viewer's address and
 * its own hop, as the edge would have), and the signed marker. Never Range, If-* or a body: the
 * child asks for the whole object to cache it. Never CloudFront-* or X-Edge-* as a viewer sent
 * them: the tier generates CloudFront-* from the viewer the marker names.
 */
import type { Exchange } from '../exchange.js';
import { ALWAYS_FORWARDED, forwardingPlan, NEVER_FORWARDED } from '../forwarding-plan.js';
import { forwardedCookies, forwardsHeader, namedByConnection } from '../origin-headers.js';
import { TIER_HEADER } from './marker.js';

/** Viewer headers the tier needs whatever the policies say, to act as this edge would. */
const AS_RECEIVED = new Set(['host', 'user-agent', 'accept-encoding', 'x-forwarded-for', 'via']);
/** The child asks for the whole object, unconditionally. */
const WHOLE_OBJECT = new Set([
  'range',
  'request-range',
  'if-range',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'content-length',
  'content-md5',
  'content-type',
]);

export function tierRequestHeaders(ex: Exchange, marker: string): Record<string, string> {
  const req = ex.request;
  const plan = forwardingPlan(ex.behavior!);
  const connectionNamed = namedByConnection(req.headers.connection);
  const out: Record<string, string> = {};
  for (const name in req.headers) {
    const value = req.headers[name];
    if (value === undefined || WHOLE_OBJECT.has(name) || connectionNamed?.has(name)) continue;
    if (name.startsWith('x-edge') || name.startsWith('cloudfront-')) continue;
    const wanted =
      AS_RECEIVED.has(name) ||
      (name === 'authorization' && plan.forwardsAuthorization) ||
      (!NEVER_FORWARDED.has(name) && (ALWAYS_FORWARDED.has(name) || forwardsHeader(plan, name)));
    if (wanted) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const cookie = plan.cookie && forwardedCookies(req.headers.cookie, plan.cookie);
  if (cookie) out.cookie = cookie;
  out.host ??= ex.distribution!.DomainName;
  out[TIER_HEADER] = marker;
  return out;
}
