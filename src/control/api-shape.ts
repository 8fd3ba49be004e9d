/**
 * Config-file resources (CloudFormation's shape, as loaded) in the shape the API returns them
 * (reference/distribution.md §3.2): the inverse of config/normalize.ts, which turns API shapes
 * into CloudFormation's. Lists get their `{ Quantity, Items }` wrappers, renamed fields their API
 * names, and fields the API always returns get CloudFront's value for "unset" (`Comment: ''`,
 * `Logging.Enabled: false`, `TrustedSigners: { Enabled: false, Quantity: 0 }` …). Nothing else
 * is invented: a field the config leaves out and the schema doesn't default stays out.
 */
import { isObj, type Obj } from '../config/issues.js';
import { itemElementOf } from './xml/list-items.js';
import { BOOLEAN_FIELDS, DECIMAL_FIELDS, INTEGER_FIELDS } from './xml/scalars.js';

const GET_HEAD = ['GET', 'HEAD'];
/** CloudFormation's default (config/schema/origin.ts), which the model applies too. */
const DEFAULT_ORIGIN_SSL_PROTOCOLS = ['TLSv1', 'SSLv3'];

/** `[a, b]` or `{ Items: [a, b] }` → `{ Quantity: 2, Items: [a, b] }`; none → `{ Quantity: 0 }`. */
function listOf(v: unknown, map: (item: Obj) => unknown = (item) => item): Obj {
  const items = Array.isArray(v) ? v : isObj(v) && Array.isArray(v.Items) ? v.Items : [];
  return items.length === 0 ? { Quantity: 0 } : { Quantity: items.length, Items: items.map(map) };
}

/** Like listOf, but a list the config doesn't have stays absent. */
const optionalListOf = (v: unknown) => (v === undefined ? undefined : listOf(v));

/** `TrustedSigners` / `TrustedKeyGroups`: `{ Enabled: false, Quantity: 0 }` means "not used". */
function signersOf(v: unknown): Obj {
  const list = listOf(v);
  return { Enabled: (list.Quantity as number) > 0, ...list };
}

const objOr = (v: unknown): Obj => (isObj(v) ? v : {});

/** The named fields of `o` as they are, in that order (absent ones are dropped by sdkShaped). */
const pick = (o: Obj, names: readonly string[]): Obj => Object.fromEntries(names.map((n) => [n, o[n]]));

function originOf(o: Obj): Obj {
  const s3 = o.S3OriginConfig;
  const custom = o.CustomOriginConfig;
  return {
    ...pick(o, ['Id', 'DomainName']),
    OriginPath: o.OriginPath ?? '',
    CustomHeaders: listOf(o.OriginCustomHeaders),
    S3OriginConfig: isObj(s3)
      ? { OriginAccessIdentity: s3.OriginAccessIdentity ?? '', OriginReadTimeout: s3.OriginReadTimeout ?? 30 }
      : undefined,
    CustomOriginConfig: isObj(custom)
      ? {
          HTTPPort: custom.HTTPPort ?? 80,
          HTTPSPort: custom.HTTPSPort ?? 443,
          OriginProtocolPolicy: custom.OriginProtocolPolicy,
          OriginSslProtocols: listOf(custom.OriginSSLProtocols ?? DEFAULT_ORIGIN_SSL_PROTOCOLS),
          OriginReadTimeout: custom.OriginReadTimeout ?? 30,
          OriginKeepaliveTimeout: custom.OriginKeepaliveTimeout ?? 5,
          ...pick(custom, ['IpAddressType', 'OriginMtlsConfig']),
        }
      : undefined,
    VpcOriginConfig: o.VpcOriginConfig,
    ConnectionAttempts: o.ConnectionAttempts ?? 3,
    ConnectionTimeout: o.ConnectionTimeout ?? 10,
    ...pick(o, ['ResponseCompletionTimeout', 'OriginShield', 'OriginAccessControlId']),
  };
}

function originGroupOf(g: Obj): Obj {
  return {
    Id: g.Id,
    FailoverCriteria: { StatusCodes: listOf(objOr(g.FailoverCriteria).StatusCodes) },
    Members: listOf(g.Members),
    SelectionCriteria: g.SelectionCriteria,
  };
}

function forwardedValuesOf(f: unknown): Obj | undefined {
  if (!isObj(f)) return undefined;
  // The API requires Cookies; CloudFormation's default for a missing one is "none".
  const cookies = isObj(f.Cookies) ? f.Cookies : { Forward: 'none' };
  return {
    QueryString: f.QueryString,
    Cookies: { Forward: cookies.Forward, WhitelistedNames: optionalListOf(cookies.WhitelistedNames) },
    Headers: optionalListOf(f.Headers),
    QueryStringCacheKeys: optionalListOf(f.QueryStringCacheKeys),
  };
}

const BEHAVIOR_POLICY_FIELDS = [
  'FieldLevelEncryptionId',
  'RealtimeLogConfigArn',
  'CachePolicyId',
  'OriginRequestPolicyId',
  'ResponseHeadersPolicyId',
  'GrpcConfig',
];

