/**
 * Rich SDK-shaped CloudFront resources, one per kind, typed by `@aws-sdk/client-cloudfront` so
 * the compiler holds them to the SDK's shapes. Strings carry XML-special and non-ASCII
 * characters on purpose; lists have zero, one and several items.
 */
import type {
  CachePolicy,
  CachePolicyConfig,
  ContinuousDeploymentPolicy,
  Distribution,
  DistributionConfig,
  DistributionSummary,
  FunctionConfig,
  FunctionSummary,
  Invalidation,
  KeyGroup,
  KeyValueStore,
  Origin,
  OriginAccessControl,
  OriginRequestPolicyConfig,
  PublicKey,
  ResponseHeadersPolicyConfig,
  TestResult,
} from '@aws-sdk/client-cloudfront';

const ALL_METHODS = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'] as const;
export const MODIFIED = new Date('2024-06-01T12:34:56.789Z');

/** The origin of the CreateDistribution example in reference/control-api.md §2.2. */
export const referenceOrigin = {
  Id: 'app',
  DomainName: 'origin.example.com',
  OriginPath: '',
  CustomHeaders: { Quantity: 0 },
  CustomOriginConfig: {
    HTTPPort: 80,
    HTTPSPort: 443,
    OriginProtocolPolicy: 'https-only',
    OriginSslProtocols: { Quantity: 1, Items: ['TLSv1.2'] },
    OriginReadTimeout: 30,
    OriginKeepaliveTimeout: 5,
  },
  ConnectionAttempts: 3,
  ConnectionTimeout: 10,
} satisfies Origin;

