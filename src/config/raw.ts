/**
 * What both loaders (native.ts, cloudformation/template.ts) produce: config entries with their
 * origin (file, JSON path) but not yet normalised, validated or cross-referenced. Several files
 * concatenate into one RawConfig; validate/ and resolve.ts read only this.
 */
import type { Entry } from './issues.js';

export interface RawFunction {
  Name: unknown;
  FunctionConfig: unknown;
  /** Inline source (CloudFormation `FunctionCode`, or native `FunctionCode`). */
  FunctionCode?: unknown;
  /** Absolute path of the code file (native `Code`). */
  codeFile?: string;
  Stage: unknown;
}

export interface RawLambda {
  /** The version ARN associations must use. */
  Arn: unknown;
  Handler: unknown;
  Runtime: unknown;
  Timeout: unknown;
  MemorySize: unknown;
  /** Absolute directory or file of the code. */
  codePath?: string;
  inlineCode?: string;
}

export interface RawKeyValueStore {
  Name: unknown;
  dataFile?: string;
}

export interface RawConfig {
  files: string[];
  distributions: Entry[]; // value: { DistributionConfig }
  cachePolicies: Entry[]; // value: { CachePolicyConfig }
  originRequestPolicies: Entry[]; // value: { OriginRequestPolicyConfig }
  responseHeadersPolicies: Entry[]; // value: { ResponseHeadersPolicyConfig }
  originAccessControls: Entry[]; // value: { OriginAccessControlConfig }
  continuousDeploymentPolicies: Entry[]; // value: { ContinuousDeploymentPolicyConfig }
  originAccessIdentities: Entry[]; // value: { CloudFrontOriginAccessIdentityConfig }
  publicKeys: Entry[]; // value: { PublicKeyConfig }
  keyGroups: Entry[]; // value: { KeyGroupConfig }
  functions: Entry<RawFunction>[];
  keyValueStores: Entry<RawKeyValueStore>[];
  lambdaFunctions: Entry<RawLambda>[];
  /** Unversioned Lambda function ARNs declared (for "use a numbered version" fixes). */
  lambdaFunctionArns: Set<string>;
  buckets: Entry<{ name: string; dir: string }>[];
}

export function emptyRaw(): RawConfig {
  return {
    files: [],
    distributions: [],
    cachePolicies: [],
    originRequestPolicies: [],
    responseHeadersPolicies: [],
    originAccessControls: [],
    continuousDeploymentPolicies: [],
    originAccessIdentities: [],
    publicKeys: [],
    keyGroups: [],
    functions: [],
    keyValueStores: [],
    lambdaFunctions: [],
    lambdaFunctionArns: new Set(),
    buckets: [],
  };
}

/** Per-load settings every loader needs. */
export interface LoadContext {
  accountId: string;
  region: string;
  parameters: Record<string, string>;
  stackName?: string;
}

export function functionArn(accountId: string, name: string): string {
  return `arn:aws:cloudfront::${accountId}:function/${name}`;
}

export function keyValueStoreArn(accountId: string, id: string): string {
  return `arn:aws:cloudfront::${accountId}:key-value-store/${id}`;
}
