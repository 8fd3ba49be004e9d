/**
 * Rewrites checked function code into the script the sandbox runs: the code wrapped in a strict
 * arrow function that returns `handler`, `import x from 'm'` turned into a module lookup, and a
 * compute-budget check at every function entry, loop iteration, `catch` and `finally`. The check
 * throws once the budget is spent and keeps throwing (the counter only grows), so user code can't
 * swallow it: a `catch` or `finally` that would is checked on entry too.
 *
 * Line numbers are preserved (nothing inserted contains a newline), so stack traces and error
 * lines match the user's file.
 */
import type { AnyNode, Program } from 'acorn';
import { RESERVED_PREFIX, walk } from './language-level.js';

/** The budget counter object and the module lookup, as the sandbox passes them to the wrapper. */
export const COUNTER = `${RESERVED_PREFIX}c`;
export const MODULES = `${RESERVED_PREFIX}m`;

interface Insertion {
  pos: number;
  text: string;
  /** Closings before openings at one position; then outer openings first, inner closings first. */
  order: number;
}

/** The wrapper's source: a function expression `(counter, modules) => handler`. */
export function instrument(program: Program, code: string, budget: number): string {
  const tick = `++${COUNTER}.n>${budget}&&${COUNTER}.x()`;
  const inserts: Insertion[] = [];
  const open = (pos: number, text: string, node: AnyNode) =>
    inserts.push({ pos, text, order: 1e9 - (node.end - node.start) });
  const close = (pos: number, text: string, node: AnyNode) =>
    inserts.push({ pos, text, order: -1e9 + (node.end - node.start) });
  const replaced: { start: number; end: number; text: string }[] = [];

  walk(program, (node) => {
    switch (node.type) {
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        if (node.body.type === 'BlockStatement') open(node.body.start + 1, `${tick};`, node.body);
        else {
          open(node.body.start, `(${tick},`, node.body);
          close(node.body.end, ')', node.body);
        }
        break;
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement':
      case 'WhileStatement':
      case 'DoWhileStatement':
        open(node.body.start, `{${tick};`, node.body);
        close(node.body.end, '}', node.body);
        break;
      case 'CatchClause':
        open(node.body.start + 1, `${tick};`, node.body);
        break;
      case 'TryStatement':
        if (node.finalizer) open(node.finalizer.start + 1, `${tick};`, node.finalizer);
        break;
      case 'ImportDeclaration': {
        const local = node.specifiers[0]?.local.name ?? `${RESERVED_PREFIX}unused`;
        const lines = code.slice(node.start, node.end).split('\n').length - 1;
        const text = `var ${local}=${MODULES}(${JSON.stringify(String(node.source.value))});`;
        replaced.push({ start: node.start, end: node.end, text: text + '\n'.repeat(lines) });
        break;
      }
    }
  });

  inserts.sort((a, b) => a.pos - b.pos || a.order - b.order);
  replaced.sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  let r = 0;
  for (const ins of inserts) {
    while (r < replaced.length && replaced[r].end <= ins.pos) {
      out += code.slice(at, replaced[r].start) + replaced[r].text;
      at = replaced[r].end;
      r++;
    }
    out += code.slice(at, ins.pos) + ins.text;
    at = ins.pos;
  }
  for (; r < replaced.length; r++) {
    out += code.slice(at, replaced[r].start) + replaced[r].text;
    at = replaced[r].end;
  }
  out += code.slice(at);
  return `((${COUNTER},${MODULES})=>{"use strict";${out}\n;return handler;})`;
}
