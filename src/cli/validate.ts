/**
 * `edgefront validate FILE…` (DESIGN.md "Tools"): loads the files exactly as `serve` would and
 * reports every issue CloudFront would reject at deploy time. Exit code 0 when valid, 1 when
 * not; `--json` prints `{ ok, issues, notes }` for scripts. Flag parsing lives in the CLI entry.
 */
import { loadConfigFiles } from '../config/load.js';
import { ConfigError, type ConfigIssue, formatIssue } from '../errors.js';
import type { EdgeModel } from '../model/types.js';

export interface ValidateOptions {
  parameters?: Record<string, string>;
  json?: boolean;
  out?: NodeJS.WritableStream;
  err?: NodeJS.WritableStream;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : word.endsWith('y') ? '' : 's'}`.replace(/y$/, n === 1 ? 'y' : 'ies');
}

/** `2 distributions, 1 cache policy, 1 function …`: what was found, managed policies excluded. */
export function summarize(model: EdgeModel): string {
  const custom = (m: ReadonlyMap<string, { isManaged: boolean }>) =>
    [...m.values()].filter((p) => !p.isManaged).length;
  const parts = [
    plural(model.distributions.length, 'distribution'),
    plural(custom(model.cachePolicies), 'cache policy'),
    plural(custom(model.originRequestPolicies), 'origin request policy'),
    plural(model.functions.size, 'function'),
    plural(model.lambdaFunctions.size, 'Lambda@Edge function'),
    plural(model.keyValueStores.size, 'key value store'),
    plural(model.buckets.size, 'local bucket'),
  ];
  return parts.filter((p, i) => i === 0 || !p.startsWith('0 ')).join(', ');
}

export async function runValidate(files: string[], opts: ValidateOptions = {}): Promise<number> {
  const out = opts.out ?? process.stdout;
  const err = opts.err ?? process.stderr;
  let issues: ConfigIssue[] = [];
  let notes: string[] = [];
  let model: EdgeModel | undefined;
  try {
    ({ model, notes } = await loadConfigFiles(files, { parameters: opts.parameters }));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    issues = e.issues;
  }
  if (opts.json) {
    out.write(`${JSON.stringify({ ok: issues.length === 0, issues, notes }, null, 2)}\n`);
    return issues.length === 0 ? 0 : 1;
  }
  for (const note of notes) err.write(`note: ${note}\n`);
  if (model) {
    out.write(`✔ ${files.join(', ')}: ${summarize(model)}\n`);
    return 0;
  }
  for (const issue of issues) out.write(`✘ ${formatIssue(issue)}\n`);
  out.write(`${plural(issues.length, 'error')} in ${files.join(', ')}\n`);
  return 1;
}
