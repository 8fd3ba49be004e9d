/**
 * The sandbox holds (DESIGN.md: no Node, no eval, limits enforced): escape attempts through every
 * door the runtime opens, prototype tampering against the bridge, compute and memory limits.
 * Every attempt must end as a normal run result; none may reach `process`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  COMPUTE_BUDGET,
  type FunctionRuntime,
  type KeyValueReader,
} from '../../../../src/functions/cloudfront/index.js';
import { errorOf, load, logsOf, requestFunction, requestOf, runSync, viewerRequest } from './helpers.js';

/** Runs `body` in both runtimes; each must end in an execution error matching `message`. */
function failsWith(
  body: string,
  message: RegExp,
  runtimes: readonly FunctionRuntime[] = ['cloudfront-js-1.0', 'cloudfront-js-2.0'],
) {
  for (const runtime of runtimes) {
    const result = runSync(load(requestFunction(body), runtime), viewerRequest());
    assert.match(errorOf(result, 'execution'), message, `${runtime}: ${body}`);
  }
}

const CODEGEN = /EvalError: Code generation from strings disallowed/;

test('the Function constructor is unreachable: every .constructor.constructor refuses to compile', () => {
  const doors = [
    'globalThis.constructor.constructor("return process")()',
    'Object.constructor("return process")()',
    'Function("return process")()',
    'new Function("return process")()',
    '(function () {}).constructor("return process")()',
    '(() => 1).constructor("return process")()',
    'console.log.constructor("return process")()',
    'console.constructor.constructor("return process")()',
    'require.constructor("return process")()',
    'require("crypto").createHash.constructor("return process")()',
    'require("crypto").createHash("md5").update.constructor("return process")()',
    'require("querystring").constructor.constructor("return process")()',
    'event.constructor.constructor("return process")()',
    'event.request.headers.host.constructor.constructor("return process")()',
    'Date.now.constructor("return process")()',
    'Math.random.constructor("return process")()',
  ];
  for (const door of doors) {
    const body = `var r = ${door}; if (typeof r === 'object' && r !== null && r.constructor) r.constructor.constructor('return process')();`;
    failsWith(body, CODEGEN, ['cloudfront-js-2.0']);
  }
  const topLevelThis = load(
    'var self = this;\nfunction handler(event) { self.constructor.constructor("return process")(); }',
  );
  assert.match(errorOf(runSync(topLevelThis, viewerRequest()), 'execution'), CODEGEN);
  const asyncDoor = load(
    'async function f() {}\nfunction handler(event) { Object.getPrototypeOf(f).constructor("return process")(); }',
  );
  assert.match(errorOf(runSync(asyncDoor, viewerRequest()), 'execution'), CODEGEN);
  failsWith('eval("process")', CODEGEN);
  failsWith('(0, eval)("1")', CODEGEN);
  failsWith("setTimeout('1')", /ReferenceError: setTimeout is not defined/);
});

test('errors thrown by the runtime and its modules are the context’s own', () => {
  const body = `var doors = [
      function () { require('crypto').createHash('sha512'); },
      function () { require('fs'); },
      function () { require('crypto').createHmac('md5'); },
      function () { Buffer.from({}); },
      function () { 'x'.repeat(1e9); },
      function () { Error.prepareStackTrace = function () {}; },
    ];
    doors.forEach(function (door) {
      try { door(); } catch (e) {
        try { e.constructor.constructor('return process')(); console.log('ESCAPED'); }
        catch (x) { console.log(x.name); }
      }
    });`;
  assert.deepEqual(logsOf(body), Array(6).fill('EvalError'));
});

test('a failing host service reports an error into the function, never a host object', async () => {
  const reader: KeyValueReader = {
    get() {
      throw new Error('disk on fire');
    },
  };
  const code = `import cf from 'cloudfront';
async function handler(event) {
  try { await cf.kvs().get('k'); } catch (e) {
    console.log(String(e));
    try { e.constructor.constructor('return process')(); } catch (x) { console.log(x.name); }
  }
  return event.request;
}`;
  const result = await load(code, 'cloudfront-js-2.0', reader).run(viewerRequest());
  assert.deepEqual(result.logs, ['Error: disk on fire', 'EvalError']);
});

