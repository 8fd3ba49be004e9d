/**
 * Cache and origin request policy models: TTL defaults (caching.md §2.1), name lists as Sets
 * for the hot path, and the policy CloudFront derives from a legacy behaviour's
 * ForwardedValues and TTLs (caching.md §1.5).
 */
import type {
  CacheBehaviorConfig,
  CachePolicyConfig,
  OriginRequestPolicyConfig,
} from '../model/cloudfront.js';
import type { CachePolicyModel, OriginRequestPolicyModel } from '../model/types.js';

export function withTtlDefaults(c: CachePolicyConfig): CachePolicyConfig {
  const DefaultTTL = c.DefaultTTL ?? Math.max(c.MinTTL, 86400);
  const MaxTTL = c.MaxTTL ?? Math.max(DefaultTTL, 31536000);
  return { ...c, DefaultTTL, MaxTTL };
}

export function cachePolicyModel(
  Id: string,
  config: CachePolicyConfig,
  isManaged: boolean,
): CachePolicyModel {
  const Config = withTtlDefaults(config);
  const p = Config.ParametersInCacheKeyAndForwardedToOrigin;
  return {
    Id,
    Config,
    isManaged,
    headers: new Set(
      p.HeadersConfig.HeaderBehavior === 'whitelist'
        ? p.HeadersConfig.Headers.map((h) => h.toLowerCase())
        : [],
    ),
    cookies: new Set(p.CookiesConfig.Cookies),
    queryStrings: new Set(p.QueryStringsConfig.QueryStrings),
  };
}

export function originRequestPolicyModel(
  Id: string,
  Config: OriginRequestPolicyConfig,
  isManaged: boolean,
): OriginRequestPolicyModel {
  return {
    Id,
    Config,
    isManaged,
    headers: new Set(Config.HeadersConfig.Headers.map((h) => h.toLowerCase())),
    cookies: new Set(Config.CookiesConfig.Cookies),
    queryStrings: new Set(Config.QueryStringsConfig.QueryStrings),
  };
}

/** The cache policy equivalent of a legacy behaviour (caching.md §1.5). */
export function legacyCachePolicy(
  distributionId: string,
  index: number,
  b: CacheBehaviorConfig,
): CachePolicyModel {
  const f = b.ForwardedValues ?? { QueryString: false };
  const cookies = f.Cookies ?? { Forward: 'none' as const };
  const keys = f.QueryStringCacheKeys ?? [];
  const Config: CachePolicyConfig = {
    Name: `legacy-${distributionId}-${index}`,
    MinTTL: b.MinTTL ?? 0,
    DefaultTTL: b.DefaultTTL ?? 86400,
    MaxTTL: b.MaxTTL ?? 31536000,
    ParametersInCacheKeyAndForwardedToOrigin: {
      // Legacy behaviours normalise Accept-Encoding to gzip when Compress is on; Brotli
      // needs a cache policy (caching.md §1.3).
      EnableAcceptEncodingGzip: b.Compress,
      EnableAcceptEncodingBrotli: false,
      HeadersConfig: f.Headers?.length
        ? { HeaderBehavior: 'whitelist', Headers: f.Headers }
        : { HeaderBehavior: 'none', Headers: [] },
      CookiesConfig:
        cookies.Forward === 'whitelist'
          ? { CookieBehavior: 'whitelist', Cookies: cookies.WhitelistedNames ?? [] }
          : { CookieBehavior: cookies.Forward, Cookies: [] },
      QueryStringsConfig: !f.QueryString
        ? { QueryStringBehavior: 'none', QueryStrings: [] }
        : keys.length
          ? { QueryStringBehavior: 'whitelist', QueryStrings: keys }
          : { QueryStringBehavior: 'all', QueryStrings: [] },
    },
  };
  return { ...cachePolicyModel(`legacy:${distributionId}:${index}`, Config, false), Config };
}
