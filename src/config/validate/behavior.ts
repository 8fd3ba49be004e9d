/**
 * Cross-field rules of one cache behaviour (reference/distribution.md §3; caching.md §1.2,
 * §1.5; lambda-edge.md §6). Reads the normalised input, so these run even when the schema
 * found type errors elsewhere in the same behaviour.
 */
import { type Issues, isObj, num, type Obj, type Path, quoteList, str } from '../issues.js';
import { LAMBDA_VERSION_ARN } from '../schema/functions.js';
import type { Registry } from './registry.js';

export interface BehaviorContext {
  file: string;
  issues: Issues;
  registry: Registry;
  /** Origin and origin group Ids of the distribution. */
  targets: string[];
}

const LEGACY_TTLS = { MinTTL: 0, DefaultTTL: 86400, MaxTTL: 31536000 } as const;

function methodsOf(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : ['GET', 'HEAD'];
}

function checkRef(
  c: BehaviorContext,
  b: Obj,
  path: Path,
  key: string,
  lookup: Registry['cachePolicies'],
): void {
  const ref = str(b[key]);
  if (ref !== undefined && lookup.resolve(ref) === undefined) {
    c.issues.add(
      c.file,
      [...path, key],
      `${key} "${ref}" names no ${lookup.what.replace(/ies$/, 'y').replace(/s$/, '')}`,
      lookup.fix(ref),
    );
  }
}

export function validateBehavior(b: Obj, path: Path, c: BehaviorContext): void {
  const { file, issues, registry } = c;
  const target = str(b.TargetOriginId);
  if (target !== undefined && !c.targets.includes(target)) {
    issues.add(
      file,
      [...path, 'TargetOriginId'],
      `"${target}" names no origin or origin group here`,
      `use one of ${quoteList(c.targets)}`,
    );
  }
  const hasPolicy = b.CachePolicyId !== undefined;
  if (hasPolicy && b.ForwardedValues !== undefined) {
    issues.add(
      file,
      [...path, 'ForwardedValues'],
      'CachePolicyId and the legacy ForwardedValues cannot be used together',
      'remove ForwardedValues (the cache policy decides the cache key)',
    );
  } else if (!hasPolicy && b.ForwardedValues === undefined) {
    issues.add(
      file,
      path,
      'a cache behavior needs a CachePolicyId (or the legacy ForwardedValues)',
      'add CachePolicyId: CachingOptimized',
    );
  }
  if (b.OriginRequestPolicyId !== undefined && !hasPolicy) {
    issues.add(
      file,
      [...path, 'OriginRequestPolicyId'],
      'an origin request policy needs a cache policy on the same behavior',
      'add a CachePolicyId',
    );
  }
  for (const key of Object.keys(LEGACY_TTLS) as (keyof typeof LEGACY_TTLS)[]) {
    if (hasPolicy && b[key] !== undefined) {
      issues.add(
        file,
        [...path, key],
        `${key} cannot be used with CachePolicyId`,
        `set the TTLs in the cache policy and remove ${key}`,
      );
    }
  }
  if (!hasPolicy) {
    const [min, def, max] = (['MinTTL', 'DefaultTTL', 'MaxTTL'] as const).map(
      (k) => num(b[k]) ?? LEGACY_TTLS[k],
    );
    if (min > def)
      issues.add(file, [...path, 'MinTTL'], `MinTTL (${min}) is greater than DefaultTTL (${def})`);
    if (def > max)
      issues.add(file, [...path, 'DefaultTTL'], `DefaultTTL (${def}) is greater than MaxTTL (${max})`);
  }
  checkRef(c, b, path, 'CachePolicyId', registry.cachePolicies);
  checkRef(c, b, path, 'OriginRequestPolicyId', registry.originRequestPolicies);
  checkRef(c, b, path, 'ResponseHeadersPolicyId', registry.responseHeadersPolicies);
  const allowed = methodsOf(b.AllowedMethods);
  const notAllowed = methodsOf(b.CachedMethods).filter((m) => !allowed.includes(m));
  if (notAllowed.length) {
    issues.add(
      file,
      [...path, 'CachedMethods'],
      `CachedMethods ${notAllowed.join(', ')} not in AllowedMethods`,
      'CachedMethods must be a subset of AllowedMethods',
    );
  }
  if (Array.isArray(b.TrustedKeyGroups)) {
    b.TrustedKeyGroups.forEach((g, i) => {
      if (typeof g === 'string' && !registry.keyGroups.resolve(g))
        issues.add(
          file,
          [...path, 'TrustedKeyGroups', i],
          `"${g}" names no key group`,
          registry.keyGroups.fix(g),
        );
    });
  }
  validateFunctionAssociations(b, path, c);
  validateLambdaAssociations(b, path, c);
}

