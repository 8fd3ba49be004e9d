/**
 * Accepts the SDK/API shape of a config where CloudFormation's differs and the meaning is the
 * same (reference/distribution.md §3.2): `{ Quantity, Items }` wrappers become plain arrays and
 * API names become CloudFormation's (`IsIPV6Enabled` → `IPV6Enabled`, `CustomHeaders` →
 * `OriginCustomHeaders` …). Runs before validation, on a copy; values are not checked here.
 */
import { isObj, type Obj } from './issues.js';

const WRAPPER_KEYS = new Set(['Quantity', 'Items', 'Enabled', 'CachedMethods']);

/** `{ Quantity: 2, Items: [...] }` → `[...]`; anything else unchanged. */
function unwrap(v: unknown): unknown {
  if (isObj(v) && ('Items' in v || 'Quantity' in v) && Object.keys(v).every((k) => WRAPPER_KEYS.has(k))) {
    return v.Items ?? [];
  }
  return v;
}

function rename(o: Obj, from: string, to: string): void {
  if (from in o) {
    if (!(to in o)) o[to] = o[from];
    delete o[from];
  }
}

function mapList(v: unknown, fn: (item: Obj) => Obj): unknown {
  const list = unwrap(v);
  return Array.isArray(list) ? list.map((item) => (isObj(item) ? fn({ ...item }) : item)) : list;
}

/** `"404"` → 404 (the API has ResponseCode as a string; CloudFormation an integer). */
function intOf(v: unknown): unknown {
  return typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
}

function normalizeOrigin(o: Obj): Obj {
  rename(o, 'CustomHeaders', 'OriginCustomHeaders');
  if ('OriginCustomHeaders' in o) o.OriginCustomHeaders = unwrap(o.OriginCustomHeaders);
  if (isObj(o.CustomOriginConfig)) {
    const c = { ...o.CustomOriginConfig };
    rename(c, 'OriginSslProtocols', 'OriginSSLProtocols');
    if ('OriginSSLProtocols' in c) c.OriginSSLProtocols = unwrap(c.OriginSSLProtocols);
    o.CustomOriginConfig = c;
  }
  return o;
}

/** CloudFormation keeps `{ Quantity?, Items }` for origin groups; a plain list is wrapped. */
function normalizeOriginGroups(v: unknown): unknown {
  const wrap = (x: unknown) => (Array.isArray(x) ? { Quantity: x.length, Items: x } : x);
  const groups = wrap(v);
  if (!isObj(groups) || !Array.isArray(groups.Items)) return groups;
  const Items = groups.Items.map((g) => {
    if (!isObj(g)) return g;
    const out: Obj = { ...g, Members: wrap(g.Members) };
    if (isObj(g.FailoverCriteria))
      out.FailoverCriteria = { ...g.FailoverCriteria, StatusCodes: wrap(g.FailoverCriteria.StatusCodes) };
    return out;
  });
  return { ...groups, Items };
}

export function normalizeBehavior(b: Obj): Obj {
  if (isObj(b.AllowedMethods)) {
    if (b.CachedMethods === undefined && b.AllowedMethods.CachedMethods !== undefined)
      b.CachedMethods = b.AllowedMethods.CachedMethods;
    b.AllowedMethods = unwrap(b.AllowedMethods);
  }
  for (const k of ['CachedMethods', 'FunctionAssociations', 'LambdaFunctionAssociations'])
    if (k in b) b[k] = unwrap(b[k]);
  for (const k of ['TrustedKeyGroups', 'TrustedSigners']) {
    // API form `{ Enabled: false, Quantity: 0 }` means "not set".
    if (isObj(b[k]) && (b[k] as Obj).Enabled === false) delete b[k];
    else if (k in b) b[k] = unwrap(b[k]);
  }
  if (isObj(b.ForwardedValues)) {
    const f = { ...b.ForwardedValues };
    for (const k of ['Headers', 'QueryStringCacheKeys']) if (k in f) f[k] = unwrap(f[k]);
    if (isObj(f.Cookies)) f.Cookies = { ...f.Cookies, WhitelistedNames: unwrap(f.Cookies.WhitelistedNames) };
    if (isObj(f.Cookies) && f.Cookies.WhitelistedNames === undefined)
      delete (f.Cookies as Obj).WhitelistedNames;
    b.ForwardedValues = f;
  }
  return b;
}

