/**
 * Finds and loads a handler the way Lambda's Node.js runtime does (aws-lambda-nodejs-runtime-interface-client,
 * UserFunction.js): `Handler` is `[dir/]module.export[.nested]`; the module is tried as an extensionless
 * file, `.js` (CommonJS unless the nearest package.json says `"type": "module"`), `.mjs`, then `.cjs`,
 * then as a package under node_modules. Runs inside the worker.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileFunction } from 'node:vm';

export type Handler = (
  event: unknown,
  context: object,
  callback: (err?: unknown, value?: unknown) => void,
) => unknown;

/** An error Lambda reports with a `Runtime.*` type (HandlerNotFound, ImportModuleError…). */
export class RuntimeError extends Error {
  constructor(type: string, message: string) {
    super(message);
    this.name = `Runtime.${type}`;
  }
}

export interface HandlerSource {
  /** `index.handler`, `src/app.handlers.viewer`… */
  readonly handler: string;
  /** A directory (Lambda's task root) or one file, which is then the module whatever the handler calls it. */
  readonly codePath?: string;
  /** Inline source (CloudFormation ZipFile): CommonJS `index.js`, as Lambda writes it. */
  readonly inlineCode?: string;
}

export async function loadHandler(src: HandlerSource): Promise<Handler> {
  if (src.handler.includes('..'))
    throw new RuntimeError('MalformedHandlerName', `'${src.handler}' is not a valid handler name`);
  const moduleAndExport = basename(src.handler);
  const moduleRoot = src.handler.slice(0, src.handler.length - moduleAndExport.length);
  const dot = moduleAndExport.indexOf('.');
  if (dot <= 0 || dot === moduleAndExport.length - 1)
    throw new RuntimeError('MalformedHandlerName', 'Bad handler');
  const moduleName = moduleAndExport.slice(0, dot);
  const exportPath = moduleAndExport.slice(dot + 1);

  let mod: unknown;
  try {
    if (src.inlineCode !== undefined) mod = compileInline(src.inlineCode, moduleName);
    else if (src.codePath === undefined)
      throw new RuntimeError('ImportModuleError', 'the function has no code');
    else if (statSync(src.codePath).isFile()) mod = await loadFile(resolve(src.codePath));
    else mod = await loadFromRoot(resolve(src.codePath), moduleRoot, moduleName);
  } catch (err) {
    throw asRuntimeError(err);
  }
  let fn: unknown = mod;
  for (const key of exportPath.split('.')) fn = (fn as Record<string, unknown> | undefined)?.[key];
  if (fn === undefined || fn === null)
    throw new RuntimeError('HandlerNotFound', `${src.handler} is undefined or not exported`);
  if (typeof fn !== 'function') throw new RuntimeError('HandlerNotFound', `${src.handler} is not a function`);
  return fn as Handler;
}

function asRuntimeError(err: unknown): unknown {
  if (err instanceof RuntimeError) return err;
  if (err instanceof SyntaxError)
    return new RuntimeError('UserCodeSyntaxError', `${err.name}: ${err.message}`);
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND' || code === 'ENOENT')
    return new RuntimeError('ImportModuleError', (err as Error).message);
  return err;
}

async function loadFromRoot(appRoot: string, moduleRoot: string, moduleName: string): Promise<unknown> {
  const base = resolve(appRoot, moduleRoot, moduleName);
  if (isFile(base)) return requireFile(base);
  const typeModule = hasTypeModule(dirname(base), appRoot);
  if (isFile(`${base}.js`)) return typeModule ? importFile(`${base}.js`) : compileCommonJs(`${base}.js`);
  if (isFile(`${base}.mjs`)) return importFile(`${base}.mjs`);
  if (isFile(`${base}.cjs`)) return requireFile(`${base}.cjs`);
  const req = createRequire(join(appRoot, 'noop.js'));
  return req(req.resolve(moduleName, { paths: [appRoot, resolve(appRoot, moduleRoot)] }));
}

function loadFile(file: string): Promise<unknown> | unknown {
  const ext = extname(file);
  if (ext === '.mjs' || (ext === '.js' && hasTypeModule(dirname(file), dirname(file))))
    return importFile(file);
  return ext === '.js' ? compileCommonJs(file) : requireFile(file);
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

function requireFile(file: string): unknown {
  return createRequire(file)(file);
}

function importFile(file: string): Promise<unknown> {
  return import(pathToFileURL(file).href);
}

/**
 * A CommonJS `.js` file compiled as Lambda loads it. Not `require()`: Node would let a
 * package.json *above* the code directory (e.g. the project's own `"type": "module"`) turn the
 * file into ESM, but Lambda's task root has nothing above it.
 */
function compileCommonJs(file: string): unknown {
  const module = { exports: {} as unknown };
  const wrapper = compileFunction(
    readFileSync(file, 'utf8'),
    ['exports', 'require', 'module', '__filename', '__dirname'],
    {
      filename: file,
    },
  );
  wrapper(module.exports, createRequire(file), module, file, dirname(file));
  return module.exports;
}

/**
 * Node's rule for `.js` (and Lambda's): the nearest package.json decides; node_modules stops the
 * search, and so does the task root `root` (Lambda's /var/task has no parent package.json).
 */
function hasTypeModule(folder: string, root: string): boolean {
  for (let dir = folder; ; dir = dirname(dir)) {
    if (dir.endsWith('/node_modules')) return false;
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        return JSON.parse(readFileSync(pj, 'utf8'))?.type === 'module';
      } catch {
        return false;
      }
    }
    if (dir === root || dirname(dir) === dir) return false;
  }
}

/** CloudFormation writes ZipFile code to index.js (CommonJS) in the task root. */
function compileInline(code: string, moduleName: string): unknown {
  if (moduleName !== 'index')
    throw new RuntimeError(
      'ImportModuleError',
      `Cannot find module '${moduleName}': inline code is index.js`,
    );
  const filename = `/var/task/${moduleName}.js`;
  const module = { exports: {} as unknown };
  const wrapper = compileFunction(code, ['exports', 'require', 'module', '__filename', '__dirname'], {
    filename,
  });
  wrapper(module.exports, createRequire(filename), module, filename, '/var/task');
  return module.exports;
}
