/**
 * Everything a distribution can reference, with every name it may be referenced by
 * (DESIGN.md "Native config file": by Id, managed-policy id or name with or without
 * `Managed-`, policy Name, function ARN or bare name, Lambda version ARN, KVS Name/Id/ARN).
 * Also where duplicates across entries and files are found.
 */

import { formatPath } from '../../errors.js';
import { MANAGED_CACHE_POLICIES, MANAGED_ORIGIN_REQUEST_POLICIES } from '../../model/managed-policies.js';
import { type Entry, type Issues, quoteList, str, suggest } from '../issues.js';
import { MANAGED_RESPONSE_HEADERS_POLICIES } from '../managed-response-headers.js';
import type { Parsed, ParsedConfig } from '../parse.js';
import { functionArn, keyValueStoreArn, type RawConfig } from '../raw.js';

/** Resolves references of one kind to the canonical id. */
export class Lookup {
  private readonly keys = new Map<string, string>();
  readonly shown: string[] = [];

  constructor(readonly what: string) {}

  add(id: string, ...aliases: (string | undefined)[]): void {
    this.shown.push(aliases.find((a) => a && a !== id) ?? id);
    for (const k of [id, ...aliases]) if (k && !this.keys.has(k)) this.keys.set(k, id);
  }

  resolve(ref: string): string | undefined {
    return this.keys.get(ref);
  }

  /** Fix text for an unresolved reference. */
  fix(ref: string): string {
    return this.shown.length
      ? suggest(ref, [...this.keys.keys()], this.what)
      : `declare the ${this.what} first (there are none)`;
  }

  describe(): string {
    return quoteList(this.shown);
  }
}

export interface Registry {
  cachePolicies: Lookup;
  originRequestPolicies: Lookup;
  responseHeadersPolicies: Lookup;
  originAccessControls: Lookup;
  keyGroups: Lookup;
  functions: Lookup;
  /** Function ARN → stage (only LIVE functions can be associated). */
  functionStages: Map<string, string>;
  lambdaVersions: Lookup;
  lambdaFunctionArns: ReadonlySet<string>;
  /** Version ARN → its limits, checked against the event type it is associated with. */
  lambdaLimits: Map<string, { Timeout: unknown; MemorySize: unknown }>;
  publicKeys: Lookup;
  keyValueStores: Lookup;
  accountId: string;
}

function managed(lookup: Lookup, table: Record<string, { Name: string }>): void {
  for (const [id, c] of Object.entries(table)) lookup.add(id, c.Name, `Managed-${c.Name}`);
}

/** Reports the second and later entries that reuse a key. */
function checkUnique<T>(
  items: Parsed<T>[],
  key: (p: Parsed<T>) => string | undefined,
  what: string,
  issues: Issues,
  at: (string | number)[] = [],
): void {
  const seen = new Map<string, Entry<unknown>>();
  for (const p of items) {
    const k = key(p);
    if (k === undefined) continue;
    const first = seen.get(k);
    if (first)
      issues.add(
        p.entry.file,
        [...p.entry.path, ...at],
        `duplicate ${what} "${k}" (also at ${first.file} ${formatPath(first.path)})`,
        `give each a different ${what}`,
      );
    else seen.set(k, p.entry);
  }
}

export function buildRegistry(
  raw: RawConfig,
  parsed: ParsedConfig,
  accountId: string,
  issues: Issues,
): Registry {
  const r: Registry = {
    cachePolicies: new Lookup('cache policies'),
    originRequestPolicies: new Lookup('origin request policies'),
    responseHeadersPolicies: new Lookup('response headers policies'),
    originAccessControls: new Lookup('origin access controls'),
    keyGroups: new Lookup('key groups'),
    functions: new Lookup('functions'),
    functionStages: new Map(),
    lambdaVersions: new Lookup('Lambda function versions'),
    lambdaFunctionArns: raw.lambdaFunctionArns,
    lambdaLimits: new Map(),
    publicKeys: new Lookup('public keys'),
    keyValueStores: new Lookup('key value stores'),
    accountId,
  };
  managed(r.cachePolicies, MANAGED_CACHE_POLICIES);
  managed(r.originRequestPolicies, MANAGED_ORIGIN_REQUEST_POLICIES);
  managed(r.responseHeadersPolicies, MANAGED_RESPONSE_HEADERS_POLICIES);
  const named = [
    [parsed.cachePolicies, r.cachePolicies, 'cache policy'],
    [parsed.originRequestPolicies, r.originRequestPolicies, 'origin request policy'],
    [parsed.responseHeadersPolicies, r.responseHeadersPolicies, 'response headers policy'],
    [parsed.originAccessControls, r.originAccessControls, 'origin access control'],
    [parsed.keyGroups, r.keyGroups, 'key group'],
    [parsed.publicKeys, r.publicKeys, 'public key'],
  ] as const;
  for (const [list, lookup, what] of named) {
    for (const p of list as Parsed<unknown>[]) lookup.add(p.entry.id, str(p.input.Name));
    checkUnique(list as Parsed<unknown>[], (p) => p.entry.id, `${what} Id`, issues, ['Id']);
    checkUnique(list as Parsed<unknown>[], (p) => str(p.input.Name), `${what} Name`, issues, ['Name']);
  }
  checkUnique(parsed.distributions, (p) => p.entry.id, 'distribution Id', issues, ['Id']);
  for (const p of parsed.functions) {
    const name = str(p.input.Name);
    if (!name) continue;
    const arn = functionArn(accountId, name);
    r.functions.add(arn, name);
    r.functionStages.set(arn, String(p.input.Stage));
  }
  checkUnique(parsed.functions, (p) => str(p.input.Name), 'function Name', issues, ['Name']);
  for (const p of parsed.keyValueStores) {
    const name = str(p.input.Name);
    r.keyValueStores.add(keyValueStoreArn(accountId, p.entry.id), name, p.entry.id);
  }
  checkUnique(parsed.keyValueStores, (p) => str(p.input.Name), 'key value store Name', issues, ['Name']);
  for (const p of parsed.lambdaFunctions) {
    const arn = str(p.input.Arn);
    if (arn) r.lambdaVersions.add(arn);
    if (arn) r.lambdaLimits.set(arn, { Timeout: p.input.Timeout, MemorySize: p.input.MemorySize });
  }
  checkUnique(parsed.lambdaFunctions, (p) => str(p.input.Arn), 'Lambda version Arn', issues, ['Arn']);
  const buckets = new Map<string, Entry<{ name: string; dir: string }>>();
  for (const b of raw.buckets) {
    const first = buckets.get(b.value.name);
    if (first && first.value.dir !== b.value.dir) {
      issues.add(
        b.file,
        b.path,
        `bucket "${b.value.name}" is already served from ${first.value.dir} (${first.file})`,
        'map each bucket to one directory',
      );
    } else buckets.set(b.value.name, b);
  }
  return r;
}