export function normalizeDistributionConfig(input: unknown): unknown {
  if (!isObj(input)) return input;
  const d: Obj = { ...input };
  rename(d, 'IsIPV6Enabled', 'IPV6Enabled');
  if ('Aliases' in d) d.Aliases = unwrap(d.Aliases);
  if ('Origins' in d) d.Origins = mapList(d.Origins, normalizeOrigin);
  if ('OriginGroups' in d) d.OriginGroups = normalizeOriginGroups(d.OriginGroups);
  if (isObj(d.DefaultCacheBehavior))
    d.DefaultCacheBehavior = normalizeBehavior({ ...d.DefaultCacheBehavior });
  if ('CacheBehaviors' in d) d.CacheBehaviors = mapList(d.CacheBehaviors, normalizeBehavior);
  if ('CustomErrorResponses' in d) {
    d.CustomErrorResponses = mapList(d.CustomErrorResponses, (e) => {
      for (const k of ['ErrorCode', 'ResponseCode', 'ErrorCachingMinTTL']) if (k in e) e[k] = intOf(e[k]);
      if (e.ResponseCode === '') delete e.ResponseCode; // the API's "no ResponseCode"
      if (e.ResponsePagePath === '') delete e.ResponsePagePath;
      return e;
    });
  }
  if (isObj(d.Restrictions) && isObj(d.Restrictions.GeoRestriction)) {
    const g: Obj = { ...d.Restrictions.GeoRestriction };
    rename(g, 'Items', 'Locations');
    delete g.Quantity;
    d.Restrictions = { ...d.Restrictions, GeoRestriction: g };
  }
  if (isObj(d.ViewerCertificate)) {
    const v: Obj = { ...d.ViewerCertificate };
    rename(v, 'ACMCertificateArn', 'AcmCertificateArn');
    rename(v, 'IAMCertificateId', 'IamCertificateId');
    rename(v, 'SSLSupportMethod', 'SslSupportMethod');
    d.ViewerCertificate = v;
  }
  if (isObj(d.Logging) && 'Enabled' in d.Logging) {
    const { Enabled, ...rest } = d.Logging;
    if (Enabled === false) delete d.Logging;
    else d.Logging = rest;
  }
  return d;
}

/** Cache and origin request policies: `Headers: { Quantity, Items }` → `Headers: [...]`. */
export function normalizePolicyLists(input: unknown): unknown {
  if (!isObj(input)) return input;
  const fix = (o: Obj): Obj => {
    const out = { ...o };
    for (const [cfg, list] of [
      ['HeadersConfig', 'Headers'],
      ['CookiesConfig', 'Cookies'],
      ['QueryStringsConfig', 'QueryStrings'],
    ]) {
      if (isObj(out[cfg]) && list in (out[cfg] as Obj))
        out[cfg] = { ...(out[cfg] as Obj), [list]: unwrap((out[cfg] as Obj)[list]) };
    }
    return out;
  };
  const p = fix(input);
  if (isObj(p.ParametersInCacheKeyAndForwardedToOrigin))
    p.ParametersInCacheKeyAndForwardedToOrigin = fix(p.ParametersInCacheKeyAndForwardedToOrigin);
  return p;
}

/**
 * Continuous deployment policies: the API's `StagingDistributionDnsNames: { Quantity, Items }`
 * → CloudFormation's list. TrafficConfig has the same shape in both. Public keys and key groups
 * need no step: their API shapes are CloudFormation's (KeyGroupConfig.Items is a bare id list).
 */
export function normalizeContinuousDeploymentPolicyConfig(input: unknown): unknown {
  if (!isObj(input)) return input;
  const p: Obj = { ...input };
  if ('StagingDistributionDnsNames' in p)
    p.StagingDistributionDnsNames = unwrap(p.StagingDistributionDnsNames);
  return p;
}
