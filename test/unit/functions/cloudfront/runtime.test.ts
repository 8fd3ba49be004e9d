/** Runtime behaviour: time, randomness, console.log, async handlers, TestFunction's result. */
import assert from 'node:assert/strict';
import test from 'node:test';
import {
  type FunctionEvent,
  FunctionEventError,
  MAX_LOG_BYTES,
  toTestResult,
} from '../../../../src/functions/cloudfront/index.js';
import { errorOf, load, logsOf, NOW, requestOf, runSync, viewerRequest } from './helpers.js';

test('Date.now() and new Date() are the invocation start time for the whole run', () => {
  const logs = logsOf(`
    var a = Date.now();
    for (var i = 0; i < 5000; i++) {}
    console.log(String(a) + ' ' + Date.now() + ' ' + new Date().toISOString());
    console.log(new Date(0).toISOString() + ' ' + Date.UTC(2000, 0, 1) + ' ' + (new Date() instanceof Date));
    console.log(String(Date.parse('2000-01-01T00:00:00Z')) + ' ' + (typeof Date()));`);
  assert.deepEqual(logs, [
    `${NOW} ${NOW} 2026-01-01T00:00:00.000Z`,
    `1970-01-01T00:00:00.000Z ${Date.UTC(2000, 0, 1)} true`,
    `${Date.UTC(2000, 0, 1)} string`,
  ]);
});

test('Math.random is seeded: the same seed (default: the start time) gives the same sequence', () => {
  const fn = load(
    'function handler(event) { console.log(Math.random() + " " + Math.random()); return event.request; }',
  );
  const values = (random?: number, now = NOW) => runSync(fn, viewerRequest(), { now, random }).logs[0];
  assert.equal(values(42), values(42));
  assert.notEqual(values(42), values(43));
  assert.equal(values(), values(), 'seeded with the invocation time, as CloudFront does');
  assert.notEqual(values(undefined, NOW), values(undefined, NOW + 1));
  for (const x of values(7).split(' ').map(Number)) assert.ok(x >= 0 && x < 1);
  assert.equal(runSync(fn, viewerRequest(), { random: () => 0.25 }).logs[0], '0.25 0.25');
  const failing = runSync(fn, viewerRequest(), {
    random: () => {
      throw new Error('no entropy');
    },
  });
  assert.equal(errorOf(failing, 'execution'), 'Error: no entropy');
});

test('console.log: 1.0 joins its arguments, 2.0 logs the first; objects as JSON, errors as Name: message', () => {
  const body = `console.log('a', 1, true);
    console.log({ k: [1, 'two'] });
    console.log(new TypeError('bad'));
    console.log(undefined);
    console.log(function f() {});`;
  assert.deepEqual(logsOf(body, 'cloudfront-js-1.0'), [
    'a 1 true',
    '{"k":[1,"two"]}',
    'TypeError: bad',
    'undefined',
    '[Function: f]',
  ]);
  assert.deepEqual(logsOf(body, 'cloudfront-js-2.0').slice(0, 1), ['a']);
});

test('console.log output is truncated at 10 KB per invocation', () => {
  const logs = logsOf("for (var i = 0; i < 100; i++) console.log('x'.repeat(200));");
  const bytes = logs.reduce((n, line) => n + Buffer.byteLength(line), 0);
  assert.equal(bytes, MAX_LOG_BYTES);
  assert.equal(logs.length, Math.ceil(MAX_LOG_BYTES / 200));
  const multibyte = logsOf("console.log('é'.repeat(6000));");
  assert.ok(Buffer.byteLength(multibyte[0]) <= MAX_LOG_BYTES);
});

test('logs survive a failed run and reach the result', () => {
  const result = runSync(
    load("function handler(event) { console.log('before'); throw new Error('boom'); }"),
    viewerRequest(),
  );
  assert.equal(errorOf(result, 'execution'), 'Error: boom');
  assert.deepEqual(result.logs, ['before']);
  const thrown = runSync(load("function handler(event) { throw 'plain string'; }"), viewerRequest());
  assert.equal(errorOf(thrown, 'execution'), 'plain string');
});

test('2.0 async handlers return a promise; sync handlers stay synchronous', async () => {
  const sync = load('function handler(event) { return event.request; }').run(viewerRequest());
  assert.ok(!(sync instanceof Promise));
  const pending = load('async function handler(event) { return event.request; }').run(viewerRequest());
  assert.ok(pending instanceof Promise);
  requestOf(await pending);
  const rejected = await load("async function handler(event) { throw new Error('later'); }").run(
    viewerRequest(),
  );
  assert.equal(errorOf(rejected, 'execution'), 'Error: later');
});

