/**
 * Builds the frozen EdgeModel (src/model/types.ts) from parsed, validated config. Runs only when
 * validation found nothing, so every reference resolves; references are rewritten to canonical
 * ids (a policy named `CachingOptimized` becomes its managed id) so the data plane compares ids.
 */
import { readFileSync } from 'node:fs';
import type {
  CacheBehaviorConfig,
  DistributionConfig,
  OriginConfig,
  ResponseHeadersPolicyConfig,
} from '../model/cloudfront.js';
import { MANAGED_CACHE_POLICIES, MANAGED_ORIGIN_REQUEST_POLICIES } from '../model/managed-policies.js';
import { compilePathPattern } from '../model/path-pattern.js';
import type { ResponseHeadersPolicyModel } from '../model/response-headers.js';
import type * as M from '../model/types.js';
import { deepFreeze } from './freeze.js';
import { MANAGED_RESPONSE_HEADERS_POLICIES } from './managed-response-headers.js';
import { normalizeContinuousDeploymentPolicyConfig } from './normalize.js';
import type { ParsedConfig } from './parse.js';
import type { RawConfig } from './raw.js';
import { keyGroupModels, trustedKeysOf } from './resolve-keys.js';
import { cachePolicyModel, legacyCachePolicy, originRequestPolicyModel } from './resolve-policies.js';
import { responseHeadersPolicyModel } from './resolve-response-headers.js';
import type { Registry } from './validate/registry.js';

/** reference/origins.md §1.4: S3 REST endpoint forms; the global form is us-east-1. */
const S3_REST =
  /^(.+?)\.s3(?:[.-](?:dualstack\.)?([a-z]{2}-[a-z]+-\d|external-1))?\.amazonaws\.com(?:\.cn)?$/i;
const S3_WEBSITE = /^(.+?)\.s3-website[.-]([a-z]{2}-[a-z]+-\d)\.amazonaws\.com(?:\.cn)?$/i;

export function originModel(config: OriginConfig): M.OriginModel {
  const domain = config.DomainName;
  if (config.S3OriginConfig) {
    const m = S3_REST.exec(domain);
    if (!m) return { config, kind: 's3' };
    const region = !m[2] || m[2] === 'external-1' ? 'us-east-1' : m[2].toLowerCase();
    return { config, kind: 's3', bucket: m[1], region };
  }
  const w = S3_WEBSITE.exec(domain);
  if (w) return { config, kind: 's3-website', bucket: w[1], region: w[2].toLowerCase() };
  return { config, kind: 'custom' };
}

interface Policies {
  cache: Map<string, M.CachePolicyModel>;
  originRequest: Map<string, M.OriginRequestPolicyModel>;
  keyGroups: ReadonlyMap<string, M.KeyGroupModel>;
  /** Compiled once per policy, shared by the behaviors that use it. */
  responseHeaders?: Map<string, ResponseHeadersPolicyModel>;
}

