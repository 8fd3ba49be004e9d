/**
 * The native config format (DESIGN.md "Native config file"): top-level lists whose entries wrap
 * CloudFormation-shaped configs (`{ Id?, DistributionConfig }` …). This file only checks the
 * wrappers and turns them into RawConfig entries; the inner shapes are validated in schema/.
 */
import { resolve as resolvePath } from 'node:path';
import { distributionId, shortId, uuidLikeId } from './ids.js';
import { type Entry, type Issues, isObj, type Obj, type Path, str, suggest } from './issues.js';
import type { RawConfig } from './raw.js';
import { DISTRIBUTION_ID } from './schema/distribution.js';

/** Wrapper keys per top-level list; the first one is the required config key (if any). */
const LISTS = {
  Distributions: ['DistributionConfig', 'Id', 'Tags'],
  CachePolicies: ['CachePolicyConfig', 'Id'],
  OriginRequestPolicies: ['OriginRequestPolicyConfig', 'Id'],
  ResponseHeadersPolicies: ['ResponseHeadersPolicyConfig', 'Id'],
  OriginAccessControls: ['OriginAccessControlConfig', 'Id'],
  ContinuousDeploymentPolicies: ['ContinuousDeploymentPolicyConfig', 'Id'],
  PublicKeys: ['PublicKeyConfig', 'Id'],
  KeyGroups: ['KeyGroupConfig', 'Id'],
  Functions: ['Name', 'FunctionConfig', 'Code', 'FunctionCode', 'Stage'],
  KeyValueStores: ['Name', 'Id', 'Data', 'Comment'],
  LambdaFunctions: ['Arn', 'Handler', 'Code', 'Runtime', 'Timeout', 'MemorySize'],
} as const;

/** `Admin` belongs to `serve` (control-plane credentials); accepted here, read there. */
export const NATIVE_KEYS = [...Object.keys(LISTS), 'Buckets', 'Admin'];

type ListKey = keyof typeof LISTS;

