/**
 * Rules of the resources distributions point at: cache and origin request policy lists and
 * TTLs (caching.md §1.2, §1.6, §2.1), function code (distribution.md §12: 10 KB), local
 * files and directories (function code, Lambda code, KVS data, bucket directories).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { type Issues, isObj, num, type Obj, type Path, str } from '../issues.js';
import type { ParsedConfig } from '../parse.js';
import type { RawConfig } from '../raw.js';
import { publicKeyProblem } from '../resolve-keys.js';
import { addFunctionCodeIssues, lambdaHandlerProblem } from './function-code.js';
import type { Registry } from './registry.js';

/** caching.md §1.6: CloudFront headers that only an origin request policy may list. */
const ORIGIN_REQUEST_ONLY = [
  'cloudfront-viewer-address',
  'cloudfront-viewer-asn',
  'cloudfront-viewer-tls',
  'cloudfront-viewer-ja3-fingerprint',
  'cloudfront-viewer-ja4-fingerprint',
];

const LISTS = [
  ['HeadersConfig', 'HeaderBehavior', 'Headers'],
  ['CookiesConfig', 'CookieBehavior', 'Cookies'],
  ['QueryStringsConfig', 'QueryStringBehavior', 'QueryStrings'],
] as const;

function checkLists(params: Obj, path: Path, file: string, issues: Issues): void {
  let total = 0;
  for (const [cfg, behavior, list] of LISTS) {
    const c = params[cfg];
    if (!isObj(c)) continue;
    const names = Array.isArray(c[list]) ? c[list].map(String) : [];
    total += names.reduce((n, s) => n + s.length, 0);
    const b = str(c[behavior]);
    if ((b === 'whitelist' || b === 'allExcept') && names.length === 0) {
      issues.add(file, [...path, cfg, list], `${behavior} ${b} needs at least one name in ${list}`);
    }
  }
  if (total > 1024)
    issues.add(
      file,
      path,
      `header, cookie and query string names total ${total} characters (CloudFront allows 1024)`,
    );
}

function fileProblem(p: string, want: 'file' | 'dir' | 'any'): string | undefined {
  if (!existsSync(p)) return `${p} does not exist`;
  const s = statSync(p);
  if (want === 'file' && !s.isFile()) return `${p} is not a file`;
  if (want === 'dir' && !s.isDirectory()) return `${p} is not a directory`;
  return undefined;
}

