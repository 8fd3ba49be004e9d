/**
 * CloudFormation property shapes of the CloudFront resources (PascalCase, plain arrays,
 * no Quantity/Items except where CloudFormation keeps them: OriginGroups).
 * The native config and the resolved model use these names verbatim, so a key in a
 * user's template greps straight to the code that reads it (STYLE.md §3).
 * Defaults are filled in by the config loader; optional fields here are the ones
 * CloudFront itself leaves unset.
 */

export type ViewerProtocolPolicy = 'allow-all' | 'redirect-to-https' | 'https-only';
export type OriginProtocolPolicy = 'http-only' | 'https-only' | 'match-viewer';
export type HttpMethod = 'GET' | 'HEAD' | 'OPTIONS' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';
export type FunctionEventType = 'viewer-request' | 'viewer-response';
export type LambdaEventType = 'viewer-request' | 'origin-request' | 'origin-response' | 'viewer-response';

export interface OriginCustomHeader {
  HeaderName: string;
  HeaderValue: string;
}

export interface CustomOriginConfig {
  HTTPPort: number; // default 80
  HTTPSPort: number; // default 443
  OriginProtocolPolicy: OriginProtocolPolicy;
  OriginSSLProtocols: string[]; // default ['TLSv1', 'SSLv3'] (CloudFormation's default)
  OriginReadTimeout: number; // default 30, 1–120
  OriginKeepaliveTimeout: number; // default 5, 1–120
  IpAddressType?: 'ipv4' | 'ipv6' | 'dualstack';
}

export interface S3OriginConfig {
  OriginAccessIdentity: string; // '' when unset
  OriginReadTimeout: number; // default 30
}

export interface OriginConfig {
  Id: string;
  DomainName: string;
  OriginPath: string; // '' when unset
  OriginCustomHeaders: OriginCustomHeader[];
  S3OriginConfig?: S3OriginConfig;
  CustomOriginConfig?: CustomOriginConfig;
  ConnectionAttempts: number; // default 3, 1–3
  ConnectionTimeout: number; // default 10, 1–10
  ResponseCompletionTimeout?: number;
  OriginShield?: { Enabled: boolean; OriginShieldRegion?: string };
  OriginAccessControlId?: string;
}

export interface OriginGroupConfig {
  Id: string;
  FailoverCriteria: { StatusCodes: { Quantity?: number; Items: number[] } };
  Members: { Quantity?: number; Items: { OriginId: string }[] };
  SelectionCriteria?: 'default' | 'media-quality-based';
}

export interface ForwardedValues {
  QueryString: boolean;
  Cookies?: { Forward: 'none' | 'whitelist' | 'all'; WhitelistedNames?: string[] };
  Headers?: string[];
  QueryStringCacheKeys?: string[];
}

export interface FunctionAssociation {
  EventType: FunctionEventType;
  FunctionARN: string;
}

export interface LambdaFunctionAssociation {
  EventType: LambdaEventType;
  LambdaFunctionARN: string;
  IncludeBody?: boolean;
}

export interface CacheBehaviorConfig {
  PathPattern?: string; // absent on DefaultCacheBehavior
  TargetOriginId: string;
  ViewerProtocolPolicy: ViewerProtocolPolicy;
  AllowedMethods: HttpMethod[]; // default ['GET','HEAD']
  CachedMethods: HttpMethod[]; // default ['GET','HEAD']
  Compress: boolean; // default false
  SmoothStreaming?: boolean;
  CachePolicyId?: string;
  OriginRequestPolicyId?: string;
  ResponseHeadersPolicyId?: string;
  ForwardedValues?: ForwardedValues;
  MinTTL?: number;
  DefaultTTL?: number;
  MaxTTL?: number;
  FunctionAssociations: FunctionAssociation[];
  LambdaFunctionAssociations: LambdaFunctionAssociation[];
  TrustedKeyGroups?: string[];
  TrustedSigners?: string[];
  FieldLevelEncryptionId?: string;
  RealtimeLogConfigArn?: string;
  GrpcConfig?: { Enabled: boolean };
}

export interface CustomErrorResponseConfig {
  ErrorCode: number;
  ResponsePagePath?: string;
  ResponseCode?: number;
  ErrorCachingMinTTL: number; // default 10
}

export interface DistributionConfig {
  Aliases: string[];
  Comment: string;
  DefaultRootObject: string; // '' when unset
  Enabled: boolean;
  HttpVersion: 'http1.1' | 'http2' | 'http3' | 'http2and3';
  IPV6Enabled: boolean;
  PriceClass: 'PriceClass_All' | 'PriceClass_200' | 'PriceClass_100' | 'None';
  Origins: OriginConfig[];
  OriginGroups: { Quantity?: number; Items: OriginGroupConfig[] };
  DefaultCacheBehavior: CacheBehaviorConfig;
  CacheBehaviors: CacheBehaviorConfig[];
  CustomErrorResponses: CustomErrorResponseConfig[];
  Restrictions: {
    GeoRestriction: { RestrictionType: 'none' | 'whitelist' | 'blacklist'; Locations: string[] };
  };
  ViewerCertificate: {
    CloudFrontDefaultCertificate?: boolean;
    AcmCertificateArn?: string;
    IamCertificateId?: string;
    MinimumProtocolVersion?: string;
    SslSupportMethod?: string;
  };
  WebACLId?: string;
  Logging?: { Bucket: string; IncludeCookies?: boolean; Prefix?: string };
  ContinuousDeploymentPolicyId?: string;
  Staging?: boolean;
}

export type CookieBehavior = 'none' | 'whitelist' | 'allExcept' | 'all';
export type QueryStringBehavior = 'none' | 'whitelist' | 'allExcept' | 'all';

export interface CachePolicyConfig {
  Name: string;
  Comment?: string;
  MinTTL: number;
  DefaultTTL: number;
  MaxTTL: number;
  ParametersInCacheKeyAndForwardedToOrigin: {
    EnableAcceptEncodingGzip: boolean;
    EnableAcceptEncodingBrotli: boolean;
    HeadersConfig: { HeaderBehavior: 'none' | 'whitelist'; Headers: string[] };
    CookiesConfig: { CookieBehavior: CookieBehavior; Cookies: string[] };
    QueryStringsConfig: { QueryStringBehavior: QueryStringBehavior; QueryStrings: string[] };
  };
}

export type OriginRequestHeaderBehavior =
  | 'none'
  | 'whitelist'
  | 'allViewer'
  | 'allViewerAndWhitelistCloudFront'
  | 'allExcept';

export interface OriginRequestPolicyConfig {
  Name: string;
  Comment?: string;
  HeadersConfig: { HeaderBehavior: OriginRequestHeaderBehavior; Headers: string[] };
  CookiesConfig: { CookieBehavior: CookieBehavior; Cookies: string[] };
  QueryStringsConfig: { QueryStringBehavior: QueryStringBehavior; QueryStrings: string[] };
}

/** Kept as loaded (CloudFormation shape); applied by a later issue (response headers policies). */
export interface ResponseHeadersPolicyConfig {
  Name: string;
  Comment?: string;
  [field: string]: unknown;
}

export interface OriginAccessControlConfig {
  Name: string;
  Description?: string;
  SigningProtocol: 'sigv4';
  SigningBehavior: 'always' | 'never' | 'no-override';
  OriginAccessControlOriginType: 's3' | 'mediastore' | 'mediapackagev2' | 'lambda';
}
