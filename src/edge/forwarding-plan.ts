/**
 * What a behavior sends to its origin, compiled once per behavior from its cache policy and
 * origin request policy (reference/origins.md §4.1–4.2, caching.md §1.2–1.5): which viewer
 * headers, cookies and query strings, whether Host, Authorization and User-Agent pass, and
 * which CloudFront-* headers to generate. Everything in the cache key is forwarded; an origin
 * request policy forwards more without keying on it.
 */
import type { CookieBehavior, QueryStringBehavior } from '../model/cloudfront.js';
import type { BehaviorModel } from '../model/types.js';

export type NameSelector = (name: string) => boolean;

export interface ForwardingPlan {
  /** 'list': only `headers`; 'all': every viewer header; 'allExcept': all but `excludedHeaders`. */
  readonly headerMode: 'list' | 'all' | 'allExcept';
  readonly headers: ReadonlySet<string>; // lowercase, viewer headers named by either policy
  readonly excludedHeaders: ReadonlySet<string>;
  /** CloudFront-* headers named by either policy (lowercase), generated per request. */
  readonly cloudFrontHeaders: readonly string[];
  readonly forwardsHost: boolean;
  readonly forwardsAuthorization: boolean;
  readonly forwardsUserAgent: boolean;
  readonly cookie: NameSelector | null; // null: no cookie reaches the origin
  readonly query: NameSelector | null; // null: no query string reaches the origin
  readonly acceptEncoding: { readonly gzip: boolean; readonly br: boolean };
  /** Set-Cookie from the origin reaches viewers only when cookies are forwarded (caching.md §3.6). */
  readonly passesSetCookie: boolean;
}

/** Viewer headers CloudFront forwards whatever the policies say (origins.md §4.2 "Forwarded"). */
export const ALWAYS_FORWARDED = new Set([
  'range',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'if-range',
  'if-unmodified-since',
  'cache-control',
  'pragma',
  'content-length',
  'content-md5',
  'content-type',
  'date',
  'from',
  'max-forwards',
  'request-range',
  'warning',
]);

/**
 * Never forwarded as viewer headers: hop-by-hop, the ones CloudFront sets itself, and the ones
 * the AWS table marks as removed and not cacheable (origins.md §4.2).
 */
export const NEVER_FORWARDED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'x-forwarded-proto',
  'x-real-ip',
  'host',
  'cookie',
  'via',
  'x-forwarded-for',
  'x-amz-cf-id',
  'accept-encoding',
  'authorization',
  'user-agent',
  'http2-settings',
  // 100-continue is answered by the edge itself (and undici refuses to send Expect).
  'expect',
]);

/**
 * Legacy (ForwardedValues) behaviors forward the viewer's other headers by default; these are
 * the ones CloudFront removes unless the behavior names them (origins.md §4.1–4.2).
 */
const LEGACY_REMOVED = [
  'accept',
  'accept-charset',
  'accept-language',
  'referer',
  'x-http-method-override',
  'host',
  'user-agent',
];

const plans = new WeakMap<BehaviorModel, ForwardingPlan>();

export function forwardingPlan(behavior: BehaviorModel): ForwardingPlan {
  let plan = plans.get(behavior);
  if (!plan) {
    plan = compilePlan(behavior);
    plans.set(behavior, plan);
  }
  return plan;
}

function compilePlan(behavior: BehaviorModel): ForwardingPlan {
  const cp = behavior.cachePolicy;
  const params = cp.Config.ParametersInCacheKeyAndForwardedToOrigin;
  const orp = behavior.originRequestPolicy;
  const named = new Set<string>();
  for (const h of cp.headers) named.add(h);
  let headerMode: ForwardingPlan['headerMode'] = 'list';
  const excluded = new Set<string>();
  if (orp) {
    const hb = orp.Config.HeadersConfig.HeaderBehavior;
    if (hb === 'allViewer' || hb === 'allViewerAndWhitelistCloudFront') headerMode = 'all';
    if (hb === 'allExcept') {
      headerMode = 'allExcept';
      for (const h of orp.headers) if (!cp.headers.has(h)) excluded.add(h);
    } else {
      for (const h of orp.headers) named.add(h);
    }
  }
  if (behavior.isLegacy) {
    // Legacy `Headers: ['*']` forwards every header (and disables caching: caching.md §1.5);
    // otherwise every header but the ones CloudFront removes unless named.
    if (named.has('*')) headerMode = 'all';
    else {
      headerMode = 'allExcept';
      for (const h of LEGACY_REMOVED) if (!named.has(h)) excluded.add(h);
    }
  }
  const cloudFrontHeaders = [...named].filter((h) => h.startsWith('cloudfront-'));
  const viewerNamed = new Set([...named].filter((h) => !h.startsWith('cloudfront-')));
  const forwards = (h: string) =>
    viewerNamed.has(h) || headerMode === 'all' || (headerMode === 'allExcept' && !excluded.has(h));
  const cookie = anyOf(
    selector(params.CookiesConfig.CookieBehavior, cp.cookies, behavior.isLegacy),
    orp ? selector(orp.Config.CookiesConfig.CookieBehavior, orp.cookies, false) : null,
  );
  // Legacy `QueryString: true` forwards every query string, even when QueryStringCacheKeys
  // keys on only some of them (caching.md §1.5).
  const legacyQuery = behavior.isLegacy && behavior.config.ForwardedValues?.QueryString === true;
  const query = legacyQuery
    ? ALL
    : anyOf(
        selector(params.QueryStringsConfig.QueryStringBehavior, cp.queryStrings, false),
        orp ? selector(orp.Config.QueryStringsConfig.QueryStringBehavior, orp.queryStrings, false) : null,
      );
  return {
    headerMode,
    headers: viewerNamed,
    excludedHeaders: excluded,
    cloudFrontHeaders,
    forwardsHost: forwards('host'),
    // Authorization can't be listed in an ORP: only the cache policy or an all-viewer ORP passes it.
    forwardsAuthorization: cp.headers.has('authorization') || headerMode === 'all',
    forwardsUserAgent: forwards('user-agent'),
    cookie,
    query,
    acceptEncoding: { gzip: params.EnableAcceptEncodingGzip, br: params.EnableAcceptEncodingBrotli },
    passesSetCookie: cookie !== null,
  };
}

const ALL: NameSelector = () => true;

function selector(
  behavior: CookieBehavior | QueryStringBehavior,
  names: ReadonlySet<string>,
  wildcards: boolean,
): NameSelector | null {
  switch (behavior) {
    case 'none':
      return null;
    case 'all':
      return () => true;
    case 'allExcept':
      return (name) => !names.has(name);
    case 'whitelist': {
      // Legacy cookie allow-lists accept `*` and `?` wildcards; cache policies treat them literally.
      const patterns = wildcards ? [...names].filter((n) => /[*?]/.test(n)).map(wildcardRegExp) : [];
      if (patterns.length === 0) return (name) => names.has(name);
      return (name) => names.has(name) || patterns.some((re) => re.test(name));
    }
  }
}

function anyOf(a: NameSelector | null, b: NameSelector | null): NameSelector | null {
  if (!a) return b;
  if (!b) return a;
  return (name) => a(name) || b(name);
}

/** Legacy cookie allow-list names: `*` matches 0+ characters, `?` one (caching.md §1.5). */
export function wildcardRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}