export const distributionConfig = {
  CallerReference: 'ref 2024-06-01 & <1>',
  Aliases: { Quantity: 2, Items: ['www.example.com', '*.example.org'] },
  DefaultRootObject: 'index.html',
  Origins: {
    Quantity: 3,
    Items: [
      {
        Id: 'site',
        DomainName: 'site.s3.us-east-1.amazonaws.com',
        OriginPath: '',
        CustomHeaders: { Quantity: 0 },
        S3OriginConfig: { OriginAccessIdentity: '', OriginReadTimeout: 30 },
        ConnectionAttempts: 3,
        ConnectionTimeout: 10,
        OriginShield: { Enabled: false },
        OriginAccessControlId: 'E2QWRUHEXAMPLE',
      },
      {
        Id: 'api',
        DomainName: 'api.example.internal',
        OriginPath: '/v1',
        CustomHeaders: {
          Quantity: 2,
          Items: [
            { HeaderName: 'X-Origin-Verify', HeaderValue: `s3"cr&t <'x'>` },
            { HeaderName: 'X-Env', HeaderValue: 'prod' },
          ],
        },
        CustomOriginConfig: {
          HTTPPort: 8080,
          HTTPSPort: 8443,
          OriginProtocolPolicy: 'https-only',
          OriginSslProtocols: { Quantity: 2, Items: ['TLSv1.2', 'TLSv1.1'] },
          OriginReadTimeout: 60,
          OriginKeepaliveTimeout: 10,
          IpAddressType: 'dualstack',
        },
        ConnectionAttempts: 2,
        ConnectionTimeout: 5,
        ResponseCompletionTimeout: 120,
        OriginShield: { Enabled: true, OriginShieldRegion: 'us-east-2' },
      },
      {
        Id: 'api-backup',
        DomainName: 'backup.example.internal',
        CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'match-viewer' },
      },
    ],
  },
  OriginGroups: {
    Quantity: 1,
    Items: [
      {
        Id: 'api-group',
        FailoverCriteria: { StatusCodes: { Quantity: 3, Items: [500, 502, 503] } },
        Members: { Quantity: 2, Items: [{ OriginId: 'api' }, { OriginId: 'api-backup' }] },
        SelectionCriteria: 'default',
      },
    ],
  },
  DefaultCacheBehavior: {
    TargetOriginId: 'site',
    TrustedSigners: { Enabled: false, Quantity: 0 },
    TrustedKeyGroups: { Enabled: true, Quantity: 1, Items: ['K2JCJMDEHXQW5F'] },
    ViewerProtocolPolicy: 'redirect-to-https',
    AllowedMethods: {
      Quantity: 3,
      Items: ['GET', 'HEAD', 'OPTIONS'],
      CachedMethods: { Quantity: 2, Items: ['GET', 'HEAD'] },
    },
    SmoothStreaming: false,
    Compress: true,
    LambdaFunctionAssociations: {
      Quantity: 1,
      Items: [
        {
          LambdaFunctionARN: 'arn:aws:lambda:us-east-1:123456789012:function:auth:3',
          EventType: 'origin-request',
          IncludeBody: true,
        },
      ],
    },
    FunctionAssociations: {
      Quantity: 2,
      Items: [
        { FunctionARN: 'arn:aws:cloudfront::123456789012:function/rewrite', EventType: 'viewer-request' },
        { FunctionARN: 'arn:aws:cloudfront::123456789012:function/headers', EventType: 'viewer-response' },
      ],
    },
    FieldLevelEncryptionId: '',
    CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6',
    ResponseHeadersPolicyId: '67f7725c-6f97-4210-82d7-5512b31e9d03',
    GrpcConfig: { Enabled: false },
  },
  CacheBehaviors: {
    Quantity: 2,
    Items: [
      {
        PathPattern: '/api/*',
        TargetOriginId: 'api-group',
        TrustedSigners: { Enabled: true, Quantity: 1, Items: ['self'] },
        ViewerProtocolPolicy: 'https-only',
        AllowedMethods: {
          Quantity: 7,
          Items: [...ALL_METHODS],
          CachedMethods: { Quantity: 3, Items: ['GET', 'HEAD', 'OPTIONS'] },
        },
        Compress: false,
        RealtimeLogConfigArn: 'arn:aws:cloudfront::123456789012:realtime-log-config/api',
        ForwardedValues: {
          QueryString: true,
          Cookies: { Forward: 'whitelist', WhitelistedNames: { Quantity: 2, Items: ['session', 'lang'] } },
          Headers: { Quantity: 1, Items: ['Authorization'] },
          QueryStringCacheKeys: { Quantity: 2, Items: ['page', 'q'] },
        },
        MinTTL: 0,
        DefaultTTL: 60,
        MaxTTL: 300,
      },
      {
        PathPattern: '/legacy/*.php',
        TargetOriginId: 'api',
        ViewerProtocolPolicy: 'allow-all',
        ForwardedValues: { QueryString: false, Cookies: { Forward: 'none' } },
        MinTTL: 5,
      },
    ],
  },
  CustomErrorResponses: {
    Quantity: 2,
    Items: [
      { ErrorCode: 404, ResponsePagePath: '/404.html', ResponseCode: '404', ErrorCachingMinTTL: 30 },
      { ErrorCode: 503, ErrorCachingMinTTL: 0 },
    ],
  },
  Comment: 'Café ☕ — “rich” <config> & 𝄞',
  Logging: { Enabled: true, IncludeCookies: true, Bucket: 'logs.s3.amazonaws.com', Prefix: 'cf/' },
  PriceClass: 'PriceClass_100',
  Enabled: true,
  ViewerCertificate: {
    CloudFrontDefaultCertificate: false,
    ACMCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abcd',
    SSLSupportMethod: 'sni-only',
    MinimumProtocolVersion: 'TLSv1.2_2021',
  },
  Restrictions: { GeoRestriction: { RestrictionType: 'whitelist', Quantity: 3, Items: ['DE', 'FR', 'US'] } },
  WebACLId: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/1',
  HttpVersion: 'http2and3',
  IsIPV6Enabled: true,
  ContinuousDeploymentPolicyId: '1f2e3d4c-0000-4000-8000-000000000001',
  Staging: false,
} satisfies DistributionConfig;

