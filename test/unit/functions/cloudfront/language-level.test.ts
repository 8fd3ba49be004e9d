/** What CloudFront's publish refuses, per runtime (reference §2.1, §5), with feature and line. */
import assert from 'node:assert/strict';
import test from 'node:test';
import {
  checkFunctionCode,
  compileFunction,
  FunctionCodeError,
  type FunctionCodeProblem,
  type FunctionRuntime,
} from '../../../../src/functions/cloudfront/index.js';

const V1: FunctionRuntime = 'cloudfront-js-1.0';
const V2: FunctionRuntime = 'cloudfront-js-2.0';

/** The problems of `snippet` placed on line 2, after a valid handler on line 1. */
function problems(snippet: string, runtime: FunctionRuntime) {
  return checkFunctionCode({ runtime, code: `function handler(event) { return event.request; }\n${snippet}` })
    .problems;
}

function rejects(snippet: string, runtime: FunctionRuntime, feature: string) {
  const found = problems(snippet, runtime);
  assert.ok(
    found.some((p) => p.feature === feature && p.line === 2),
    `${runtime}: expected ${feature} on line 2 for ${JSON.stringify(snippet)}, got ${JSON.stringify(found)}`,
  );
}

function accepts(snippet: string, runtime: FunctionRuntime) {
  assert.deepEqual(problems(snippet, runtime), [], `${runtime} should accept ${JSON.stringify(snippet)}`);
}

test('cloudfront-js-1.0 refuses what only 2.0 has: let/const, async/await, numeric separators, import, computed keys', () => {
  const onlyIn2: [string, string][] = [
    ['let a = 1;', 'let/const'],
    ['const a = 1;', 'let/const'],
    ['async function f() {}', 'async/await'],
    ['var n = 1_000;', 'numeric separators'],
    ["import crypto from 'crypto';", 'import'],
    ["var k = 'a'; var o = { [k]: 1 };", 'computed property names'],
  ];
  for (const [snippet, feature] of onlyIn2) {
    rejects(snippet, V1, feature);
    accepts(snippet, V2);
  }
});

test('both runtimes refuse features neither lists', () => {
  const neither: [string, string][] = [
    ['var { a } = {};', 'destructuring'],
    ['var [a] = [];', 'destructuring'],
    ['function f({ a }) {}', 'destructuring'],
    ['var a = [...[1]];', 'spread'],
    ['Math.max(...[1]);', 'spread'],
    ['var o = { ...{} };', 'spread'],
    ['class A {}', 'classes'],
    ['var A = class {};', 'classes'],
    ['function* g() {}', 'generators'],
    ['for (var x of []) {}', 'for...of'],
    ['function f(a = 1) {}', 'default parameters'],
    ['var a = {}; a?.b;', 'optional chaining'],
    ['var a = null ?? 1;', 'nullish coalescing'],
    ['var a; a ||= 1;', 'logical assignment'],
    ['var o = { get x() { return 1; } };', 'getter/setter syntax'],
    ['var o = { set x(v) {} };', 'getter/setter syntax'],
    ['var b = 10n;', 'BigInt'],
    ["import('crypto');", 'dynamic import()'],
    ['export var a = 1;', 'export'],
    ['var m = import.meta;', 'import.meta'],
    ['var __ef$c = 1;', 'reserved identifier'],
  ];
  for (const [snippet, feature] of neither) {
    rejects(snippet, V1, feature);
    rejects(snippet, V2, feature);
  }
});

test('2.0 async: only top-level async function declarations, no await in call arguments or at top level', () => {
  accepts('async function f() { const v = await g(); return v; } function g() {}', V2);
  rejects('var f = async function () {};', V2, 'async closures');
  rejects('var f = async () => 1;', V2, 'async closures');
  rejects('function outer() { async function inner() {} }', V2, 'async closures');
  rejects('async function f() { g(await h()); } function g() {} function h() {}', V2, 'await in arguments');
  rejects('await 1;', V2, 'top-level await');
});

