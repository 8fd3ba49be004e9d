/**
 * What CloudFront's publish refuses (reference/cloudfront-functions.md §2.1): the language
 * features a runtime lacks, imports of modules it does not have, and a missing handler.
 * Every problem is collected (STYLE.md §5), each with a 1-based line and column.
 */
import type { AnyNode, Program } from 'acorn';
import type { FunctionRuntime } from './types.js';

export interface FunctionCodeProblem {
  line: number;
  column: number;
  /** The language feature or rule, e.g. `'let/const'`, `'destructuring'`, `'handler'`. */
  feature: string;
  message: string;
}

/** Identifiers the engine's instrumentation uses; user code may not name them. */
export const RESERVED_PREFIX = '__ef$';

/** Modules `import x from '…'` may name in 2.0, and those `require()` provides in both. */
export const IMPORTABLE_MODULES = ['cloudfront', 'crypto', 'querystring', 'buffer'] as const;

type Visitor = (node: AnyNode, ancestors: readonly AnyNode[]) => void;

/** Visits every node depth-first, parents before children; `ancestors` excludes `node`. */
export function walk(root: AnyNode, visit: Visitor): void {
  const ancestors: AnyNode[] = [];
  const step = (node: AnyNode) => {
    visit(node, ancestors);
    ancestors.push(node);
    for (const key in node) {
      if (key === 'loc') continue;
      const child = (node as unknown as Record<string, unknown>)[key];
      if (Array.isArray(child)) {
        for (const c of child) if (isNode(c)) step(c);
      } else if (isNode(child)) step(child);
    }
    ancestors.pop();
  };
  step(root);
}

function isNode(value: unknown): value is AnyNode {
  return (
    typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
  );
}

const BOTH_RUNTIMES = 'is not supported by CloudFront Functions';

/** Problems with `program` for `runtime`, in source order. */
export function checkLanguageLevel(program: Program, runtime: FunctionRuntime): FunctionCodeProblem[] {
  const v1 = runtime === 'cloudfront-js-1.0';
  const problems: FunctionCodeProblem[] = [];
  const add = (node: AnyNode, feature: string, detail: string) => {
    const { line, column } = node.loc!.start;
    problems.push({ line, column: column + 1, feature, message: `${feature} ${detail}` });
  };
  const onlyIn2 = `is not supported by cloudfront-js-1.0 (cloudfront-js-2.0 has it)`;

  walk(program, (node, ancestors) => {
    const parent = ancestors[ancestors.length - 1];
    switch (node.type) {
      case 'VariableDeclaration':
        if (v1 && node.kind !== 'var') add(node, 'let/const', `(${node.kind}) ${onlyIn2}`);
        break;
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        if (node.generator) add(node, 'generators', BOTH_RUNTIMES);
        if (node.async) {
          if (v1) add(node, 'async/await', onlyIn2);
          else if (node.type !== 'FunctionDeclaration' || parent?.type !== 'Program')
            add(node, 'async closures', 'are not supported: only top-level async function declarations');
        }
        for (const param of node.params) {
          if (param.type === 'AssignmentPattern') add(param, 'default parameters', BOTH_RUNTIMES);
        }
        break;
      case 'AwaitExpression':
        if (v1) add(node, 'async/await', onlyIn2);
        else if (!enclosingFunction(ancestors)) add(node, 'top-level await', BOTH_RUNTIMES);
        else if (isInCallArguments(node, ancestors))
          add(node, 'await in arguments', 'is not supported: assign `const v = await …;` first');
        break;
      case 'Literal':
        if (node.bigint !== undefined) add(node, 'BigInt', BOTH_RUNTIMES);
        else if (v1 && typeof node.value === 'number' && node.raw?.includes('_'))
          add(node, 'numeric separators', onlyIn2);
        break;
      case 'ImportDeclaration':
        checkImport(node, v1, add);
        break;
      case 'ExportNamedDeclaration':
      case 'ExportDefaultDeclaration':
      case 'ExportAllDeclaration':
        add(node, 'export', BOTH_RUNTIMES);
        break;
      case 'ImportExpression':
        add(node, 'dynamic import()', BOTH_RUNTIMES);
        break;
      case 'MetaProperty':
        add(node, `${node.meta.name}.${node.property.name}`, BOTH_RUNTIMES);
        break;
      case 'ObjectPattern':
      case 'ArrayPattern':
        if (
          parent?.type !== 'ObjectPattern' &&
          parent?.type !== 'ArrayPattern' &&
          parent?.type !== 'Property'
        )
          add(node, 'destructuring', BOTH_RUNTIMES);
        break;
      case 'SpreadElement':
        add(node, 'spread', BOTH_RUNTIMES);
        break;
      case 'ClassDeclaration':
      case 'ClassExpression':
        add(node, 'classes', BOTH_RUNTIMES);
        break;
      case 'ForOfStatement':
        add(node, 'for...of', BOTH_RUNTIMES);
        break;
      case 'ChainExpression':
        add(node, 'optional chaining', BOTH_RUNTIMES);
        break;
      case 'LogicalExpression':
        if (node.operator === '??') add(node, 'nullish coalescing', BOTH_RUNTIMES);
        break;
      case 'AssignmentExpression':
        if (node.operator === '??=' || node.operator === '||=' || node.operator === '&&=')
          add(node, 'logical assignment', BOTH_RUNTIMES);
        break;
      case 'Property':
        if (parent?.type !== 'ObjectExpression') break;
        if (node.kind === 'get' || node.kind === 'set') add(node, 'getter/setter syntax', BOTH_RUNTIMES);
        if (v1 && node.computed) add(node, 'computed property names', onlyIn2);
        break;
      case 'Super':
        add(node, 'super', BOTH_RUNTIMES);
        break;
      case 'Identifier':
        if (node.name.startsWith(RESERVED_PREFIX))
          add(
            node,
            'reserved identifier',
            `${node.name}: names starting with ${RESERVED_PREFIX} are reserved`,
          );
        break;
    }
  });

  if (!hasHandler(program)) {
    problems.push({
      line: 1,
      column: 1,
      feature: 'handler',
      message: 'handler: the code must declare `function handler(event)` at the top level',
    });
  }
  return problems;
}