function behaviorModel(
  b: CacheBehaviorConfig,
  index: number,
  isDefault: boolean,
  distId: string,
  r: Registry,
  p: Policies,
): M.BehaviorModel {
  const config: CacheBehaviorConfig = {
    ...b,
    CachePolicyId: b.CachePolicyId && r.cachePolicies.resolve(b.CachePolicyId),
    OriginRequestPolicyId:
      b.OriginRequestPolicyId && r.originRequestPolicies.resolve(b.OriginRequestPolicyId),
    ResponseHeadersPolicyId:
      b.ResponseHeadersPolicyId && r.responseHeadersPolicies.resolve(b.ResponseHeadersPolicyId),
    TrustedKeyGroups: b.TrustedKeyGroups?.map((g) => r.keyGroups.resolve(g) ?? g),
    FunctionAssociations: b.FunctionAssociations.map((a) => ({
      ...a,
      FunctionARN: r.functions.resolve(a.FunctionARN) ?? a.FunctionARN,
    })),
  };
  for (const k of [
    'CachePolicyId',
    'OriginRequestPolicyId',
    'ResponseHeadersPolicyId',
    'TrustedKeyGroups',
  ] as const) {
    if (config[k] === undefined) delete config[k];
  }
  const PathPattern = isDefault ? '*' : (b.PathPattern as string);
  const isLegacy = config.CachePolicyId === undefined;
  const cachePolicy = isLegacy
    ? legacyCachePolicy(distId, index, b)
    : (p.cache.get(config.CachePolicyId as string) as M.CachePolicyModel);
  const model: M.BehaviorModel = {
    PathPattern,
    isDefault,
    config,
    matches: compilePathPattern(PathPattern),
    allowedMethods: new Set(b.AllowedMethods),
    cachedMethods: new Set(b.CachedMethods),
    cachePolicy,
    isLegacy,
  };
  const orp = config.OriginRequestPolicyId && p.originRequest.get(config.OriginRequestPolicyId);
  const trustedKeys = trustedKeysOf(config, p.keyGroups);
  const rhp = config.ResponseHeadersPolicyId && p.responseHeaders?.get(config.ResponseHeadersPolicyId);
  return {
    ...model,
    ...(orp ? { originRequestPolicy: orp } : {}),
    ...(rhp ? { responseHeadersPolicy: rhp } : {}),
    ...(trustedKeys ? { trustedKeys } : {}),
  };
}

function distributionModel(
  Id: string,
  d: DistributionConfig,
  accountId: string,
  r: Registry,
  p: Policies,
): M.DistributionModel {
  const listed = d.CacheBehaviors.map((b, i) => behaviorModel(b, i, false, Id, r, p));
  const fallback = behaviorModel(d.DefaultCacheBehavior, listed.length, true, Id, r, p);
  const behaviors = [...listed, fallback];
  const origins = d.Origins.map((o) => ({
    ...o,
    OriginAccessControlId: o.OriginAccessControlId && r.originAccessControls.resolve(o.OriginAccessControlId),
  }));
  for (const o of origins) if (!o.OriginAccessControlId) delete o.OriginAccessControlId;
  const DistributionConfig: DistributionConfig = {
    ...d,
    Origins: origins,
    DefaultCacheBehavior: fallback.config,
    CacheBehaviors: listed.map((b) => b.config),
  };
  const aliases = d.Aliases.map((a) => a.toLowerCase());
  return {
    Id,
    ARN: `arn:aws:cloudfront::${accountId}:distribution/${Id}`,
    DomainName: `${Id.toLowerCase()}.edgefront.localhost`,
    DistributionConfig,
    behaviors,
    origins: new Map(origins.map((o) => [o.Id, originModel(o)])),
    originGroups: new Map(d.OriginGroups.Items.map((g) => [g.Id, g])),
    customErrorResponses: new Map(d.CustomErrorResponses.map((e) => [e.ErrorCode, e])),
    exactAliases: new Set(aliases.filter((a) => !a.startsWith('*.'))),
    wildcardAliases: aliases.filter((a) => a.startsWith('*.')).map((a) => a.slice(1)),
  };
}

/** The config-shaped copies of public keys, key groups and continuous deployment policies. */
function keyAndDeploymentConfigs(
  raw: RawConfig,
  parsed: ParsedConfig,
  r: Registry,
): Pick<M.EdgeModel, 'publicKeyConfigs' | 'keyGroupConfigs' | 'continuousDeploymentPolicyConfigs'> {
  return {
    publicKeyConfigs: new Map(parsed.publicKeys.map((x) => [x.entry.id, x.config!])),
    keyGroupConfigs: new Map(
      parsed.keyGroups.map((x) => [
        x.entry.id,
        { ...x.config!, Items: x.config!.Items.map((ref) => r.publicKeys.resolve(ref) ?? ref) },
      ]),
    ),
    continuousDeploymentPolicyConfigs: new Map(
      raw.continuousDeploymentPolicies.map((e) => [
        e.id,
        normalizeContinuousDeploymentPolicyConfig(
          e.value.ContinuousDeploymentPolicyConfig,
        ) as M.ContinuousDeploymentPolicyConfig,
      ]),
    ),
  };
}

