/**
 * What the control plane keeps (DESIGN.md "Control plane", `--state-dir`): every resource created
 * or changed through the API, in the API's own (SDK) shape, with its ETag; invalidation records;
 * tags; and the config-file resources deleted through the API. The whole state is one value that
 * a StateStore writes atomically, so a change that touches two resources (promoting a staging
 * distribution) is never half-applied.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Obj } from '../config/issues.js';
import type { ConfigOverlay } from '../config/load.js';

/** A versioned resource: `Config` is the SDK-shaped config as last written (full replacement). */
export interface StoredResource {
  Id: string;
  ETag: string;
  LastModifiedTime: string;
  Config: Obj;
  /** State version that last wrote it: the resource is Deployed once the node serves that version. */
  version: number;
}

export interface StoredInvalidation {
  Id: string;
  CreateTime: string;
  Status: 'InProgress' | 'Completed';
  CallerReference: string;
  /** Empty for a tag invalidation. */
  Paths: string[];
  /**
   * Present on a tag invalidation (the edgefront extension, api/tag-invalidations.ts): the
   * `Cache-Tag` values it purges. CloudFront's own operations do not see these records.
   */
  Tags?: string[];
  /** State version that created it: in a cluster, Completed once every live node serves that version. */
  version?: number;
}

export interface FunctionStage {
  /** SDK-shaped FunctionConfig: { Comment, Runtime, KeyValueStoreAssociations? }. */
  Config: Obj;
  /** The source text (the API's FunctionCode, base64-decoded). */
  Code: string;
  LastModifiedTime: string;
}

/** A CloudFront Function: both stages, each with its own ETag (CloudFront versions them apart). */
export interface StoredFunction {
  Name: string;
  /** ETag of the DEVELOPMENT stage: Update, Publish and Delete take it. */
  ETag: string;
  CreatedTime: string;
  development: FunctionStage;
  live?: FunctionStage;
  /** ETag of the LIVE stage (DescribeFunction?Stage=LIVE answers its own ETag). */
  liveETag?: string;
  version: number;
}

/**
 * A key value store's metadata (the control plane's `KeyValueStore`). Its keys and values live
 * beside the state in `kvsDataFile(dir, Id)`, in CloudFront's import format plus the data's own
 * ETag (kvs-stores.ts), so a write changes data and ETag in one atomic file write.
 */
export interface StoredKeyValueStore {
  Id: string;
  Name: string;
  Comment: string;
  /** The control-plane ETag (Describe/Update/Delete); the data plane's ETag is the data file's. */
  ETag: string;
  Created: string;
  LastModifiedTime: string;
  version: number;
  /** Came from a config file (changed through an API since): deleting it leaves a tombstone. */
  fromConfigFile?: boolean;
}

/** Keys of ControlState that hold StoredResource maps, by id. */
export const RESOURCE_LISTS = [
  'distributions',
  'cachePolicies',
  'originRequestPolicies',
  'responseHeadersPolicies',
  'originAccessControls',
  'publicKeys',
  'keyGroups',
  'continuousDeploymentPolicies',
] as const;
export type ResourceList = (typeof RESOURCE_LISTS)[number];

export interface ControlState {
  format: 1;
  /** Increments with every acknowledged change. */
  version: number;
  distributions: Record<string, StoredResource>;
  cachePolicies: Record<string, StoredResource>;
  originRequestPolicies: Record<string, StoredResource>;
  responseHeadersPolicies: Record<string, StoredResource>;
  originAccessControls: Record<string, StoredResource>;
  publicKeys: Record<string, StoredResource>;
  keyGroups: Record<string, StoredResource>;
  continuousDeploymentPolicies: Record<string, StoredResource>;
  /** By distribution id, oldest first. */
  invalidations: Record<string, StoredInvalidation[]>;
  /** By function name. */
  functions: Record<string, StoredFunction>;
  /** By store name. */
  keyValueStores: Record<string, StoredKeyValueStore>;
  /** By resource ARN. */
  tags: Record<string, Record<string, string>>;
  /** Config-file resources deleted through the API: `<raw list>/<id>`, e.g. `distributions/E123`. */
  deleted: string[];
}