function onePerEvent(list: unknown[], path: Path, key: string, c: BehaviorContext): void {
  const seen = new Set<string>();
  for (const [i, a] of list.entries()) {
    const event = isObj(a) ? str(a.EventType) : undefined;
    if (event === undefined) continue;
    if (seen.has(event))
      c.issues.add(
        c.file,
        [...path, key, i, 'EventType'],
        `more than one association for ${event}`,
        'associate at most one function per event type',
      );
    seen.add(event);
  }
}

function validateFunctionAssociations(b: Obj, path: Path, c: BehaviorContext): void {
  const list = Array.isArray(b.FunctionAssociations) ? b.FunctionAssociations : [];
  onePerEvent(list, path, 'FunctionAssociations', c);
  const lambdaEvents = new Set(
    Array.isArray(b.LambdaFunctionAssociations)
      ? b.LambdaFunctionAssociations.map((a) => (isObj(a) ? a.EventType : undefined))
      : [],
  );
  for (const [i, a] of list.entries()) {
    const at = [...path, 'FunctionAssociations', i];
    const ref = isObj(a) ? str(a.FunctionARN) : undefined;
    if (ref === undefined) continue;
    const arn = c.registry.functions.resolve(ref);
    if (!arn) {
      c.issues.add(
        c.file,
        [...at, 'FunctionARN'],
        `"${ref}" names no CloudFront function`,
        c.registry.functions.fix(ref),
      );
      continue;
    }
    const stage = c.registry.functionStages.get(arn);
    if (stage !== 'LIVE')
      c.issues.add(
        c.file,
        [...at, 'FunctionARN'],
        `function "${ref}" is in the ${stage} stage; only LIVE functions can be associated`,
        'publish it (AutoPublish: true, or Stage: LIVE)',
      );
    if (isObj(a) && lambdaEvents.has(a.EventType)) {
      c.issues.add(
        c.file,
        [...at, 'EventType'],
        `a CloudFront function and a Lambda@Edge function cannot both handle ${a.EventType}`,
      );
    }
  }
}

function validateLambdaAssociations(b: Obj, path: Path, c: BehaviorContext): void {
  const list = Array.isArray(b.LambdaFunctionAssociations) ? b.LambdaFunctionAssociations : [];
  onePerEvent(list, path, 'LambdaFunctionAssociations', c);
  for (const [i, a] of list.entries()) {
    const at = [...path, 'LambdaFunctionAssociations', i];
    if (!isObj(a)) continue;
    const arn = str(a.LambdaFunctionARN);
    const event = str(a.EventType) ?? '';
    if (a.IncludeBody === true && !event.endsWith('-request')) {
      c.issues.add(
        c.file,
        [...at, 'IncludeBody'],
        'IncludeBody applies to viewer-request and origin-request only',
      );
    }
    if (arn === undefined) continue;
    if (!LAMBDA_VERSION_ARN.test(arn)) {
      const fix = c.registry.lambdaFunctionArns.has(arn)
        ? 'publish an AWS::Lambda::Version and use its Ref'
        : 'use a version ARN ending in :1, :2 …';
      c.issues.add(
        c.file,
        [...at, 'LambdaFunctionARN'],
        `"${arn}" is not a numbered Lambda version ($LATEST and aliases are not allowed)`,
        fix,
      );
      continue;
    }
    if (!c.registry.lambdaVersions.resolve(arn)) {
      c.issues.add(
        c.file,
        [...at, 'LambdaFunctionARN'],
        `"${arn}" names no Lambda function version declared in config`,
        `declare it under LambdaFunctions (have: ${c.registry.lambdaVersions.describe()})`,
      );
      continue;
    }
    // lambda-edge.md §6: viewer events allow 5 s and 128 MB; origin events 30 s (schema).
    const limits = c.registry.lambdaLimits.get(arn);
    if (limits && event.startsWith('viewer-')) {
      const [timeout, memory] = [num(limits.Timeout), num(limits.MemorySize)];
      if (timeout !== undefined && timeout > 5)
        c.issues.add(
          c.file,
          [...at, 'LambdaFunctionARN'],
          `${event} functions may run 5 s at most; this one has Timeout ${timeout}`,
          'set Timeout to 5 or less, or associate it with an origin event',
        );
      if (memory !== undefined && memory > 128)
        c.issues.add(
          c.file,
          [...at, 'LambdaFunctionARN'],
          `${event} functions have 128 MB at most; this one has MemorySize ${memory}`,
          'set MemorySize to 128',
        );
    }
  }
}
