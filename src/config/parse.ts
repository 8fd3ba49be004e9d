/**
 * Normalises (normalize.ts) and schema-checks (schema/) every RawConfig entry. Each result keeps
 * the normalised input, which cross-field validation reads even when the schema failed, and the
 * typed, defaulted config when it passed, which the model is built from.
 */
import type * as z from 'zod';
import type {
  CachePolicyConfig,
  DistributionConfig,
  OriginAccessControlConfig,
  OriginRequestPolicyConfig,
  ResponseHeadersPolicyConfig,
} from '../model/cloudfront.js';
import { type Entry, type Issues, isObj, type Obj } from './issues.js';
import {
  normalizeContinuousDeploymentPolicyConfig,
  normalizeDistributionConfig,
  normalizePolicyLists,
} from './normalize.js';
import type { RawConfig } from './raw.js';
import { parseWith } from './schema/common.js';
import { distributionConfig } from './schema/distribution.js';
import { functionProperties, keyValueStoreProperties, lambdaProperties } from './schema/functions.js';
import * as policies from './schema/policies.js';

export interface Parsed<T> {
  entry: Entry<unknown>;
  /** The normalised config object (DistributionConfig, CachePolicyConfig …), unchecked. */
  input: Obj;
  config?: T;
}

export interface ParsedConfig {
  distributions: Parsed<DistributionConfig>[];
  cachePolicies: Parsed<CachePolicyConfig>[];
  originRequestPolicies: Parsed<OriginRequestPolicyConfig>[];
  responseHeadersPolicies: Parsed<ResponseHeadersPolicyConfig>[];
  originAccessControls: Parsed<OriginAccessControlConfig>[];
  functions: Parsed<z.output<typeof functionProperties>>[];
  keyValueStores: Parsed<z.output<typeof keyValueStoreProperties>>[];
  lambdaFunctions: Parsed<z.output<typeof lambdaProperties>>[];
  publicKeys: Parsed<z.output<typeof policies.publicKeyConfig>>[];
  keyGroups: Parsed<z.output<typeof policies.keyGroupConfig>>[];
}

/** Parses `entry.value[key]` (a wrapped config) after `normalize`. */
function wrapped<T>(
  entries: Entry[],
  key: string,
  schema: z.ZodType,
  issues: Issues,
  normalize: (v: unknown) => unknown = (v) => v,
): Parsed<T>[] {
  return entries.map((entry) => {
    const path = [...entry.path, key];
    if (entry.path[0] === 'Resources') {
      for (const k of Object.keys(entry.value)) {
        if (k !== key && k !== 'Tags')
          issues.add(entry.file, [...entry.path, k], `unknown property "${k}"`, `the properties are: ${key}`);
      }
    }
    const raw = entry.value[key];
    if (raw === undefined) {
      issues.add(entry.file, entry.path, `missing ${key}`);
      return { entry, input: {} };
    }
    const input = normalize(raw);
    const config = parseWith(schema, input, entry.file, path, issues) as T | undefined;
    return { entry, input: isObj(input) ? input : {}, config };
  });
}

function direct<T>(entries: Entry<unknown>[], schema: z.ZodType, issues: Issues): Parsed<T>[] {
  return entries.map((entry) => {
    const input = entry.value as Obj;
    // Drop absent optional values so that defaults apply and `undefined` isn't a type error.
    const clean = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
    return {
      entry,
      input,
      config: parseWith(schema, clean, entry.file, entry.path, issues) as T | undefined,
    };
  });
}

export function parseConfig(raw: RawConfig, issues: Issues): ParsedConfig {
  wrapped(
    raw.continuousDeploymentPolicies,
    'ContinuousDeploymentPolicyConfig',
    policies.continuousDeploymentPolicyConfig,
    issues,
    normalizeContinuousDeploymentPolicyConfig,
  );
  wrapped(
    raw.originAccessIdentities,
    'CloudFrontOriginAccessIdentityConfig',
    policies.originAccessIdentityConfig,
    issues,
  );
  return {
    distributions: wrapped(
      raw.distributions,
      'DistributionConfig',
      distributionConfig,
      issues,
      normalizeDistributionConfig,
    ),
    cachePolicies: wrapped(
      raw.cachePolicies,
      'CachePolicyConfig',
      policies.cachePolicyConfig,
      issues,
      normalizePolicyLists,
    ),
    originRequestPolicies: wrapped(
      raw.originRequestPolicies,
      'OriginRequestPolicyConfig',
      policies.originRequestPolicyConfig,
      issues,
      normalizePolicyLists,
    ),
    responseHeadersPolicies: wrapped(
      raw.responseHeadersPolicies,
      'ResponseHeadersPolicyConfig',
      policies.responseHeadersPolicyConfig,
      issues,
    ),
    originAccessControls: wrapped(
      raw.originAccessControls,
      'OriginAccessControlConfig',
      policies.originAccessControlConfig,
      issues,
    ),
    publicKeys: wrapped(raw.publicKeys, 'PublicKeyConfig', policies.publicKeyConfig, issues),
    keyGroups: wrapped(raw.keyGroups, 'KeyGroupConfig', policies.keyGroupConfig, issues),
    functions: direct(raw.functions, functionProperties, issues),
    keyValueStores: direct(raw.keyValueStores, keyValueStoreProperties, issues),
    lambdaFunctions: direct(raw.lambdaFunctions, lambdaProperties, issues),
  };
}