export function emptyState(): ControlState {
  return {
    format: 1,
    version: 0,
    distributions: {},
    cachePolicies: {},
    originRequestPolicies: {},
    responseHeadersPolicies: {},
    originAccessControls: {},
    publicKeys: {},
    keyGroups: {},
    continuousDeploymentPolicies: {},
    invalidations: {},
    functions: {},
    keyValueStores: {},
    tags: {},
    deleted: [],
  };
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** `prefix` + 13 random uppercase alphanumerics: CloudFront's ETag, distribution and invalidation id form. */
export function newOpaqueId(prefix: string): string {
  const bytes = randomBytes(13);
  let out = prefix;
  for (const b of bytes) out += ID_ALPHABET[b % ID_ALPHABET.length];
  return out;
}

export const newETag = (): string => newOpaqueId('E');

/** Fields the API carries that the config format (CloudFormation's shape) has no place for. */
const API_ONLY_FIELDS = ['CallerReference'];

function withoutApiOnlyFields(config: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(config)) if (!API_ONLY_FIELDS.includes(k)) out[k] = v;
  return out;
}

/** Where a key value store's data lives, in CloudFront's import format. */
export function kvsDataFile(stateDir: string, id: string): string {
  return join(stateDir, 'control', 'kvs', `${id}.json`);
}

/** An SDK-shaped FunctionConfig in the config format's shape: associations as a plain list. */
function functionConfigOf(config: Obj): Obj {
  const { KeyValueStoreAssociations: associations, ...rest } = config;
  const items = (associations as { Items?: unknown[] } | undefined)?.Items ?? [];
  return { ...rest, KeyValueStoreAssociations: items };
}

/** The state as a native config document laid over the config files (config/load.ts). */
export function overlayOf(state: ControlState, stateDir: string): ConfigOverlay {
  const list = (resources: Record<string, StoredResource>, configKey: string) =>
    Object.values(resources).map((r) => ({ Id: r.Id, [configKey]: r.Config }));
  const functions = Object.values(state.functions).map((f) => {
    const stage = f.live ?? f.development;
    return {
      Name: f.Name,
      FunctionConfig: functionConfigOf(stage.Config),
      FunctionCode: stage.Code,
      Stage: f.live ? 'LIVE' : 'DEVELOPMENT',
    };
  });
  const keyValueStores = Object.values(state.keyValueStores).map((k) => ({
    Name: k.Name,
    Id: k.Id,
    Comment: k.Comment,
    Data: kvsDataFile(stateDir, k.Id),
  }));
  const doc: Obj = {
    Distributions: Object.values(state.distributions).map((r) => ({
      Id: r.Id,
      DistributionConfig: withoutApiOnlyFields(r.Config),
    })),
    CachePolicies: list(state.cachePolicies, 'CachePolicyConfig'),
    OriginRequestPolicies: list(state.originRequestPolicies, 'OriginRequestPolicyConfig'),
    ResponseHeadersPolicies: list(state.responseHeadersPolicies, 'ResponseHeadersPolicyConfig'),
    OriginAccessControls: list(state.originAccessControls, 'OriginAccessControlConfig'),
    PublicKeys: list(state.publicKeys, 'PublicKeyConfig'),
    KeyGroups: list(state.keyGroups, 'KeyGroupConfig'),
    ContinuousDeploymentPolicies: list(
      state.continuousDeploymentPolicies,
      'ContinuousDeploymentPolicyConfig',
    ),
    Functions: functions,
    KeyValueStores: keyValueStores,
  };
  return {
    doc,
    file: join(stateDir, 'control', 'state.json'),
    baseDir: stateDir,
    deleted: new Set(state.deleted),
  };
}