test('2.0: a handler promise nothing will settle is an execution error, not a hang', async () => {
  const fn = load(
    'async function handler(event) { await new Promise(function () {}); return event.request; }',
  );
  const result = await fn.run(viewerRequest());
  assert.equal(errorOf(result, 'execution'), "Error: the handler's promise never settled");
  const next = load('async function handler(event) { return event.request; }');
  requestOf(await next.run(viewerRequest()));
});

test('runs of one async function are serialised, each with its own event and result', async () => {
  const fn = load(`async function handler(event) {
    const uri = event.request.uri;
    await Promise.resolve();
    console.log(uri);
    event.request.uri = uri + '/done';
    return event.request;
  }`);
  const results = await Promise.all(['/a', '/b', '/c'].map((uri) => fn.run(viewerRequest({ uri }))));
  assert.deepEqual(
    results.map((r) => [requestOf(r).uri, r.logs]),
    [
      ['/a/done', ['/a']],
      ['/b/done', ['/b']],
      ['/c/done', ['/c']],
    ],
  );
});

test('toTestResult gives TestFunction’s fields: utilization as a string, logs, error message, output JSON', () => {
  const ok = runSync(
    load("function handler(event) { console.log('hi'); return event.request; }"),
    viewerRequest(),
  );
  assert.deepEqual(toTestResult(ok), {
    ComputeUtilization: '1',
    FunctionExecutionLogs: ['hi'],
    FunctionErrorMessage: '',
    FunctionOutput:
      '{"request":{"headers":{"host":{"value":"www.example.com"}},"method":"GET","querystring":{},"uri":"/index.html","cookies":{}}}',
  });
  const failed = runSync(load("function handler(event) { throw new Error('nope'); }"), viewerRequest());
  assert.deepEqual(toTestResult(failed), {
    ComputeUtilization: '1',
    FunctionExecutionLogs: [],
    FunctionErrorMessage: 'Error: nope',
    FunctionOutput: '',
  });
});

test('the event the handler sees has CloudFront’s shape; TestFunction-style minimal events work', () => {
  const fn = load(
    'function handler(event) { console.log(event); return event.request; }',
    'cloudfront-js-1.0',
  );
  const [logged] = runSync(fn, viewerRequest({ headers: { accept: ['a', 'b'] } })).logs;
  assert.deepEqual(JSON.parse(logged), {
    version: '1.0',
    context: viewerRequest().context,
    viewer: { ip: '198.51.100.11' },
    request: {
      method: 'GET',
      uri: '/index.html',
      querystring: {},
      headers: {
        host: { value: 'www.example.com' },
        accept: { value: 'a', multiValue: [{ value: 'a' }, { value: 'b' }] },
      },
      cookies: {},
    },
  });
  const minimal = {
    version: '1.0',
    context: { eventType: 'viewer-request' },
    viewer: { ip: '198.51.100.11' },
    request: { method: 'GET', uri: '/example.png', headers: { host: { value: 'example.org' } } },
  } as FunctionEvent;
  assert.equal(requestOf(runSync(fn, minimal)).uri, '/example.png');
});

test('disallowed headers in the event are never shown to the function', () => {
  const fn = load(
    'function handler(event) { console.log(Object.keys(event.request.headers).join()); return event.request; }',
  );
  const event = viewerRequest({ headers: { connection: 'keep-alive', 'x-amz-cf-id': 'x', accept: '*/*' } });
  assert.deepEqual(runSync(fn, event).logs, ['host,accept']);
});

test('a malformed event is the caller’s error: FunctionEventError', () => {
  const fn = load('function handler(event) { return event.request; }');
  const bad: unknown[] = [
    null,
    { context: { eventType: 'origin-request' }, request: { method: 'GET', uri: '/' } },
    { context: { eventType: 'viewer-request' } },
    { context: { eventType: 'viewer-response' }, request: { method: 'GET', uri: '/' } },
    { context: { eventType: 'viewer-request' }, request: { method: 'GET', uri: '/', headers: { a: 'b' } } },
  ];
  for (const event of bad) assert.throws(() => fn.run(event as FunctionEvent), FunctionEventError);
});
