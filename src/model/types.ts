/**
 * The resolved, frozen model the data plane reads (STYLE.md §1: "validated once, frozen,
 * precomputed"). Built by `src/config/resolve.ts` from native configs and CloudFormation
 * templates; nothing on the hot path parses or re-validates.
 */
import type {
  CacheBehaviorConfig,
  CachePolicyConfig,
  CustomErrorResponseConfig,
  DistributionConfig,
  HttpMethod,
  OriginAccessControlConfig,
  OriginConfig,
  OriginGroupConfig,
  OriginRequestPolicyConfig,
  ResponseHeadersPolicyConfig,
} from './cloudfront.js';
import type { ResponseHeadersPolicyModel } from './response-headers.js';

export interface EdgeModel {
  readonly distributions: readonly DistributionModel[];
  readonly cachePolicies: ReadonlyMap<string, CachePolicyModel>; // by Id (managed ones included)
  readonly originRequestPolicies: ReadonlyMap<string, OriginRequestPolicyModel>;
  readonly responseHeadersPolicies: ReadonlyMap<string, { Id: string; Config: ResponseHeadersPolicyConfig }>;
  readonly originAccessControls: ReadonlyMap<string, { Id: string; Config: OriginAccessControlConfig }>;
  /** CloudFront Functions declared in config (`Functions:` / AWS::CloudFront::Function), by ARN. */
  readonly functions: ReadonlyMap<string, FunctionModel>;
  /** Lambda@Edge code (`LambdaFunctions:` / AWS::Lambda::Function + Version), by version ARN. */
  readonly lambdaFunctions: ReadonlyMap<string, LambdaFunctionModel>;
  readonly keyValueStores: ReadonlyMap<string, KeyValueStoreModel>;
  /** Key groups (`KeyGroups:`, AWS::CloudFront::KeyGroup, the API's) by Id, their public keys parsed. */
  readonly keyGroups: ReadonlyMap<string, KeyGroupModel>;
  /** Public keys as configured (CloudFormation's PublicKeyConfig) by Id, for the control API. */
  readonly publicKeyConfigs: ReadonlyMap<string, PublicKeyConfig>;
  /** Key groups as configured by Id, their `Items` resolved to public key ids (the control API's view). */
  readonly keyGroupConfigs: ReadonlyMap<string, KeyGroupConfig>;
  /** Continuous deployment policies as configured (CloudFormation's shape) by Id, for the control API. */
  readonly continuousDeploymentPolicyConfigs: ReadonlyMap<string, ContinuousDeploymentPolicyConfig>;
  /** `Buckets:` in config merged with `--bucket`: bucket name → absolute local directory. */
  readonly buckets: ReadonlyMap<string, string>;
  /** Where each part came from, for messages: config files in load order. */
  readonly files: readonly string[];
}

export interface DistributionModel {
  readonly Id: string; // e.g. 'E1QUICKSTART' (generated from the logical id when not given)
  readonly ARN: string;
  /** `<lowercase-id>.edgefront.localhost`: CloudFront's generated `dxxxx.cloudfront.net` here. */
  readonly DomainName: string;
  readonly DistributionConfig: DistributionConfig;
  /** CacheBehaviors in listed order, then the default behavior last (PathPattern '*'). */
  readonly behaviors: readonly BehaviorModel[];
  readonly origins: ReadonlyMap<string, OriginModel>;
  readonly originGroups: ReadonlyMap<string, OriginGroupConfig>;
  readonly customErrorResponses: ReadonlyMap<number, CustomErrorResponseConfig>;
  /** Lowercased exact aliases and wildcard suffixes ('*.example.com' → '.example.com'). */
  readonly exactAliases: ReadonlySet<string>;
  readonly wildcardAliases: readonly string[];
}

export interface BehaviorModel {
  readonly PathPattern: string; // '*' for the default behavior
  readonly isDefault: boolean;
  readonly config: CacheBehaviorConfig;
  /** Compiled CloudFront path pattern (src/model/path-pattern.ts). */
  readonly matches: (path: string) => boolean;
  readonly allowedMethods: ReadonlySet<HttpMethod>;
  readonly cachedMethods: ReadonlySet<HttpMethod>;
  /** The cache policy in force: the referenced one, or one derived from legacy ForwardedValues. */
  readonly cachePolicy: CachePolicyModel;
  readonly originRequestPolicy?: OriginRequestPolicyModel;
  /** ResponseHeadersPolicyId compiled (src/model/response-headers.ts); absent: nothing to apply. */
  readonly responseHeadersPolicy?: ResponseHeadersPolicyModel;
  /** True for behaviors using legacy ForwardedValues (they forward "other" headers differently). */
  readonly isLegacy: boolean;
  /**
   * Set when the behavior requires signed URLs or cookies (TrustedKeyGroups or TrustedSigners):
   * every public key of its trusted key groups by id (the `Key-Pair-Id`). Legacy TrustedSigners
   * add no keys: their CloudFront key pairs live in the AWS account (src/edge/signed-urls).
   */
  readonly trustedKeys?: ReadonlyMap<string, PublicKeyModel>;
}