/** One cache behaviour; the default one has no PathPattern. */
function behaviorOf(b: Obj): Obj {
  return {
    ...pick(b, ['PathPattern', 'TargetOriginId']),
    TrustedSigners: signersOf(b.TrustedSigners),
    TrustedKeyGroups: signersOf(b.TrustedKeyGroups),
    ViewerProtocolPolicy: b.ViewerProtocolPolicy,
    AllowedMethods: {
      ...listOf(b.AllowedMethods ?? GET_HEAD),
      CachedMethods: listOf(b.CachedMethods ?? GET_HEAD),
    },
    SmoothStreaming: b.SmoothStreaming,
    Compress: b.Compress ?? false,
    LambdaFunctionAssociations: listOf(b.LambdaFunctionAssociations),
    FunctionAssociations: listOf(b.FunctionAssociations),
    ...pick(b, BEHAVIOR_POLICY_FIELDS),
    ForwardedValues: forwardedValuesOf(b.ForwardedValues),
    ...pick(b, ['MinTTL', 'DefaultTTL', 'MaxTTL']),
  };
}

function errorResponseOf(e: Obj): Obj {
  return {
    ErrorCode: e.ErrorCode,
    // The API's "not set" is an empty element; ResponseCode is a string there, an integer in CFN.
    ResponsePagePath: e.ResponsePagePath ?? '',
    ResponseCode: e.ResponseCode === undefined ? '' : String(e.ResponseCode),
    ErrorCachingMinTTL: e.ErrorCachingMinTTL ?? 10,
  };
}

function viewerCertificateOf(v: unknown): Obj {
  if (!isObj(v)) return { CloudFrontDefaultCertificate: true };
  return {
    CloudFrontDefaultCertificate: v.CloudFrontDefaultCertificate,
    IAMCertificateId: v.IamCertificateId,
    ACMCertificateArn: v.AcmCertificateArn,
    SSLSupportMethod: v.SslSupportMethod,
    MinimumProtocolVersion: v.MinimumProtocolVersion,
  };
}

export function distributionConfigToApi(
  cfn: Record<string, unknown>,
  extras: { CallerReference: string },
): Record<string, unknown> {
  const geo = objOr(objOr(cfn.Restrictions).GeoRestriction);
  const logging = cfn.Logging;
  return sdkShaped({
    CallerReference: extras.CallerReference,
    Aliases: listOf(cfn.Aliases),
    DefaultRootObject: cfn.DefaultRootObject ?? '',
    Origins: listOf(cfn.Origins, originOf),
    OriginGroups: listOf(cfn.OriginGroups, originGroupOf),
    DefaultCacheBehavior: behaviorOf(objOr(cfn.DefaultCacheBehavior)),
    CacheBehaviors: listOf(cfn.CacheBehaviors, behaviorOf),
    CustomErrorResponses: listOf(cfn.CustomErrorResponses, errorResponseOf),
    Comment: cfn.Comment ?? '',
    Logging: isObj(logging)
      ? { Enabled: true, ...pick(logging, ['IncludeCookies', 'Bucket', 'Prefix']) }
      : { Enabled: false, IncludeCookies: false, Bucket: '', Prefix: '' },
    PriceClass: cfn.PriceClass ?? 'PriceClass_All',
    Enabled: cfn.Enabled,
    ViewerCertificate: viewerCertificateOf(cfn.ViewerCertificate),
    Restrictions: {
      GeoRestriction: { RestrictionType: geo.RestrictionType ?? 'none', ...listOf(geo.Locations) },
    },
    WebACLId: cfn.WebACLId,
    // [conflict] reference/distribution.md §2: CloudFormation's default, which the model uses.
    HttpVersion: cfn.HttpVersion ?? 'http1.1',
    IsIPV6Enabled: cfn.IPV6Enabled ?? false,
    // Accepted by the config loader and not used by edgefront; same shape in both.
    ...pick(cfn, [
      'ContinuousDeploymentPolicyId',
      'Staging',
      'AnycastIpListId',
      'TenantConfig',
      'ConnectionMode',
      'ViewerMtlsConfig',
      'ConnectionFunctionAssociation',
      'CacheTagConfig',
    ]),
  });
}

/** HeadersConfig / CookiesConfig / QueryStringsConfig of cache and origin request policies. */
function policyListsOf(p: Obj): Obj {
  const config = (v: unknown, behavior: string, list: string) =>
    isObj(v) ? { [behavior]: v[behavior], [list]: optionalListOf(v[list]) } : undefined;
  return {
    HeadersConfig: config(p.HeadersConfig, 'HeaderBehavior', 'Headers'),
    CookiesConfig: config(p.CookiesConfig, 'CookieBehavior', 'Cookies'),
    QueryStringsConfig: config(p.QueryStringsConfig, 'QueryStringBehavior', 'QueryStrings'),
  };
}

