/**
 * Public entry of config loading (DESIGN.md "Native config file", `--config`, `--parameter`,
 * `--bucket`): reads files, tells CloudFormation templates from native configs by content,
 * validates everything with CloudFront's rules and returns the frozen EdgeModel, or throws a
 * ConfigError carrying every issue found.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve as resolvePath } from 'node:path';
import { ConfigError } from '../errors.js';
import type { EdgeModel } from '../model/types.js';
import { loadTemplate } from './cloudformation/template.js';
import { type Entry, Issues, isObj, type Obj } from './issues.js';
import { loadNative } from './native.js';
import { parseConfig } from './parse.js';
import { emptyRaw, type LoadContext, type RawConfig } from './raw.js';
import { buildModel } from './resolve.js';
import { validateDistributions } from './validate/distribution.js';
import { buildRegistry } from './validate/registry.js';
import { validateResources } from './validate/resources.js';
import { parseSource } from './yaml-source.js';

export interface LoadOptions {
  parameters?: Record<string, string>;
  buckets?: ReadonlyMap<string, string>;
  accountId?: string;
  region?: string;
  stackName?: string;
  /** Resources kept by the control plane (src/control), laid over the config files. */
  overlay?: ConfigOverlay;
}

/**
 * A native config document of resources created or changed through the API. Its entries replace
 * config-file entries with the same id (Id, or Name for functions and key value stores), and
 * `deleted` hides config-file entries deleted through the API.
 */
export interface ConfigOverlay {
  doc: Obj;
  /** Named in issues, e.g. `.edgefront/control/state.json`. */
  file: string;
  baseDir: string;
  deleted?: ReadonlySet<string>;
}

export interface LoadResult {
  model: EdgeModel;
  notes: string[];
}

function contextOf(options: LoadOptions): LoadContext {
  return {
    accountId: options.accountId ?? process.env.EDGEFRONT_ACCOUNT_ID ?? '123456789012',
    region: options.region ?? 'us-east-1',
    parameters: options.parameters ?? {},
    stackName: options.stackName,
  };
}

/** A document with `Resources` or `AWSTemplateFormatVersion` is a CloudFormation template. */
export function isTemplate(doc: unknown): boolean {
  return isObj(doc) && ('Resources' in doc || 'AWSTemplateFormatVersion' in doc);
}

function addDocument(
  doc: unknown,
  file: string,
  baseDir: string,
  ctx: LoadContext,
  raw: RawConfig,
  issues: Issues,
): void {
  raw.files.push(file);
  if (doc === null || doc === undefined) {
    issues.add(
      file,
      [],
      'the file is empty',
      'add Distributions: (native config) or Resources: (CloudFormation)',
    );
  } else if (!isObj(doc)) {
    issues.add(
      file,
      [],
      'expected a map at the top level',
      'add Distributions: (native config) or Resources: (CloudFormation)',
    );
  } else if (isTemplate(doc)) loadTemplate(doc, file, baseDir, ctx, raw, issues);
  else loadNative(doc, file, baseDir, raw, issues);
}

/** The lists of RawConfig whose entries an overlay can replace or hide, by id. */
const OVERLAID_LISTS = [
  'distributions',
  'cachePolicies',
  'originRequestPolicies',
  'responseHeadersPolicies',
  'originAccessControls',
  'continuousDeploymentPolicies',
  'publicKeys',
  'keyGroups',
  'functions',
  'keyValueStores',
] as const satisfies readonly (keyof RawConfig)[];

function addOverlay(overlay: ConfigOverlay, raw: RawConfig, issues: Issues): void {
  const before = new Map(OVERLAID_LISTS.map((list) => [list, raw[list].length]));
  loadNative(overlay.doc, overlay.file, overlay.baseDir, raw, issues);
  for (const list of OVERLAID_LISTS) {
    const entries = raw[list] as Entry<unknown>[];
    const fromFiles = before.get(list) ?? 0;
    const replaced = new Set(entries.slice(fromFiles).map((e) => e.id));
    const kept = entries.filter(
      (e, i) => i >= fromFiles || !(replaced.has(e.id) || overlay.deleted?.has(`${list}/${e.id}`)),
    );
    entries.splice(0, entries.length, ...kept);
  }
}

/** Validates and resolves; throws ConfigError with every issue. */
function finish(
  raw: RawConfig,
  ctx: LoadContext,
  issues: Issues,
  buckets: ReadonlyMap<string, string>,
  overlay: ConfigOverlay | undefined,
): LoadResult {
  if (overlay) addOverlay(overlay, raw, issues);
  const parsed = parseConfig(raw, issues);
  const registry = buildRegistry(raw, parsed, ctx.accountId, issues);
  validateDistributions(parsed.distributions, registry, issues);
  validateResources(raw, parsed, registry, issues);
  if (issues.count > 0) {
    // In file order, then line order: the order a user fixes them in.
    const order = (f: string) => raw.files.indexOf(f);
    const sorted = issues.list
      .map((issue, i) => ({ issue, i }))
      .sort(
        (a, b) =>
          order(a.issue.file) - order(b.issue.file) || (a.issue.line ?? 0) - (b.issue.line ?? 0) || a.i - b.i,
      );
    throw new ConfigError(sorted.map((s) => s.issue));
  }
  const absolute = new Map([...buckets].map(([name, dir]) => [name, resolvePath(dir)]));
  return { model: buildModel(raw, parsed, registry, absolute), notes: issues.notes };
}

export async function loadConfigFiles(files: string[], options: LoadOptions = {}): Promise<LoadResult> {
  const ctx = contextOf(options);
  const issues = new Issues();
  const raw = emptyRaw();
  if (files.length === 0 && !options.overlay)
    issues.add('(command line)', [], 'no config file given', 'pass --config edgefront.yaml');
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      issues.add(file, [], `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      continue;
    }
    const { value, lines } = parseSource(text, file, issues);
    issues.registerLines(file, lines);
    addDocument(value, file, dirname(resolvePath(file)), ctx, raw, issues);
  }
  return finish(raw, ctx, issues, options.buckets ?? new Map(), options.overlay);
}

export function loadConfigObject(
  doc: unknown,
  options: LoadOptions & { file?: string; baseDir?: string } = {},
): LoadResult {
  const ctx = contextOf(options);
  const issues = new Issues();
  const raw = emptyRaw();
  const file = options.file ?? '<inline>';
  addDocument(doc, file, resolvePath(options.baseDir ?? '.'), ctx, raw, issues);
  return finish(raw, ctx, issues, options.buckets ?? new Map(), options.overlay);
}