/** A cache policy with its lists precomputed as lowercase `Set`s for the hot path. */
export interface CachePolicyModel {
  readonly Id: string;
  readonly Config: CachePolicyConfig;
  readonly isManaged: boolean;
  readonly headers: ReadonlySet<string>; // lowercase names (HeaderBehavior whitelist)
  readonly cookies: ReadonlySet<string>; // exact names (case-sensitive)
  readonly queryStrings: ReadonlySet<string>; // exact names (case-sensitive)
}

export interface OriginRequestPolicyModel {
  readonly Id: string;
  readonly Config: OriginRequestPolicyConfig;
  readonly isManaged: boolean;
  readonly headers: ReadonlySet<string>; // lowercase
  readonly cookies: ReadonlySet<string>;
  readonly queryStrings: ReadonlySet<string>;
}

export type OriginKind = 'custom' | 's3' | 's3-website';

export interface OriginModel {
  readonly config: OriginConfig;
  readonly kind: OriginKind;
  /** The Host header to send instead of DomainName (a CloudFront Function's origin override). */
  readonly hostHeader?: string;
  /** For S3 REST and website origins: the bucket name taken from DomainName. */
  readonly bucket?: string;
  /** For S3 origins: the region in DomainName ('us-east-1' when the global form is used). */
  readonly region?: string;
}

export interface FunctionModel {
  readonly Name: string;
  readonly ARN: string;
  readonly Runtime: 'cloudfront-js-1.0' | 'cloudfront-js-2.0';
  readonly Comment: string;
  readonly Stage: 'LIVE' | 'DEVELOPMENT';
  readonly Code: string; // the source text
  readonly codeFile?: string; // where it came from, for --watch and messages
  readonly KeyValueStoreARNs: readonly string[];
}

export interface LambdaFunctionModel {
  readonly Arn: string; // version ARN: arn:aws:lambda:us-east-1:123456789012:function:name:1
  readonly Handler: string; // 'index.handler'
  readonly Runtime: string; // 'nodejs20.x'
  readonly Timeout: number; // seconds
  readonly MemorySize: number; // MB
  /** Directory or file holding the code; or inline source (ZipFile) when `inlineCode` is set. */
  readonly codePath?: string;
  readonly inlineCode?: string;
}

export interface KeyValueStoreModel {
  readonly Name: string;
  readonly Id: string;
  readonly ARN: string;
  readonly dataFile?: string;
}

export interface KeyGroupModel {
  readonly Id: string;
  readonly Name: string;
  /** By public key Id. */
  readonly publicKeys: ReadonlyMap<string, PublicKeyModel>;
}

/** A public key for signed URLs and cookies, parsed once (src/config/resolve-keys.ts). */
export interface PublicKeyModel {
  readonly Id: string;
  readonly Name: string;
  /** RSA 2048 (RSASSA-PKCS1-v1_5) or ECDSA P-256 (DER signatures). */
  readonly keyType: 'rsa' | 'ec';
  /**
   * Checks a signature over `data`. The parsed `KeyObject` stays inside this closure: freezing
   * it with the model would break its lazily cached fields.
   */
  readonly verify: (hash: 'sha1' | 'sha256', data: Buffer, signature: Buffer) => boolean;
}

/** CloudFormation's PublicKeyConfig (AWS::CloudFront::PublicKey). */
export interface PublicKeyConfig {
  readonly Name: string;
  readonly EncodedKey: string;
  readonly CallerReference?: string;
  readonly Comment?: string;
}

/** CloudFormation's KeyGroupConfig (AWS::CloudFront::KeyGroup): `Items` are public key ids. */
export interface KeyGroupConfig {
  readonly Name: string;
  readonly Items: readonly string[];
  readonly Comment?: string;
}

/**
 * CloudFormation's ContinuousDeploymentPolicyConfig (AWS::CloudFront::ContinuousDeploymentPolicy):
 * StagingDistributionDnsNames as a plain list; traffic in TrafficConfig or at the top level.
 */
export type ContinuousDeploymentPolicyConfig = Readonly<Record<string, unknown>>;