export function buildModel(
  raw: RawConfig,
  parsed: ParsedConfig,
  r: Registry,
  cliBuckets: ReadonlyMap<string, string>,
): M.EdgeModel {
  const p: Policies = { cache: new Map(), originRequest: new Map(), keyGroups: keyGroupModels(parsed, r) };
  for (const [id, c] of Object.entries(MANAGED_CACHE_POLICIES))
    p.cache.set(id, cachePolicyModel(id, c, true));
  for (const x of parsed.cachePolicies)
    p.cache.set(x.entry.id, cachePolicyModel(x.entry.id, x.config!, false));
  for (const [id, c] of Object.entries(MANAGED_ORIGIN_REQUEST_POLICIES))
    p.originRequest.set(id, originRequestPolicyModel(id, c, true));
  for (const x of parsed.originRequestPolicies)
    p.originRequest.set(x.entry.id, originRequestPolicyModel(x.entry.id, x.config!, false));
  const responseHeadersPolicies = new Map<string, { Id: string; Config: ResponseHeadersPolicyConfig }>();
  for (const [Id, Config] of Object.entries(MANAGED_RESPONSE_HEADERS_POLICIES))
    responseHeadersPolicies.set(Id, { Id, Config });
  for (const x of parsed.responseHeadersPolicies)
    responseHeadersPolicies.set(x.entry.id, { Id: x.entry.id, Config: x.config! });
  p.responseHeaders = new Map();
  for (const { Id, Config } of responseHeadersPolicies.values())
    p.responseHeaders.set(Id, responseHeadersPolicyModel(Id, Config));
  const functions = new Map<string, M.FunctionModel>();
  for (const { config: f } of parsed.functions) {
    const ARN = r.functions.resolve(f!.Name) as string;
    functions.set(ARN, {
      Name: f!.Name,
      ARN,
      Runtime: f!.FunctionConfig.Runtime,
      Comment: f!.FunctionConfig.Comment,
      Stage: f!.Stage,
      Code: f!.codeFile ? readFileSync(f!.codeFile, 'utf8') : (f!.FunctionCode ?? ''),
      ...(f!.codeFile ? { codeFile: f!.codeFile } : {}),
      KeyValueStoreARNs: f!.FunctionConfig.KeyValueStoreAssociations.map(
        (a) => r.keyValueStores.resolve(a.KeyValueStoreARN) as string,
      ),
    });
  }
  const keyValueStores = new Map<string, M.KeyValueStoreModel>();
  for (const { entry, config: k } of parsed.keyValueStores) {
    const ARN = r.keyValueStores.resolve(entry.id) as string;
    keyValueStores.set(ARN, {
      Name: k!.Name,
      Id: entry.id,
      ARN,
      ...(k!.dataFile ? { dataFile: k!.dataFile } : {}),
    });
  }
  const lambdaFunctions = new Map<string, M.LambdaFunctionModel>();
  for (const { config: l } of parsed.lambdaFunctions) {
    const { codePath, inlineCode, ...rest } = l!;
    lambdaFunctions.set(l!.Arn, {
      ...rest,
      ...(codePath ? { codePath } : {}),
      ...(inlineCode ? { inlineCode } : {}),
    });
  }
  const buckets = new Map<string, string>(raw.buckets.map((b) => [b.value.name, b.value.dir]));
  for (const [name, dir] of cliBuckets) buckets.set(name, dir);
  const model: M.EdgeModel = {
    distributions: parsed.distributions.map((x) =>
      distributionModel(x.entry.id, x.config!, r.accountId, r, p),
    ),
    cachePolicies: p.cache,
    originRequestPolicies: p.originRequest,
    responseHeadersPolicies,
    originAccessControls: new Map(
      parsed.originAccessControls.map((x) => [x.entry.id, { Id: x.entry.id, Config: x.config! }]),
    ),
    functions,
    lambdaFunctions,
    keyValueStores,
    keyGroups: p.keyGroups,
    ...keyAndDeploymentConfigs(raw, parsed, r),
    buckets,
    files: [...raw.files],
  };
  return deepFreeze(model);
}