test('no Node globals: process, require internals, timers, network, Buffer in 1.0, WebAssembly', () => {
  const absent = [
    'process',
    'global',
    'module',
    'exports',
    '__dirname',
    'setTimeout',
    'setInterval',
    'setImmediate',
    'queueMicrotask',
    'fetch',
    'XMLHttpRequest',
    'WebAssembly',
    'SharedArrayBuffer',
    'Atomics',
    'Proxy',
    'Reflect',
    'Intl',
    'BigInt',
    'structuredClone',
    'performance',
  ];
  for (const runtime of ['cloudfront-js-1.0', 'cloudfront-js-2.0'] as const) {
    const logs = logsOf(
      `var names = ${JSON.stringify(absent)}; console.log(names.filter(function (n) { return typeof globalThis[n] !== 'undefined'; }).join());
       console.log(Object.getOwnPropertyNames(globalThis).filter(function (n) { return /^(process|require|Buffer|console)$/.test(n); }).sort().join());`,
      runtime,
    );
    assert.equal(logs[0], '', `${runtime}: ${logs[0]}`);
    assert.equal(logs[1], runtime === 'cloudfront-js-1.0' ? 'console,require' : 'Buffer,console,require');
  }
});

test('import() and require("fs") do not load anything', () => {
  assert.throws(() => load(requestFunction('import("fs");')), /dynamic import\(\)/);
  failsWith('require("fs")', /Cannot find module 'fs'/);
  failsWith('require("child_process")', /Cannot find module/);
});

test('stack traces show the function’s frames only, and Error.prepareStackTrace is fixed', () => {
  const fn = load(
    'function handler(event) {\n  return inner();\n}\nfunction inner() {\n  console.log(new Error("x").stack);\n  return {};\n}',
    'cloudfront-js-2.0',
    undefined,
    'my-fn',
  );
  const [stack] = runSync(fn, viewerRequest()).logs;
  assert.equal(stack, 'Error: x\n    at inner (my-fn.js:5:15)\n    at handler (my-fn.js:2:10)');
  failsWith(
    'Error.prepareStackTrace = function (e, frames) { return frames; };',
    /TypeError: Cannot assign to read only/,
  );
});

test('tampering with built-ins cannot break the bridge: the output is still read faithfully', () => {
  const tamper = `
    JSON.stringify = function () { return '{}'; };
    JSON.parse = function () { return {}; };
    Object.keys = function () { return []; };
    Array.isArray = function () { return false; };
    Array.prototype.push = function () { throw new Error('push'); };
    String.prototype.slice = function () { return 'sliced'; };
    String.prototype.indexOf = function () { return -1; };
    Object.prototype.toJSON = function () { return 'forged'; };
    Function.prototype.call = function () { throw new Error('call'); };
    Function.prototype.apply = function () { throw new Error('apply'); };
    event.request.uri = '/tampered';
    event.request.headers['x-added'] = { value: 'yes' };`;
  const fn = load(requestFunction(tamper));
  for (let i = 0; i < 2; i++) {
    const request = requestOf(runSync(fn, viewerRequest({ headers: { accept: ['a', 'b'] } })));
    assert.equal(request.uri, '/tampered');
    assert.deepEqual(request.headers['x-added'], ['yes']);
    assert.deepEqual(request.headers.host, ['www.example.com']);
  }
});

test('index setters planted on Array.prototype only stop the function’s own changes, never validation', () => {
  const body = `
    Object.defineProperty(Array.prototype, '0', { set: function () {}, get: function () { return 'host'; }, configurable: true });
    Object.defineProperty(Array.prototype, '1', { set: function () {}, configurable: true });
    event.request.headers.host = { value: 'evil.example' };`;
  const result = runSync(load(requestFunction(body)), viewerRequest());
  assert.match(errorOf(result, 'validation'), /host is read-only/);
});

test('getters on the returned object run as function code: they may throw or fail, never escape', () => {
  const code = (getter: string) => `function handler(event) {
    var r = { method: 'GET', headers: { host: { value: 'www.example.com' } } };
    Object.defineProperty(r, 'uri', { enumerable: true, get: function () { ${getter} } });
    return r;
  }`;
  const thrown = runSync(load(code("throw new Error('from getter');")), viewerRequest());
  assert.equal(errorOf(thrown, 'execution'), 'Error: from getter');
  const escaping = runSync(
    load(code("return this.constructor.constructor('return process')();")),
    viewerRequest(),
  );
  assert.match(errorOf(escaping, 'execution'), CODEGEN);
  const looping = runSync(load(code('while (true) {}')), viewerRequest());
  assert.equal(errorOf(looping, 'execution'), 'InternalError: compute budget exceeded');
  assert.equal(requestOf(runSync(load(code("return '/from-getter';")), viewerRequest())).uri, '/from-getter');
});