export function cachePolicyConfigToApi(cfn: Record<string, unknown>): Record<string, unknown> {
  const p = cfn.ParametersInCacheKeyAndForwardedToOrigin;
  return sdkShaped({
    ...pick(cfn, ['Comment', 'Name', 'DefaultTTL', 'MaxTTL', 'MinTTL']),
    ParametersInCacheKeyAndForwardedToOrigin: isObj(p)
      ? {
          EnableAcceptEncodingGzip: p.EnableAcceptEncodingGzip,
          EnableAcceptEncodingBrotli: p.EnableAcceptEncodingBrotli ?? false,
          ...policyListsOf(p),
        }
      : undefined,
  });
}

export function originRequestPolicyConfigToApi(cfn: Record<string, unknown>): Record<string, unknown> {
  return sdkShaped({ ...pick(cfn, ['Comment', 'Name']), ...policyListsOf(cfn) });
}

/** CloudFormation keeps `{ Items }` here and drops only `Quantity`. */
export function responseHeadersPolicyConfigToApi(cfn: Record<string, unknown>): Record<string, unknown> {
  const cors = cfn.CorsConfig;
  return sdkShaped({
    ...pick(cfn, ['Comment', 'Name']),
    CorsConfig: isObj(cors)
      ? {
          AccessControlAllowOrigins: listOf(cors.AccessControlAllowOrigins),
          AccessControlAllowHeaders: listOf(cors.AccessControlAllowHeaders),
          AccessControlAllowMethods: listOf(cors.AccessControlAllowMethods),
          AccessControlAllowCredentials: cors.AccessControlAllowCredentials,
          AccessControlExposeHeaders: optionalListOf(cors.AccessControlExposeHeaders),
          ...pick(cors, ['AccessControlMaxAgeSec', 'OriginOverride']),
        }
      : undefined,
    ...pick(cfn, ['SecurityHeadersConfig', 'ServerTimingHeadersConfig']),
    CustomHeadersConfig: optionalListOf(cfn.CustomHeadersConfig),
    RemoveHeadersConfig: optionalListOf(cfn.RemoveHeadersConfig),
  });
}

export function originAccessControlConfigToApi(cfn: Record<string, unknown>): Record<string, unknown> {
  return sdkShaped(
    pick(cfn, ['Name', 'Description', 'SigningProtocol', 'SigningBehavior', 'OriginAccessControlOriginType']),
  );
}

/** `Items` is the list itself here (public key ids, no Quantity), as in CloudFormation. */
export function keyGroupConfigToApi(cfn: Record<string, unknown>): Record<string, unknown> {
  return sdkShaped({ Name: cfn.Name, Items: cfn.Items ?? [], Comment: cfn.Comment });
}

export function publicKeyConfigToApi(
  cfn: Record<string, unknown>,
  extras: { CallerReference: string },
): Record<string, unknown> {
  return sdkShaped({
    CallerReference: cfn.CallerReference ?? extras.CallerReference,
    ...pick(cfn, ['Name', 'EncodedKey', 'Comment']),
  });
}

/**
 * CloudFormation also accepts the traffic settings at the top level (`Type`,
 * `SingleWeightPolicyConfig`, `SingleHeaderPolicyConfig`); the API has them only in TrafficConfig.
 */
export function continuousDeploymentPolicyConfigToApi(cfn: Record<string, unknown>): Record<string, unknown> {
  const traffic =
    cfn.TrafficConfig ??
    (cfn.Type === undefined
      ? undefined
      : {
          Type: cfn.Type,
          SingleWeightConfig: cfn.SingleWeightPolicyConfig,
          SingleHeaderConfig: cfn.SingleHeaderPolicyConfig,
        });
  return sdkShaped({
    StagingDistributionDnsNames: listOf(cfn.StagingDistributionDnsNames),
    Enabled: cfn.Enabled,
    TrafficConfig: traffic,
  });
}

/**
 * A deep copy without `undefined` fields (the SDK's outputs never carry them) whose numbers and
 * booleans are typed as the API's (a CloudFormation `Ref` to a Number parameter is the string
 * "3"), by the codec's field tables, so the result is also safe to change.
 */
function sdkShaped(value: Obj, name = ''): Obj {
  const out: Obj = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = typed(key, v, name);
  return out;
}

function typed(name: string, v: unknown, parent: string): unknown {
  if (Array.isArray(v)) {
    const item = itemElementOf(name, parent) ?? '';
    return v.map((x) => typed(item, x, name));
  }
  if (isObj(v)) return sdkShaped(v, name);
  if (typeof v !== 'string') return v;
  if ((INTEGER_FIELDS.has(name) || DECIMAL_FIELDS.has(name)) && v.trim() !== '' && Number.isFinite(Number(v)))
    return Number(v);
  if (BOOLEAN_FIELDS.has(name) && (v === 'true' || v === 'false')) return v === 'true';
  return v;
}
