/**
 * Function code, checked at load the way deploy would find out: a CloudFront Function is
 * compiled-checked as CloudFront's publish does (size, syntax, the runtime's language level, a
 * top-level `handler`; reference/cloudfront-functions.md §2.1), and a Lambda@Edge handler's
 * module must exist in its code. `edgefront validate`, `serve` and `functions test` word the
 * problems alike: `code.js:LINE:COLUMN: message`, with a fix.
 *
 * Lambda@Edge code is checked statically (the module file exists), never loaded: loading runs
 * the module's top-level code, and a module that needs the SDK Lambda provides would fail here
 * but not on Lambda. `edgefront functions test --lambda` loads it for real.
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, relative, resolve } from 'node:path';
import {
  checkFunctionCode,
  FUNCTION_RUNTIMES,
  type FunctionCodeProblem,
} from '../../functions/cloudfront/index.js';
import type { Issues, Path } from '../issues.js';

/** `spa.js:3:5: let/const (let) is not supported…`, naming the feature when the message does not. */
export function describeCodeProblem(where: string, p: FunctionCodeProblem): string {
  const feature = p.message.startsWith(p.feature) || p.feature === 'syntax' ? '' : ` (${p.feature})`;
  return `${where}:${p.line}:${p.column}: ${p.message}${feature}`;
}

/** What to do about a problem: switch runtime when 2.0 has the feature, else rewrite. */
export function codeProblemFix(
  p: FunctionCodeProblem,
  useRuntime2 = 'set Runtime: cloudfront-js-2.0',
): string {
  if (p.feature === 'syntax') return 'correct the code there: it must parse as JavaScript';
  if (p.feature === 'handler') return 'declare `function handler(event) { … }` at the top level';
  if (p.feature === 'size') return 'move data into a key value store';
  if (p.message.includes('cloudfront-js-2.0')) return `${useRuntime2}, or rewrite without it`;
  return 'rewrite without it: CloudFront Functions run only their runtime’s language subset';
}

/** Where a config's code file is shown: relative to the working directory when that is shorter. */
function shownPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.length < file.length ? rel : file;
}

/**
 * Adds an issue at `path` (the config's `Code` or `FunctionCode`) for each reason CloudFront's
 * publish would refuse `code`. The size limit is reported by the caller, once.
 */
export function addFunctionCodeIssues(
  issues: Issues,
  file: string,
  path: Path,
  input: { runtime: unknown; code: string; codeFile?: string },
): void {
  const runtime = FUNCTION_RUNTIMES.find((r) => r === input.runtime);
  if (runtime === undefined) return; // the schema reports a bad Runtime
  const where = input.codeFile === undefined ? 'FunctionCode' : shownPath(input.codeFile);
  for (const p of checkFunctionCode({ runtime, code: input.code }).problems) {
    if (p.feature === 'size') continue;
    issues.add(file, path, describeCodeProblem(where, p), codeProblemFix(p));
  }
}

/**
 * Why Lambda would not find the module `handler` names (`[dir/]module.export`) in the code, or
 * undefined when it exists. Mirrors the runtime's lookup (src/functions/lambda/load-handler.ts).
 */
export function lambdaHandlerProblem(
  handler: string,
  runtime: string,
  code: { codePath?: string; inlineCode?: string },
): string | undefined {
  const moduleAndExport = basename(handler);
  const dot = moduleAndExport.indexOf('.');
  if (dot <= 0) return undefined; // the schema reports a malformed Handler
  const moduleName = moduleAndExport.slice(0, dot);
  const moduleRoot = handler.slice(0, handler.length - moduleAndExport.length);
  if (code.inlineCode !== undefined)
    return moduleName === 'index' ? undefined : `inline code is index.js; Handler names "${moduleName}"`;
  if (code.codePath === undefined || !statSync(code.codePath).isDirectory()) return undefined; // a file is the module
  const base = resolve(code.codePath, moduleRoot, moduleName);
  const candidates = runtime.startsWith('python') ? ['.py'] : ['', '.js', '.mjs', '.cjs'];
  if (candidates.some((ext) => existsSync(`${base}${ext}`) && statSync(`${base}${ext}`).isFile()))
    return undefined;
  if (!runtime.startsWith('python') && isPackage(code.codePath, moduleRoot, moduleName)) return undefined;
  const tried = candidates.filter((ext) => ext !== '').map((ext) => join(moduleRoot, moduleName) + ext);
  const list = tried.length === 1 ? tried[0] : `${tried.slice(0, -1).join(', ')} or ${tried.at(-1)}`;
  return `Handler "${handler}" names module "${moduleName}", but there is no ${list} in ${shownPath(code.codePath)}`;
}

function isPackage(appRoot: string, moduleRoot: string, moduleName: string): boolean {
  try {
    const req = createRequire(join(resolve(appRoot), 'noop.js'));
    req.resolve(moduleName, { paths: [resolve(appRoot), resolve(appRoot, moduleRoot)] });
    return true;
  } catch {
    return false;
  }
}