test('infinite loops stop with an execution error at 100% compute, whatever catches them', () => {
  const loops = [
    'while (true) {}',
    'for (;;) {}',
    'do {} while (true);',
    'for (var k in { a: 1 }) { while (true) {} }',
    'for (;;) { try { while (true) {} } catch (e) {} }',
    'try { while (true) {} } finally { return event.request; }',
    'try { while (true) {} } catch (e) { return event.request; }',
    'function spin() { try { while (true) {} } catch (e) { spin(); } } spin();',
    '[1, 2, 3].sort(function () { while (true) {} });',
    'var f = function () { return f(); }; f();',
  ];
  for (const loop of loops) {
    const result = runSync(load(requestFunction(loop), 'cloudfront-js-1.0'), viewerRequest());
    const message = errorOf(result, 'execution');
    assert.match(message, /compute budget exceeded|Maximum call stack size exceeded/, loop);
    if (/budget/.test(message)) assert.equal(result.computeUtilization, 100, loop);
  }
  failsWith('function f() { f(); } f();', /RangeError: Maximum call stack size exceeded/);
});

test('2.0: async loops and promise chains stop too, and a later run of the same function is unaffected', async () => {
  const fn = load(`async function handler(event) {
    if (event.request.uri === '/spin') {
      var p = Promise.resolve();
      while (true) { await p; }
    }
    if (event.request.uri === '/chain') {
      var n = 0;
      function again() { n++; return Promise.resolve().then(again); }
      await again();
    }
    return event.request;
  }`);
  const spin = await fn.run(viewerRequest({ uri: '/spin' }));
  assert.equal(errorOf(spin, 'execution'), 'InternalError: compute budget exceeded');
  const chain = await fn.run(viewerRequest({ uri: '/chain' }));
  assert.equal(errorOf(chain, 'execution'), 'InternalError: compute budget exceeded');
  assert.equal(requestOf(await fn.run(viewerRequest({ uri: '/ok' }))).uri, '/ok');
});

test('compute utilization is deterministic: function calls and loop iterations against the budget', () => {
  const fn = load(requestFunction('for (var i = 0; i < 1999; i++) {}'), 'cloudfront-js-1.0');
  // 1 (handler) + 1999 iterations = 2000 units = 10% of 20,000.
  assert.equal(COMPUTE_BUDGET, 20_000);
  assert.equal(runSync(fn, viewerRequest()).computeUtilization, 10);
  assert.equal(runSync(fn, viewerRequest()).computeUtilization, 10);
  assert.equal(runSync(load(requestFunction('')), viewerRequest()).computeUtilization, 1);
});

test('memory: allocations above 2 MB fail with MemoryError', () => {
  const allocations = [
    'new Uint8Array(3 * 1024 * 1024)',
    'new ArrayBuffer(3 * 1024 * 1024)',
    'new Float64Array(300000)',
    "'x'.repeat(3 * 1024 * 1024)",
    "''.padStart(3 * 1024 * 1024)",
    'new Array(1024 * 1024).fill(0)',
  ];
  for (const allocation of allocations)
    failsWith(`var a = ${allocation};`, /MemoryError: memory limit exceeded/);
  for (const allocation of ['Buffer.alloc(3 * 1024 * 1024)', 'Uint8Array.from({ length: 3 * 1024 * 1024 })'])
    failsWith(`var b = ${allocation};`, /MemoryError/, ['cloudfront-js-2.0']);
  requestOf(
    runSync(load(requestFunction('var a = new Uint8Array(1024 * 1024); a[0] = 1;')), viewerRequest()),
  );
});

test('a run starts from the code’s initial state: top-level variables do not leak between runs', () => {
  const fn = load(
    'var count = 0;\nfunction handler(event) { count++; console.log(String(count)); return event.request; }',
  );
  assert.deepEqual(runSync(fn, viewerRequest()).logs, ['1']);
  assert.deepEqual(runSync(fn, viewerRequest()).logs, ['1']);
});

const ENGINE = fileURLToPath(new URL('../../../../src/functions/cloudfront/index.js', import.meta.url));

test('unhandled rejections inside a function never take the process down', () => {
  // In a child process: node:test reports unhandled rejections of its own process as failures.
  const script = `
    const { compileFunction } = await import(${JSON.stringify(ENGINE)});
    const event = { context: { eventType: 'viewer-request' }, viewer: { ip: '1.1.1.1' }, request: { method: 'GET', uri: '/', headers: {} } };
    const fn = compileFunction({ name: 'f', runtime: 'cloudfront-js-2.0', code: \`
      async function boom() { throw new Error('async'); }
      function handler(event) {
        Promise.reject(new Error('plain'));
        boom();
        var p = Promise.resolve(1);
        p.constructor = undefined;
        p.then(function () { throw new Error('derived'); });
        return event.request;
      }\` });
    for (let i = 0; i < 3; i++) console.log(fn.run(event).output.request.uri);
    // Node handles unhandled rejections after the microtasks of a turn: two turns later, all are in.
    for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
    console.log('alive');`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(out, '/\n/\n/\nalive\n');
});
