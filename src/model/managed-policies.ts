/**
 * CloudFront's managed cache and origin request policies: global ids and settings
 * (reference/caching.md §8, reference/origins.md §4.4). Referenced by id or by name,
 * with or without the API's `Managed-` prefix.
 */
import type { CachePolicyConfig, OriginRequestPolicyConfig } from './cloudfront.js';

const FIVE_METHOD_HEADERS = [
  'Host',
  'Origin',
  'X-HTTP-Method-Override',
  'X-HTTP-Method',
  'X-Method-Override',
];

function cachePolicy(
  Name: string,
  [MinTTL, DefaultTTL, MaxTTL]: [number, number, number],
  headers: string[],
  cookies: 'none' | 'all',
  query: 'none' | 'all' | string[],
  [gzip, brotli]: [boolean, boolean],
): CachePolicyConfig {
  return {
    Name,
    MinTTL,
    DefaultTTL,
    MaxTTL,
    ParametersInCacheKeyAndForwardedToOrigin: {
      EnableAcceptEncodingGzip: gzip,
      EnableAcceptEncodingBrotli: brotli,
      HeadersConfig: { HeaderBehavior: headers.length ? 'whitelist' : 'none', Headers: headers },
      CookiesConfig: { CookieBehavior: cookies, Cookies: [] },
      QueryStringsConfig: Array.isArray(query)
        ? { QueryStringBehavior: 'whitelist', QueryStrings: query }
        : { QueryStringBehavior: query, QueryStrings: [] },
    },
  };
}

export const MANAGED_CACHE_POLICIES: Record<string, CachePolicyConfig> = {
  '658327ea-f89d-4fab-a63d-7e88639e58f6': cachePolicy(
    'CachingOptimized',
    [1, 86400, 31536000],
    [],
    'none',
    'none',
    [true, true],
  ),
  'b2884449-e4de-46a7-ac36-70bc7f1ddd6d': cachePolicy(
    'CachingOptimizedForUncompressedObjects',
    [1, 86400, 31536000],
    [],
    'none',
    'none',
    [false, false],
  ),
  '4135ea2d-6df8-44a3-9df3-4b5a84be39ad': cachePolicy('CachingDisabled', [0, 0, 0], [], 'none', 'none', [
    false,
    false,
  ]),
  '83da9c7e-98b4-4e11-a168-04f0df8e2c65': cachePolicy(
    'UseOriginCacheControlHeaders',
    [0, 0, 31536000],
    FIVE_METHOD_HEADERS,
    'all',
    'none',
    [true, true],
  ),
  '4cc15a8a-d715-48a4-82b8-cc0b614638fe': cachePolicy(
    'UseOriginCacheControlHeaders-QueryStrings',
    [0, 0, 31536000],
    FIVE_METHOD_HEADERS,
    'all',
    'all',
    [true, true],
  ),
  '2e54312d-136d-493c-8eb9-b001f22f67d2': cachePolicy(
    'Amplify',
    [2, 2, 600],
    ['Authorization', 'CloudFront-Viewer-Country', 'Host'],
    'all',
    'all',
    [true, true],
  ),
  '08627262-05a9-4f76-9ded-b50ca2e3a84f': cachePolicy(
    'Elemental-MediaPackage',
    [0, 86400, 31536000],
    ['Origin'],
    'none',
    ['aws.manifestfilter', 'start', 'end', 'm'],
    [true, false],
  ),
};

