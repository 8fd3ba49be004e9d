/**
 * Last phase before delivery, for every response (origin, generated, error). Applies what
 * CloudFront changes toward viewers (reference/caching.md §5, §3.6, §3.7): hop-by-hop headers
 * removed, Set-Cookie stripped unless cookies are forwarded, Vary filtered, the behavior's response
 * headers policy applied (src/edge/response-headers/), Via replaced, and X-Cache / X-Amz-Cf-Pop /
 * X-Amz-Cf-Id added. → 'viewer-response-function'.
 */
import type { Exchange } from '../exchange.js';
import { forwardingPlan } from '../forwarding-plan.js';
import { HOP_BY_HOP, namedByConnection } from '../origin-headers.js';
import { applyWidenedRange } from '../range-response.js';
import { applyResponseHeadersPolicy } from '../response-headers/apply.js';

const GENERATED = new Set(['Redirect', 'FunctionGeneratedResponse', 'LambdaGeneratedResponse']);

/** `X-Cache` values, built once instead of per response. */
const X_CACHE: Record<string, string> = {};

export function viewerResponse(ex: Exchange): 'viewer-response-function' {
  const response = ex.response!;
  const runtime = ex.runtime;
  if (response.viewerSafe === true) {
    // A cache hit whose stored headers need no filtering: the hot path only adds its own.
    const headers = response.headers;
    const policy = ex.behavior!.responseHeadersPolicy;
    if (policy !== undefined) {
      response.storedHeaders = undefined; // the policy may change or remove stored headers
      applyResponseHeadersPolicy(ex, headers, policy);
    }
    headers.via = runtime.viewerVia;
    headers['x-cache'] = X_CACHE[ex.result] ?? xCache(ex.result);
    headers['x-amz-cf-pop'] = runtime.pop;
    headers['x-amz-cf-id'] = ex.requestId;
    return 'viewer-response-function';
  }
  if (ex.widenedRange) applyWidenedRange(ex);
  // Generated responses (redirects, functions) keep their cookies and Vary as generated.
  const plan = ex.behavior && !GENERATED.has(ex.result) ? forwardingPlan(ex.behavior) : undefined;
  // One pass into a fresh object: deleting keys from the origin's object would slow every
  // later access to it (V8 dictionary mode).
  const headers: Record<string, string | string[]> = {};
  const from = response.headers;
  const connectionNamed = namedByConnection(from.connection);
  for (const name in from) {
    if (HOP_BY_HOP.has(name) || connectionNamed?.has(name)) continue;
    if (name === 'set-cookie' && plan && !plan.passesSetCookie) continue;
    if (name === 'vary' && plan) {
      const kept = filterVary(String(from.vary), plan);
      if (kept) headers.vary = kept;
      continue;
    }
    const value = from[name];
    // Only Set-Cookie may repeat: HTTP/2 refuses repeated single-value headers, and HTTP/1
    // viewers get the same values joined, as RFC 9110 §5.3 allows.
    headers[name] = Array.isArray(value) && name !== 'set-cookie' ? value.join(', ') : value;
  }
  response.headers = headers;
  const policy = ex.behavior?.responseHeadersPolicy;
  if (policy !== undefined) applyResponseHeadersPolicy(ex, headers, policy);
  headers.via = runtime.viewerVia;
  headers['x-cache'] = X_CACHE[ex.result] ?? xCache(ex.result);
  headers['x-amz-cf-pop'] = runtime.pop;
  headers['x-amz-cf-id'] = ex.requestId;
  return 'viewer-response-function';
}

function xCache(result: string): string {
  const value = `${result} from cloudfront`;
  X_CACHE[result] = value;
  return value;
}

/**
 * CloudFront makes no variants from Vary: it passes Accept-Encoding, Cookie, the headers the
 * behavior forwards, and User-Agent when a CloudFront-Is-*-Viewer header is forwarded (§3.7).
 */
function filterVary(vary: string, plan: ReturnType<typeof forwardingPlan>): string {
  const uaDerived = plan.cloudFrontHeaders.some((h) => h.startsWith('cloudfront-is-'));
  const kept: string[] = [];
  for (const raw of vary.split(',')) {
    const token = raw.trim();
    const name = token.toLowerCase();
    if (
      name === 'accept-encoding' ||
      name === 'cookie' ||
      plan.headerMode === 'all' ||
      plan.headers.has(name) ||
      (plan.headerMode === 'allExcept' && !plan.excludedHeaders.has(name) && name !== '*') ||
      (name === 'user-agent' && uaDerived)
    ) {
      if (token) kept.push(token);
    }
  }
  return kept.join(', ');
}