export function validateResources(
  raw: RawConfig,
  parsed: ParsedConfig,
  registry: Registry,
  issues: Issues,
): void {
  for (const { entry, input } of parsed.cachePolicies) {
    const path = [...entry.path, 'CachePolicyConfig'];
    // caching.md §2.1: DefaultTTL/MaxTTL default to 86400/31536000, raised to the smaller TTLs.
    const min = num(input.MinTTL) ?? 0;
    const def = num(input.DefaultTTL) ?? Math.max(min, 86400);
    const max = num(input.MaxTTL) ?? Math.max(def, 31536000);
    if (min > def)
      issues.add(entry.file, [...path, 'MinTTL'], `MinTTL (${min}) is greater than DefaultTTL (${def})`);
    if (def > max)
      issues.add(entry.file, [...path, 'DefaultTTL'], `DefaultTTL (${def}) is greater than MaxTTL (${max})`);
    const params = input.ParametersInCacheKeyAndForwardedToOrigin;
    if (!isObj(params)) continue;
    const paramsPath = [...path, 'ParametersInCacheKeyAndForwardedToOrigin'];
    checkLists(params, paramsPath, entry.file, issues);
    const headers =
      isObj(params.HeadersConfig) && Array.isArray(params.HeadersConfig.Headers)
        ? params.HeadersConfig.Headers
        : [];
    headers.forEach((h, i) => {
      if (typeof h === 'string' && ORIGIN_REQUEST_ONLY.includes(h.toLowerCase())) {
        issues.add(
          entry.file,
          [...paramsPath, 'HeadersConfig', 'Headers', i],
          `${h} can only be used in an origin request policy`,
        );
      }
    });
  }
  for (const { entry, input } of parsed.originRequestPolicies)
    checkLists(input, [...entry.path, 'OriginRequestPolicyConfig'], entry.file, issues);
  for (const { entry, input } of parsed.functions) {
    const codeFile = str(input.codeFile);
    const inline = input.FunctionCode;
    const codeKey = entry.path[0] === 'Resources' ? 'FunctionCode' : 'Code';
    if (codeFile === undefined && inline === undefined) {
      issues.add(
        entry.file,
        entry.path,
        'a function needs its code',
        entry.path[0] === 'Resources' ? 'add FunctionCode' : 'add Code: ./file.js or FunctionCode: "…"',
      );
    } else if (codeFile !== undefined && inline !== undefined) {
      issues.add(entry.file, [...entry.path, 'Code'], 'give either Code or FunctionCode, not both');
    }
    let code = typeof inline === 'string' && codeFile === undefined ? inline : undefined;
    if (codeFile !== undefined) {
      const problem = fileProblem(codeFile, 'file');
      if (problem) issues.add(entry.file, [...entry.path, 'Code'], problem);
      else code = readFileSync(codeFile, 'utf8');
    }
    const size = code === undefined ? 0 : Buffer.byteLength(code);
    if (size > 10240)
      issues.add(
        entry.file,
        [...entry.path, codeKey],
        `function code is ${size} bytes; CloudFront allows 10 KB (10240 bytes)`,
        'move data into a key value store',
      );
    const config = input.FunctionConfig;
    // CloudFront's publish compiles the code: report what it would refuse, where it is.
    if (code !== undefined && size <= 10240)
      addFunctionCodeIssues(issues, entry.file, [...entry.path, codeFile ? 'Code' : 'FunctionCode'], {
        runtime: isObj(config) ? config.Runtime : undefined,
        code,
        codeFile,
      });
    const kvs =
      isObj(config) && Array.isArray(config.KeyValueStoreAssociations)
        ? config.KeyValueStoreAssociations
        : [];
    kvs.forEach((a, i) => {
      const ref = isObj(a) ? str(a.KeyValueStoreARN) : undefined;
      if (ref !== undefined && !registry.keyValueStores.resolve(ref)) {
        issues.add(
          entry.file,
          [...entry.path, 'FunctionConfig', 'KeyValueStoreAssociations', i, 'KeyValueStoreARN'],
          `"${ref}" names no key value store`,
          registry.keyValueStores.fix(ref),
        );
      }
    });
  }
  for (const { entry, input } of parsed.lambdaFunctions) {
    const code = str(input.codePath);
    const problem = code === undefined ? undefined : fileProblem(code, 'any');
    if (problem) {
      issues.add(entry.file, [...entry.path, entry.path[0] === 'Resources' ? 'Code' : 'Code'], problem);
      continue;
    }
    const handler = str(input.Handler);
    const missing =
      handler === undefined
        ? undefined
        : lambdaHandlerProblem(handler, str(input.Runtime) ?? 'nodejs20.x', {
            codePath: code,
            inlineCode: str(input.inlineCode),
          });
    if (missing)
      issues.add(
        entry.file,
        [...entry.path, 'Handler'],
        missing,
        'Handler is FILE.EXPORT: the module’s file name in the code directory, without extension, then the exported function',
      );
  }
  for (const { entry, input } of parsed.keyValueStores) {
    const data = str(input.dataFile);
    const problem = data === undefined ? undefined : fileProblem(data, 'file');
    if (problem) issues.add(entry.file, [...entry.path, 'Data'], problem);
  }
  for (const { entry, config } of parsed.publicKeys) {
    const problem = config && publicKeyProblem(config.EncodedKey);
    if (problem) issues.add(entry.file, [...entry.path, 'PublicKeyConfig', 'EncodedKey'], problem);
  }
  for (const { entry, input } of parsed.keyGroups) {
    const items = Array.isArray(input.Items) ? input.Items : [];
    items.forEach((k, i) => {
      if (typeof k === 'string' && !registry.publicKeys.resolve(k))
        issues.add(
          entry.file,
          [...entry.path, 'KeyGroupConfig', 'Items', i],
          `"${k}" names no public key`,
          registry.publicKeys.fix(k),
        );
    });
  }
  for (const b of raw.buckets) {
    const problem = fileProblem(b.value.dir, 'dir');
    if (problem)
      issues.add(
        b.file,
        b.path,
        problem,
        'create the directory or fix the path (relative to the config file)',
      );
  }
}