function checkImport(
  node: Extract<AnyNode, { type: 'ImportDeclaration' }>,
  v1: boolean,
  add: (node: AnyNode, feature: string, detail: string) => void,
) {
  if (v1) {
    add(node, 'import', 'is not supported by cloudfront-js-1.0 (use require(), or cloudfront-js-2.0)');
    return;
  }
  const source = String(node.source.value);
  if (!(IMPORTABLE_MODULES as readonly string[]).includes(source)) {
    add(
      node.source,
      'import',
      `of '${source}': no such built-in module (have: ${IMPORTABLE_MODULES.join(', ')})`,
    );
  }
  const [first, ...rest] = node.specifiers;
  if (first?.type !== 'ImportDefaultSpecifier' || rest.length > 0) {
    add(node, 'import', `form is not supported: write \`import name from '${source}'\``);
  }
}

function enclosingFunction(ancestors: readonly AnyNode[]): AnyNode | undefined {
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const t = ancestors[i].type;
    if (t === 'FunctionDeclaration' || t === 'FunctionExpression' || t === 'ArrowFunctionExpression')
      return ancestors[i];
  }
  return undefined;
}

/** `f(await x)`: CloudFront fails at run time with "await in arguments not supported". */
function isInCallArguments(node: AnyNode, ancestors: readonly AnyNode[]): boolean {
  let child: AnyNode = node;
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const a = ancestors[i];
    if (
      a.type === 'FunctionDeclaration' ||
      a.type === 'FunctionExpression' ||
      a.type === 'ArrowFunctionExpression'
    )
      return false;
    if (
      (a.type === 'CallExpression' || a.type === 'NewExpression') &&
      (a.arguments as AnyNode[]).includes(child)
    )
      return true;
    child = a;
  }
  return false;
}

function hasHandler(program: Program): boolean {
  return program.body.some((s) => s.type === 'FunctionDeclaration' && s.id?.name === 'handler');
}