export const distribution = {
  Id: 'EDFDVBD6EXAMPLE',
  ARN: 'arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE',
  Status: 'InProgress',
  LastModifiedTime: MODIFIED,
  InProgressInvalidationBatches: 1,
  DomainName: 'd111111abcdef8.cloudfront.net',
  ActiveTrustedSigners: {
    Enabled: true,
    Quantity: 1,
    Items: [{ AwsAccountNumber: 'self', KeyPairIds: { Quantity: 2, Items: ['APKA1', 'APKA2'] } }],
  },
  ActiveTrustedKeyGroups: {
    Enabled: true,
    Quantity: 1,
    Items: [{ KeyGroupId: 'kg-1', KeyPairIds: { Quantity: 1, Items: ['K2JCJMDEHXQW5F'] } }],
  },
  DistributionConfig: distributionConfig,
  AliasICPRecordals: [{ CNAME: 'www.example.com', ICPRecordalStatus: 'APPROVED' }],
} satisfies Distribution;

const { CallerReference, Logging, DefaultRootObject, ContinuousDeploymentPolicyId, ...summaryFields } =
  distributionConfig;
export const distributionSummary = {
  Id: distribution.Id,
  ARN: distribution.ARN,
  ETag: 'E2QWRUHAPOMQZL',
  Status: 'Deployed',
  LastModifiedTime: MODIFIED,
  DomainName: distribution.DomainName,
  ...summaryFields,
  AliasICPRecordals: distribution.AliasICPRecordals,
} satisfies DistributionSummary;

export const invalidation = {
  Id: 'IDFDVBD632BHDS5',
  Status: 'InProgress',
  CreateTime: new Date('2024-06-01T12:00:01.000Z'),
  InvalidationBatch: {
    Paths: { Quantity: 3, Items: ['/index.html', '/img/*', '/a b/ü?x=1&y=2'] },
    CallerReference: '20240601120000',
  },
} satisfies Invalidation;

export const cachePolicyConfig = {
  Comment: 'vary by auth & a few "query" strings',
  Name: 'api-by-query-and-auth',
  DefaultTTL: 0,
  MaxTTL: 300,
  MinTTL: 0,
  ParametersInCacheKeyAndForwardedToOrigin: {
    EnableAcceptEncodingGzip: true,
    EnableAcceptEncodingBrotli: false,
    HeadersConfig: {
      HeaderBehavior: 'whitelist',
      Headers: { Quantity: 2, Items: ['Authorization', 'CloudFront-Viewer-Country'] },
    },
    CookiesConfig: { CookieBehavior: 'allExcept', Cookies: { Quantity: 1, Items: ['tracking'] } },
    QueryStringsConfig: {
      QueryStringBehavior: 'whitelist',
      QueryStrings: { Quantity: 3, Items: ['page', 'limit', 'q'] },
    },
  },
} satisfies CachePolicyConfig;

export const cachePolicy = {
  Id: '4a2b9c1d-0000-4000-8000-000000000002',
  LastModifiedTime: MODIFIED,
  CachePolicyConfig: cachePolicyConfig,
} satisfies CachePolicy;

export const originRequestPolicyConfig = {
  Comment: '',
  Name: 'forward-some',
  HeadersConfig: {
    HeaderBehavior: 'allViewerAndWhitelistCloudFront',
    Headers: { Quantity: 1, Items: ['CloudFront-Viewer-City'] },
  },
  CookiesConfig: { CookieBehavior: 'all' },
  QueryStringsConfig: { QueryStringBehavior: 'none', QueryStrings: { Quantity: 0 } },
} satisfies OriginRequestPolicyConfig;

