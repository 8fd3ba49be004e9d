/**
 * Last phase before delivery, for every response (origin, generated, error). Applies what
 * CloudFront changes toward viewers (reference/caching.md §5, §3.6, §3.7): hop-by-hop headers
 * removed, Set-Cookie stripped unless cookies are forwarded, Vary filtered, Via replaced, and
 * X-Cache / X-Amz-Cf-Pop / X-Amz-Cf-Id added. → 'deliver'.
 */
import type { Exchange } from '../exchange.js';
import { forwardingPlan } from '../forwarding-plan.js';

const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'trailer',
  'upgrade',
  'te',
];

export function viewerResponse(ex: Exchange): 'deliver' {
  const headers = ex.response!.headers;
  for (const name of HOP_BY_HOP) delete headers[name];
  const behavior = ex.behavior;
  if (behavior && ex.result !== 'Redirect') {
    const plan = forwardingPlan(behavior);
    if (!plan.passesSetCookie) delete headers['set-cookie'];
    const vary = headers.vary;
    if (vary !== undefined) {
      const kept = filterVary(String(vary), plan);
      if (kept) headers.vary = kept;
      else delete headers.vary;
    }
  }
  const runtime = ex.runtime;
  headers.via = `1.1 ${runtime.viaHost} (CloudFront)`;
  headers['x-cache'] = `${ex.result} from cloudfront`;
  headers['x-amz-cf-pop'] = runtime.pop;
  headers['x-amz-cf-id'] = ex.requestId;
  return 'deliver';
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