const ALL_CLOUDFRONT_VIEWER_HEADERS = [
  'CloudFront-Forwarded-Proto',
  'CloudFront-Is-Android-Viewer',
  'CloudFront-Is-Desktop-Viewer',
  'CloudFront-Is-IOS-Viewer',
  'CloudFront-Is-Mobile-Viewer',
  'CloudFront-Is-SmartTV-Viewer',
  'CloudFront-Is-Tablet-Viewer',
  'CloudFront-Viewer-Address',
  'CloudFront-Viewer-ASN',
  'CloudFront-Viewer-City',
  'CloudFront-Viewer-Country',
  'CloudFront-Viewer-Country-Name',
  'CloudFront-Viewer-Country-Region',
  'CloudFront-Viewer-Country-Region-Name',
  'CloudFront-Viewer-Http-Version',
  'CloudFront-Viewer-Latitude',
  'CloudFront-Viewer-Longitude',
  'CloudFront-Viewer-Metro-Code',
  'CloudFront-Viewer-Postal-Code',
  'CloudFront-Viewer-Time-Zone',
  'CloudFront-Viewer-TLS',
];

function originRequestPolicy(
  Name: string,
  HeadersConfig: OriginRequestPolicyConfig['HeadersConfig'],
  all: boolean,
): OriginRequestPolicyConfig {
  return {
    Name,
    HeadersConfig,
    CookiesConfig: { CookieBehavior: all ? 'all' : 'none', Cookies: [] },
    QueryStringsConfig: { QueryStringBehavior: all ? 'all' : 'none', QueryStrings: [] },
  };
}

export const MANAGED_ORIGIN_REQUEST_POLICIES: Record<string, OriginRequestPolicyConfig> = {
  '216adef6-5c7f-47e4-b989-5492eafa07d3': originRequestPolicy(
    'AllViewer',
    { HeaderBehavior: 'allViewer', Headers: [] },
    true,
  ),
  '33f36d7e-f396-46d9-90e0-52428a34d9dc': originRequestPolicy(
    'AllViewerAndCloudFrontHeaders-2022-06',
    { HeaderBehavior: 'allViewerAndWhitelistCloudFront', Headers: ALL_CLOUDFRONT_VIEWER_HEADERS },
    true,
  ),
  // The documented set: every viewer header except Host (CloudFront's own headers are not added).
  'b689b0a8-53d0-40ab-baf2-68738e2966ac': originRequestPolicy(
    'AllViewerExceptHostHeader',
    { HeaderBehavior: 'allExcept', Headers: ['Host'] },
    true,
  ),
  '59781a5b-3903-41f3-afcb-af62929ccde1': originRequestPolicy(
    'CORS-CustomOrigin',
    { HeaderBehavior: 'whitelist', Headers: ['Origin'] },
    false,
  ),
  '88a5eaf4-2fd4-4709-b370-b4c650ea3fcf': originRequestPolicy(
    'CORS-S3Origin',
    {
      HeaderBehavior: 'whitelist',
      Headers: ['Origin', 'Access-Control-Request-Headers', 'Access-Control-Request-Method'],
    },
    false,
  ),
  '775133bc-15f2-49f9-abea-afb2e0bf67d2': {
    ...originRequestPolicy(
      'Elemental-MediaTailor-PersonalizedManifests',
      {
        HeaderBehavior: 'whitelist',
        Headers: [
          'Origin',
          'Access-Control-Request-Headers',
          'Access-Control-Request-Method',
          'User-Agent',
          'X-Forwarded-For',
        ],
      },
      false,
    ),
    QueryStringsConfig: { QueryStringBehavior: 'all', QueryStrings: [] },
  },
  'bf0718e1-ba1e-49d1-88b1-f726733018ae': originRequestPolicy(
    'HostHeaderOnly',
    { HeaderBehavior: 'whitelist', Headers: ['Host'] },
    false,
  ),
  'acba4595-bd28-49b8-b9fe-13317c0390fa': originRequestPolicy(
    'UserAgentRefererHeaders',
    { HeaderBehavior: 'whitelist', Headers: ['User-Agent', 'Referer'] },
    false,
  ),
};

/** Finds a managed policy id by id, name, or `Managed-` name. */
export function findManagedId(table: Record<string, { Name: string }>, ref: string): string | undefined {
  if (table[ref]) return ref;
  const name = ref.startsWith('Managed-') ? ref.slice('Managed-'.length) : ref;
  for (const [id, config] of Object.entries(table)) if (config.Name === name) return id;
  return undefined;
}