export const responseHeadersPolicyConfig = {
  Comment: 'CORS, security headers & more',
  Name: 'everything',
  CorsConfig: {
    AccessControlAllowOrigins: { Quantity: 2, Items: ['https://a.example', 'https://b.example'] },
    AccessControlAllowHeaders: { Quantity: 1, Items: ['*'] },
    AccessControlAllowMethods: { Quantity: 3, Items: ['GET', 'POST', 'OPTIONS'] },
    AccessControlAllowCredentials: true,
    AccessControlExposeHeaders: { Quantity: 1, Items: ['X-Request-Id'] },
    AccessControlMaxAgeSec: 600,
    OriginOverride: false,
  },
  SecurityHeadersConfig: {
    XSSProtection: {
      Override: true,
      Protection: true,
      ModeBlock: false,
      ReportUri: 'https://r.example/x?a=1&b=2',
    },
    FrameOptions: { Override: true, FrameOption: 'DENY' },
    ReferrerPolicy: { Override: false, ReferrerPolicy: 'strict-origin-when-cross-origin' },
    ContentSecurityPolicy: { Override: true, ContentSecurityPolicy: "default-src 'self'; img-src * data:" },
    ContentTypeOptions: { Override: true },
    StrictTransportSecurity: {
      Override: false,
      IncludeSubdomains: true,
      Preload: true,
      AccessControlMaxAgeSec: 63072000,
    },
  },
  ServerTimingHeadersConfig: { Enabled: true, SamplingRate: 12.5 },
  CustomHeadersConfig: {
    Quantity: 2,
    Items: [
      { Header: 'X-Powered-By', Value: 'edgefront <3', Override: true },
      { Header: 'Cache-Tag', Value: 'a,b', Override: false },
    ],
  },
  RemoveHeadersConfig: { Quantity: 1, Items: [{ Header: 'Server' }] },
} satisfies ResponseHeadersPolicyConfig;

export const functionConfig = {
  Comment: 'SPA rewrite',
  Runtime: 'cloudfront-js-2.0',
  KeyValueStoreAssociations: {
    Quantity: 1,
    Items: [
      {
        KeyValueStoreARN:
          'arn:aws:cloudfront::123456789012:key-value-store/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
      },
    ],
  },
} satisfies FunctionConfig;

export const functionSummary = {
  Name: 'rewrite',
  Status: 'UNPUBLISHED',
  FunctionConfig: functionConfig,
  FunctionMetadata: {
    FunctionARN: 'arn:aws:cloudfront::123456789012:function/rewrite',
    Stage: 'DEVELOPMENT',
    CreatedTime: new Date('2024-05-01T00:00:00.000Z'),
    LastModifiedTime: MODIFIED,
  },
} satisfies FunctionSummary;

export const testResult = {
  FunctionSummary: functionSummary,
  ComputeUtilization: '31',
  FunctionExecutionLogs: ['first line', 'uri is /a?b=1&c=<2>'],
  FunctionErrorMessage: '',
  FunctionOutput: '{"request":{"uri":"/index.html"}}',
} satisfies TestResult;

export const keyGroup = {
  Id: 'kg-1',
  LastModifiedTime: MODIFIED,
  KeyGroupConfig: { Name: 'signers', Items: ['K2JCJMDEHXQW5F', 'K3EXAMPLE'], Comment: 'two keys' },
} satisfies KeyGroup;

export const publicKey = {
  Id: 'K2JCJMDEHXQW5F',
  CreatedTime: MODIFIED,
  PublicKeyConfig: {
    CallerReference: 'pk-1',
    Name: 'signer-1',
    EncodedKey:
      '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n',
    Comment: '',
  },
} satisfies PublicKey;

export const originAccessControl = {
  Id: 'E2QWRUHEXAMPLE',
  OriginAccessControlConfig: {
    Name: 'site-oac',
    Description: 'S3 & friends',
    SigningProtocol: 'sigv4',
    SigningBehavior: 'always',
    OriginAccessControlOriginType: 's3',
  },
} satisfies OriginAccessControl;

export const continuousDeploymentPolicy = {
  Id: '1f2e3d4c-0000-4000-8000-000000000001',
  LastModifiedTime: MODIFIED,
  ContinuousDeploymentPolicyConfig: {
    StagingDistributionDnsNames: { Quantity: 1, Items: ['d222222abcdef8.cloudfront.net'] },
    Enabled: true,
    TrafficConfig: {
      Type: 'SingleWeight',
      SingleWeightConfig: { Weight: 0.15, SessionStickinessConfig: { IdleTTL: 300, MaximumTTL: 600 } },
    },
  },
} satisfies ContinuousDeploymentPolicy;

export const keyValueStore = {
  Name: 'redirects',
  Id: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
  Comment: 'old → new paths',
  ARN: 'arn:aws:cloudfront::123456789012:key-value-store/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
  Status: 'READY',
  LastModifiedTime: MODIFIED,
} satisfies KeyValueStore;