test('2.0 imports: default imports of the built-in modules only', () => {
  accepts("import cf from 'cloudfront';\nimport qs from 'querystring';\nimport b from 'buffer';", V2);
  rejects("import fs from 'fs';", V2, 'import');
  rejects("import { createHash } from 'crypto';", V2, 'import');
  rejects("import * as c from 'crypto';", V2, 'import');
});

test('ES5 and the listed later features are accepted by both runtimes', () => {
  const code = [
    'var a = 2 ** 3;',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: function source with a template literal
    'var t = `x${a}`;',
    'var f = (x) => x + 1;',
    'function r(first, ...rest) { return rest.length; }',
    'var m = /(?<year>\\d{4})/.exec("2024").groups.year;',
    'lbl: for (var i = 0; i < 2; i++) { for (var k in {}) { continue lbl; } }',
    'do { a--; } while (a > 0);',
    'switch (a) { case 1: break; default: }',
    'try { throw new Error("x"); } catch (e) {} finally {}',
    'var s = "\\u00e9";',
  ].join('\n');
  assert.deepEqual(
    checkFunctionCode({ runtime: V1, code: `function handler(e) { return e.request; }\n${code}` }).problems,
    [],
  );
});

test('a missing top-level handler declaration is a problem', () => {
  const codes = [
    'function other(event) { return event.request; }',
    'var handler = function (event) { return event.request; };',
    'function outer() { function handler(event) {} }',
  ];
  for (const code of codes) {
    const found: FunctionCodeProblem[] = checkFunctionCode({ runtime: V1, code }).problems;
    assert.deepEqual(
      found.map((p) => p.feature),
      ['handler'],
      code,
    );
  }
});

test('syntax errors carry line and column, strict mode applies', () => {
  const [syntax] = checkFunctionCode({
    runtime: V1,
    code: 'function handler(event) {\n  return event.request\n  }}',
  }).problems;
  assert.equal(syntax.feature, 'syntax');
  assert.equal(syntax.line, 3);
  assert.equal(syntax.column, 4);
  assert.match(syntax.message, /^SyntaxError: /);
  const [strict] = checkFunctionCode({
    runtime: V1,
    code: 'function handler(event) { with (event) {} }',
  }).problems;
  assert.equal(strict.feature, 'syntax', 'with is a syntax error in strict mode');
});

test('every problem is listed, in source order, with 1-based line and column', () => {
  const code = 'function handler(event) {\n  let a = 1;\n  const b = a?.c;\n  return event.request;\n}';
  const found = checkFunctionCode({ runtime: V1, code }).problems;
  assert.deepEqual(
    found.map((p) => [p.feature, p.line, p.column]),
    [
      ['let/const', 2, 3],
      ['let/const', 3, 3],
      ['optional chaining', 3, 13],
    ],
  );
});

test('compileFunction throws FunctionCodeError: FunctionSizeLimitExceeded over 10 KB, else InvalidArgument', () => {
  const big = `function handler(event) { return event.request; }\n//${'x'.repeat(10 * 1024)}`;
  assert.throws(
    () => compileFunction({ name: 'big', runtime: V1, code: big }),
    (e: unknown) => e instanceof FunctionCodeError && e.code === 'FunctionSizeLimitExceeded',
  );
  const exactly = `function handler(event) { return event.request; }`.padEnd(10 * 1024, ' ');
  compileFunction({ name: 'limit', runtime: V1, code: exactly });
  assert.throws(
    () => compileFunction({ name: 'bad', runtime: V1, code: 'let handler = 1;' }),
    (e: unknown) =>
      e instanceof FunctionCodeError &&
      e.code === 'InvalidArgument' &&
      e.problems.length === 2 &&
      /line 1, column 1: let\/const/.test(e.message),
  );
  assert.throws(
    () => compileFunction({ name: 'x', runtime: 'cloudfront-js-3.0' as FunctionRuntime, code: '' }),
    (e: unknown) => e instanceof FunctionCodeError && e.problems[0].feature === 'runtime',
  );
});

test('size counts UTF-8 bytes', () => {
  const code = `function handler(event) { return event.request; }\n//${'é'.repeat(5200)}`;
  assert.ok(code.length < 10 * 1024);
  assert.equal(checkFunctionCode({ runtime: V2, code }).sizeExceeded, true);
});
