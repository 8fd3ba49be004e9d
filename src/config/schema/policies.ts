/**
 * Cache, origin request, response headers and continuous deployment policies, OACs, public
 * keys and key groups (reference/caching.md §1.2, §2.1; origins.md §3; distribution.md §8, §13).
 */
import * as z from 'zod';
import { bool, int, shape } from './common.js';

const names = (max: number) =>
  z
    .array(z.string().min(1))
    .max(max)
    .default(() => []);
const COOKIE_BEHAVIOR = z.enum(['none', 'whitelist', 'allExcept', 'all']);

export const cachePolicyConfig = shape({
  Name: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, { error: 'policy names use A-Z a-z 0-9 _ - (1–128)' }),
  Comment: z.string().max(128).optional(),
  MinTTL: int(0),
  DefaultTTL: int(0).optional(),
  MaxTTL: int(0).optional(),
  ParametersInCacheKeyAndForwardedToOrigin: shape({
    EnableAcceptEncodingGzip: bool(),
    EnableAcceptEncodingBrotli: bool().default(false),
    HeadersConfig: shape({ HeaderBehavior: z.enum(['none', 'whitelist']), Headers: names(10) }),
    CookiesConfig: shape({ CookieBehavior: COOKIE_BEHAVIOR, Cookies: names(10) }),
    QueryStringsConfig: shape({ QueryStringBehavior: COOKIE_BEHAVIOR, QueryStrings: names(10) }),
  }),
});

export const originRequestPolicyConfig = shape({
  Name: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, { error: 'policy names use A-Z a-z 0-9 _ - (1–128)' }),
  Comment: z.string().max(128).optional(),
  HeadersConfig: shape({
    HeaderBehavior: z.enum([
      'none',
      'whitelist',
      'allViewer',
      'allViewerAndWhitelistCloudFront',
      'allExcept',
    ]),
    Headers: names(10),
  }),
  CookiesConfig: shape({ CookieBehavior: COOKIE_BEHAVIOR, Cookies: names(10) }),
  QueryStringsConfig: shape({ QueryStringBehavior: COOKIE_BEHAVIOR, QueryStrings: names(10) }),
});

export { responseHeadersPolicyConfig } from './response-headers-policy.js';

export const originAccessControlConfig = shape({
  Name: z.string().min(1).max(64),
  Description: z.string().optional(),
  SigningProtocol: z.enum(['sigv4']),
  SigningBehavior: z.enum(['always', 'never', 'no-override']),
  OriginAccessControlOriginType: z.enum(['s3', 'mediastore', 'mediapackagev2', 'lambda']),
});

export const continuousDeploymentPolicyConfig = z.looseObject({
  Enabled: bool(),
  StagingDistributionDnsNames: z.array(z.string()).min(1),
});

export const originAccessIdentityConfig = shape({ Comment: z.string() });

export const publicKeyConfig = shape({
  Name: z.string().min(1).max(128),
  EncodedKey: z
    .string()
    .includes('BEGIN PUBLIC KEY', { error: 'EncodedKey is a PEM public key (-----BEGIN PUBLIC KEY-----)' }),
  CallerReference: z.string().optional(),
  Comment: z.string().optional(),
});

export const keyGroupConfig = shape({
  Name: z.string().min(1).max(128),
  Items: z.array(z.string()).min(1).max(5),
  Comment: z.string().optional(),
});