export function loadNative(doc: Obj, file: string, baseDir: string, raw: RawConfig, issues: Issues): void {
  for (const key of Object.keys(doc)) {
    if (!NATIVE_KEYS.includes(key)) {
      issues.add(file, [key], `unknown top-level key "${key}"`, suggest(key, NATIVE_KEYS, 'top-level keys'));
    }
  }
  const entries = (key: ListKey): { value: Obj; path: Path; index: number }[] => {
    const list = doc[key];
    if (list === undefined || list === null) return [];
    if (!Array.isArray(list)) {
      issues.add(file, [key], `${key} must be a list`, `write "${key}:" followed by "- " items`);
      return [];
    }
    const out: { value: Obj; path: Path; index: number }[] = [];
    list.forEach((value, index) => {
      const path = [key, index];
      if (!isObj(value)) {
        issues.add(file, path, 'expected an object');
        return;
      }
      const allowed: readonly string[] = LISTS[key];
      for (const k of Object.keys(value)) {
        if (!allowed.includes(k))
          issues.add(file, [...path, k], `unknown key "${k}"`, suggest(k, allowed, 'keys'));
      }
      const required =
        key === 'Functions' || key === 'KeyValueStores' || key === 'LambdaFunctions' ? [] : [allowed[0]];
      for (const r of required) if (value[r] === undefined) issues.add(file, path, `missing ${r}`);
      out.push({ value, path, index });
    });
    return out;
  };
  const entry = (path: Path, id: string, value: Obj): Entry => ({ file, path, baseDir, id, value });
  const idOr = (value: Obj, fallback: () => string): string => str(value.Id) ?? fallback();

  for (const { value, path, index } of entries('Distributions')) {
    if (value.Id !== undefined && !(typeof value.Id === 'string' && DISTRIBUTION_ID.test(value.Id)))
      issues.add(
        file,
        [...path, 'Id'],
        `a distribution Id is 1 to 32 uppercase letters and digits (got ${JSON.stringify(value.Id)})`,
        'write one like E2QWRUHEXAMPLE, or leave Id out and one is derived from the file',
      );
    raw.distributions.push(
      entry(
        path,
        idOr(value, () => distributionId(file, index)),
        value,
      ),
    );
  }
  const policyLists = [
    ['CachePolicies', raw.cachePolicies, 'cache-policy'],
    ['OriginRequestPolicies', raw.originRequestPolicies, 'origin-request-policy'],
    ['ResponseHeadersPolicies', raw.responseHeadersPolicies, 'response-headers-policy'],
    ['ContinuousDeploymentPolicies', raw.continuousDeploymentPolicies, 'continuous-deployment-policy'],
  ] as const;
  for (const [key, target, kind] of policyLists)
    for (const { value, path, index } of entries(key))
      target.push(
        entry(
          path,
          idOr(value, () => uuidLikeId(kind, file, index)),
          value,
        ),
      );
  const shortLists = [
    ['OriginAccessControls', raw.originAccessControls, 'oac'],
    ['PublicKeys', raw.publicKeys, 'public-key'],
    ['KeyGroups', raw.keyGroups, 'key-group'],
  ] as const;
  for (const [key, target, kind] of shortLists)
    for (const { value, path, index } of entries(key))
      target.push(
        entry(
          path,
          idOr(value, () => shortId(kind, file, index)),
          value,
        ),
      );

  for (const { value, path } of entries('Functions')) {
    const code = str(value.Code);
    if (value.Code !== undefined && code === undefined)
      issues.add(file, [...path, 'Code'], 'Code must be a file path');
    raw.functions.push({
      file,
      path,
      baseDir,
      id: String(value.Name),
      value: {
        Name: value.Name,
        FunctionConfig: value.FunctionConfig,
        FunctionCode: value.FunctionCode,
        codeFile: code === undefined ? undefined : resolvePath(baseDir, code),
        Stage: value.Stage ?? 'LIVE',
      },
    });
  }
  for (const { value, path, index } of entries('KeyValueStores')) {
    const data = str(value.Data);
    const id = idOr(value, () => uuidLikeId('key-value-store', file, str(value.Name) ?? index));
    raw.keyValueStores.push({
      ...entry(path, id, {}),
      value: { Name: value.Name, dataFile: data === undefined ? undefined : resolvePath(baseDir, data) },
    });
  }
  for (const { value, path } of entries('LambdaFunctions')) {
    const code = str(value.Code);
    if (code === undefined)
      issues.add(
        file,
        [...path, 'Code'],
        'missing Code',
        'give the directory or file that holds the handler',
      );
    raw.lambdaFunctions.push({
      ...entry(path, String(value.Arn), {}),
      value: {
        Arn: value.Arn,
        Handler: value.Handler,
        Runtime: value.Runtime ?? 'nodejs20.x',
        Timeout: value.Timeout ?? 3,
        MemorySize: value.MemorySize ?? 128,
        codePath: code === undefined ? undefined : resolvePath(baseDir, code),
      },
    });
  }
  loadBuckets(doc.Buckets, file, baseDir, raw, issues);
}

function loadBuckets(buckets: unknown, file: string, baseDir: string, raw: RawConfig, issues: Issues): void {
  if (buckets === undefined || buckets === null) return;
  if (!isObj(buckets)) {
    issues.add(
      file,
      ['Buckets'],
      'Buckets must be a map of bucket name to directory',
      'write "my-bucket: ./public"',
    );
    return;
  }
  for (const [name, dir] of Object.entries(buckets)) {
    const path = ['Buckets', name];
    if (typeof dir !== 'string') {
      issues.add(file, path, 'expected a directory path');
      continue;
    }
    raw.buckets.push({ file, path, baseDir, id: name, value: { name, dir: resolvePath(baseDir, dir) } });
  }
}
