/**
 * `DistributionConfig` in CloudFormation's shape (reference/distribution.md §2, §5, §12;
 * caching.md §7 for custom error responses). Defaults are CloudFormation's (§3.2 "CFN
 * defaults worth mirroring").
 */
import * as z from 'zod';
import { cacheBehavior, defaultCacheBehavior } from './behavior.js';
import { bool, int, shape } from './common.js';
import { origin, originGroup } from './origin.js';

export const ERROR_CODES = [400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504];
export const RESPONSE_CODES = [200, ...ERROR_CODES];

const codeIn = (codes: number[]) =>
  int().refine((c) => codes.includes(c), { error: `must be one of ${codes.join(', ')}` });

/** §5: lowercase; a wildcard is the whole left-most label (`*.example.com`). */
export function aliasProblem(alias: string): string | undefined {
  if (alias !== alias.toLowerCase()) return 'aliases must be lowercase';
  const labels = alias.split('.');
  if (labels.length < 2) return 'an alias is a fully qualified domain name';
  const bad = labels.findIndex(
    (l, i) => !(i === 0 && l === '*') && !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(l),
  );
  if (bad === -1) return undefined;
  return labels[bad].includes('*')
    ? 'a wildcard must be the whole left-most label, as in *.example.com'
    : `"${labels[bad]}" is not a valid domain label`;
}

const alias = z.string().superRefine((a, ctx) => {
  const problem = aliasProblem(a);
  if (problem) ctx.addIssue({ code: 'custom', message: problem, input: a });
});

const customErrorResponse = shape({
  ErrorCode: codeIn(ERROR_CODES),
  ResponsePagePath: z.string().max(4096).optional(),
  ResponseCode: codeIn(RESPONSE_CODES).optional(),
  ErrorCachingMinTTL: int(0).default(10),
});

export const distributionConfig = shape({
  Aliases: z
    .array(alias)
    .max(100)
    .default(() => []),
  Comment: z.string().max(128).default(''),
  DefaultRootObject: z
    .string()
    .max(255)
    .refine((s) => !s.startsWith('/'), {
      error: 'DefaultRootObject must not start with "/" (write index.html)',
    })
    .default(''),
  Enabled: bool(),
  // [conflict] reference/distribution.md §2: the API defaults to http2; CloudFormation to http1.1.
  HttpVersion: z.enum(['http1.1', 'http2', 'http3', 'http2and3']).default('http1.1'),
  IPV6Enabled: bool().default(false),
  PriceClass: z
    .enum(['PriceClass_All', 'PriceClass_200', 'PriceClass_100', 'None'])
    .default('PriceClass_All'),
  Origins: z.array(origin).min(1).max(100),
  OriginGroups: shape({
    Quantity: int().optional(),
    Items: z
      .array(originGroup)
      .max(10)
      .default(() => []),
  }).default(() => ({
    Quantity: 0,
    Items: [],
  })),
  DefaultCacheBehavior: defaultCacheBehavior,
  CacheBehaviors: z
    .array(cacheBehavior)
    .max(75)
    .default(() => []),
  CustomErrorResponses: z.array(customErrorResponse).default(() => []),
  Restrictions: shape({
    GeoRestriction: shape({
      RestrictionType: z.enum(['none', 'whitelist', 'blacklist']),
      Locations: z
        .array(z.string().regex(/^[A-Z]{2}$/, { error: 'use ISO 3166-1 alpha-2 country codes (US, DE…)' }))
        .default(() => []),
    }),
  }).default(() => ({ GeoRestriction: { RestrictionType: 'none' as const, Locations: [] } })),
  ViewerCertificate: shape({
    CloudFrontDefaultCertificate: bool().optional(),
    AcmCertificateArn: z.string().optional(),
    IamCertificateId: z.string().max(32).optional(),
    MinimumProtocolVersion: z
      .enum([
        'SSLv3',
        'TLSv1',
        'TLSv1_2016',
        'TLSv1.1_2016',
        'TLSv1.2_2018',
        'TLSv1.2_2019',
        'TLSv1.2_2021',
        'TLSv1.2_2025',
        'TLSv1.3_2025',
      ])
      .optional(),
    SslSupportMethod: z.enum(['sni-only', 'vip', 'static-ip']).optional(),
  }).default(() => ({ CloudFrontDefaultCertificate: true })),
  WebACLId: z.string().optional(),
  Logging: shape({
    Bucket: z.string(),
    IncludeCookies: bool().optional(),
    Prefix: z.string().optional(),
  }).optional(),
  ContinuousDeploymentPolicyId: z.string().optional(),
  Staging: bool().optional(),
  // Accepted and not used by edgefront (newer API features, SaaS tenants, static IPs).
  AnycastIpListId: z.string().optional(),
  ConnectionMode: z.enum(['direct', 'tenant-only']).optional(),
  TenantConfig: z.unknown().optional(),
  ViewerMtlsConfig: z.unknown().optional(),
  ConnectionFunctionAssociation: z.unknown().optional(),
  CacheTagConfig: z.unknown().optional(),
});

/**
 * CloudFront's distribution Id: 1 to 32 uppercase letters and digits. The cache key starts with
 * it and a `\n` (src/cache/key.ts), which this keeps unambiguous.
 */
export const DISTRIBUTION_ID = /^[A-Z0-9]{1,32}$/;

/** Distribution wrapper: native `{ Id?, DistributionConfig, Tags? }`, CloudFormation `Properties`. */
export const distributionProperties = shape({
  Id: z
    .string()
    .regex(DISTRIBUTION_ID, {
      error: 'a distribution Id is uppercase letters and digits, like E2QWRUHEXAMPLE',
    })
    .optional(),
  DistributionConfig: distributionConfig,
  Tags: z
    .array(shape({ Key: z.string(), Value: z.string() }))
    .max(50)
    .optional(),
});
