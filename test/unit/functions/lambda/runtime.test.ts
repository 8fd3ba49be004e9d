/**
 * The Lambda@Edge runtime running real handlers in worker threads: module formats, async and
 * callback handlers, the context object, logs, warm instances and reloads.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createLambdaRuntime, type LambdaInvokeResult } from '../../../../src/functions/lambda/index.js';
import { assertRequest, edgeEvent, FIXTURES, lambda } from './helpers.js';

process.env.EDGEFRONT_TEST_SECRET = 'must not reach function code';
const runtime = createLambdaRuntime({ maxWorkersPerFunction: 2 });
after(() => runtime.close());

const viewerRequest = (test?: unknown) => edgeEvent('viewer-request', { test });
const count = (r: LambdaInvokeResult) => assertRequest(r).headers['x-count']?.[0].value;

test('a CommonJS async handler returns the request, which continues', async () => {
  const result = await runtime.invoke(lambda('index.handler'), 'viewer-request', viewerRequest());
  assert.equal(assertRequest(result).uri, '/index.html');
  assert.ok(result.durationMs >= 0);
});

test('a callback handler answers with callback(null, request)', async () => {
  assertRequest(await runtime.invoke(lambda('index.callback'), 'viewer-request', viewerRequest()));
});

test('an ES module handler (.mjs) runs, its module state kept between warm invocations', async () => {
  const fn = lambda('index.handler', { codePath: join(FIXTURES, 'esm') });
  const first = assertRequest(await runtime.invoke(fn, 'viewer-request', viewerRequest()));
  assert.equal(first.headers['x-module'][0].value, 'string 1');
  const second = assertRequest(await runtime.invoke(fn, 'viewer-request', viewerRequest()));
  assert.equal(second.headers['x-module'][0].value, 'string 2');
});

test('a .js handler under a "type": "module" package.json is an ES module, and still gets a callback', async () => {
  const fn = lambda('app.handler', { codePath: join(FIXTURES, 'esm-pkg') });
  const request = assertRequest(await runtime.invoke(fn, 'viewer-request', viewerRequest()));
  assert.equal(request.headers['x-module'][0].value, 'string');
});

test('Code given as one file is that module; Handler names the export', async () => {
  const fn = lambda('whatever.handler', { codePath: join(FIXTURES, 'esm', 'index.mjs') });
  assertRequest(await runtime.invoke(fn, 'viewer-request', viewerRequest()));
});

test('a nested export path (index.nested.deep.handler) resolves as in Lambda', async () => {
  assertRequest(await runtime.invoke(lambda('index.nested.deep.handler'), 'viewer-request', viewerRequest()));
});

test('inline code (ZipFile) runs as CommonJS index.js', async () => {
  const fn = lambda('index.handler', {
    codePath: undefined,
    inlineCode: `exports.handler = async () => ({ status: 302, headers: { location: [{ value: '/moved' }] } });`,
  });
  const result = await runtime.invoke(fn, 'viewer-request', viewerRequest());
  assert.equal(result.kind, 'response');
  assert.ok(result.kind === 'response' && result.generated && result.response.status === '302');
});

test('by default a callback answer is sent once the event loop is empty (callbackWaitsForEmptyEventLoop)', async () => {
  const fn = lambda('index.callbackThenTimer');
  const waited = assertRequest(await runtime.invoke(fn, 'viewer-request', viewerRequest({ waits: true })));
  assert.equal(waited.headers['x-late']?.[0].value, 'yes', 'the timer ran before the answer was sent');
  const immediate = assertRequest(
    await runtime.invoke(fn, 'viewer-request', viewerRequest({ waits: false })),
  );
  assert.equal(immediate.headers['x-late'], undefined);
});

test('the first of callback, succeed and fail wins; context.succeed still answers', async () => {
  assertRequest(await runtime.invoke(lambda('index.firstCallWins'), 'viewer-request', viewerRequest()));
  assertRequest(await runtime.invoke(lambda('index.legacySucceed'), 'viewer-request', viewerRequest()));
});

test('the context carries Lambda’s fields; the environment only Lambda’s reserved variables', async () => {
  const fn = lambda('index.context', { MemorySize: 256, Timeout: 3 });
  const name = fn.Arn.split(':')[6];
  const result = await runtime.invoke(fn, 'origin-request', edgeEvent('origin-request'));
  assert.equal(result.kind, 'response');
  const context = JSON.parse((result.kind === 'response' && result.response.body) || '{}');
  assert.equal(context.functionName, `us-east-1.${name}`);
  assert.equal(context.functionVersion, '1');
  assert.equal(context.invokedFunctionArn, fn.Arn);
  assert.equal(context.memoryLimitInMB, '256');
  assert.match(context.awsRequestId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(context.logGroupName, `/aws/lambda/us-east-1.${name}`);
  assert.match(context.logStreamName, /^\d{4}\/\d{2}\/\d{2}\/\[1\][0-9a-f]{32}$/);
  assert.ok(
    context.remaining > 0 && context.remaining <= 3000,
    `remaining ${context.remaining} of a 3 s timeout`,
  );
  assert.equal(context.waits, true);
  assert.equal(context.env.AWS_LAMBDA_FUNCTION_NAME, `us-east-1.${name}`);
  assert.equal(context.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, '256');
  assert.equal(context.env.AWS_REGION, 'us-east-1');
  assert.equal(context.env.AWS_EXECUTION_ENV, 'AWS_Lambda_nodejs20.x');
  assert.equal(context.env.EDGEFRONT_TEST_SECRET, undefined, 'the server environment stays out');
});

test('console output of an invocation comes back in Lambda’s log format', async () => {
  const result = await runtime.invoke(lambda('index.logs'), 'viewer-request', viewerRequest());
  assertRequest(result);
  const [info, warn, error] = result.logs;
  assert.equal(result.logs.length, 3);
  const prefix = (level: string) =>
    new RegExp(`^\\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z\\t[0-9a-f-]{36}\\t${level}\\t`);
  assert.match(info, prefix('INFO'));
  assert.ok(info.endsWith('\thello { a: 1 }'));
  assert.match(warn, prefix('WARN'));
  assert.ok(warn.endsWith('\tcareful\nsecond line'));
  assert.match(error, prefix('ERROR'));
  assert.match(error, /Error: shown/);
  const again = await runtime.invoke(lambda('index.handler'), 'viewer-request', viewerRequest());
  assert.deepEqual(again.logs, []);
});

test('a code that fails to load is LambdaExecutionError with Lambda’s Runtime.* reason and its init logs', async () => {
  const broken = join(FIXTURES, 'broken');
  const cases: [string, string | undefined, RegExp][] = [
    ['index.nope', undefined, /^Runtime\.HandlerNotFound: index\.nope is undefined or not exported$/],
    ['index.notAFunction', undefined, /^Runtime\.HandlerNotFound: index\.notAFunction is not a function$/],
    ['missing.handler', undefined, /^Runtime\.ImportModuleError: /],
    ['syntax.handler', broken, /^Runtime\.UserCodeSyntaxError: SyntaxError/],
    ['init-throws.handler', broken, /^Error: init failed$/],
    ['nodot', undefined, /^Runtime\.MalformedHandlerName/],
  ];
  for (const [handler, codePath, message] of cases) {
    const fn = lambda(handler, codePath ? { codePath } : {});
    const result = await runtime.invoke(fn, 'viewer-request', viewerRequest());
    assert.equal(result.kind, 'error', handler);
    assert.ok(result.kind === 'error' && result.error === 'LambdaExecutionError');
    assert.match(result.kind === 'error' ? result.message : '', message);
  }
  const initLogs = await runtime.invoke(
    lambda('init-throws.handler', { codePath: broken }),
    'viewer-request',
    viewerRequest(),
  );
  assert.ok(
    initLogs.logs.some((l) => l.endsWith('\tundefined\tINFO\tloading')),
    initLogs.logs.join('\n'),
  );
});

test('warm() starts an instance now and reports code that does not load', async () => {
  assert.deepEqual(await runtime.warm(lambda('index.handler')), { logs: [] });
  const broken = await runtime.warm(lambda('init-throws.handler', { codePath: join(FIXTURES, 'broken') }));
  assert.equal(broken.error, 'Error: init failed');
});

test('module state persists across warm invocations of a version; reload() starts fresh instances', async () => {
  const fn = lambda('index.scripted');
  const first = await runtime.invoke(fn, 'viewer-request', viewerRequest());
  assert.equal(count(first), '1');
  assert.ok(first.initDurationMs !== undefined, 'a cold start reports its init duration');
  const second = await runtime.invoke(fn, 'viewer-request', viewerRequest());
  assert.equal(count(second), '2');
  assert.equal(second.initDurationMs, undefined);
  runtime.reload(fn);
  assert.equal(count(await runtime.invoke(fn, 'viewer-request', viewerRequest())), '1');
  const gen = runtime.stats().filter((s) => s.Arn === fn.Arn);
  assert.ok(gen.some((s) => s.generation === 2));
});

test('invoking with a changed model (same ARN, new MemorySize) starts fresh instances', async () => {
  const fn = lambda('index.scripted');
  assert.equal(count(await runtime.invoke(fn, 'viewer-request', viewerRequest())), '1');
  assert.equal(
    count(await runtime.invoke({ ...fn }, 'viewer-request', viewerRequest())),
    '2',
    'an equal model is the same version',
  );
  assert.equal(
    count(await runtime.invoke({ ...fn, MemorySize: 512 }, 'viewer-request', viewerRequest())),
    '1',
  );
});

test('reload() picks up changed code on disk; an invocation in flight finishes on the old code', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'edgefront-lambda-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const version = (v: string) =>
    writeFileSync(
      join(dir, 'index.cjs'),
      `exports.handler = async (event) => {
        await new Promise((r) => setTimeout(r, event.test.ms));
        const r = event.Records[0].cf.request;
        r.headers['x-version'] = [{ value: '${v}' }];
        return r;
      };`,
    );
  version('v1');
  const fn = lambda('index.handler', { codePath: dir });
  await runtime.warm(fn);
  const inFlight = runtime.invoke(fn, 'viewer-request', viewerRequest({ ms: 100 }));
  version('v2');
  runtime.reload(fn);
  const fresh = assertRequest(await runtime.invoke(fn, 'viewer-request', viewerRequest({ ms: 0 })));
  assert.equal(fresh.headers['x-version'][0].value, 'v2');
  assert.equal(assertRequest(await inFlight).headers['x-version'][0].value, 'v1');
});

test('invocations beyond the instances wait; beyond the queue bound they are throttled (LambdaLimitExceeded)', async (t) => {
  const small = createLambdaRuntime({ maxWorkersPerFunction: 1, maxQueuedPerFunction: 2 });
  t.after(() => small.close());
  const fn = lambda('index.scripted');
  const results = await Promise.all(
    [1, 2, 3].map(() => small.invoke(fn, 'viewer-request', viewerRequest({ ms: 5 }))),
  );
  assert.deepEqual(
    results.map((r) => r.kind),
    ['request', 'request', 'error'],
  );
  assert.deepEqual(results.slice(0, 2).map(count).sort(), ['1', '2'], 'both ran on the one instance');
  const throttled = results[2];
  assert.ok(throttled.kind === 'error' && throttled.error === 'LambdaLimitExceeded');
  assert.match(throttled.kind === 'error' ? throttled.message : '', /Rate exceeded/);
  assert.equal(small.stats().find((s) => s.Arn === fn.Arn)?.workers, 1);
});

test('close() ends instances: a running invocation and later ones answer LambdaExecutionError', async () => {
  const closing = createLambdaRuntime();
  const fn = lambda('index.scripted');
  await closing.warm(fn);
  const running = closing.invoke(fn, 'viewer-request', viewerRequest({ ms: 10_000 }));
  await closing.close();
  const result = await running;
  assert.ok(result.kind === 'error' && result.error === 'LambdaExecutionError');
  const later = await closing.invoke(fn, 'viewer-request', viewerRequest());
  assert.ok(later.kind === 'error' && later.error === 'LambdaExecutionError');
  assert.deepEqual(closing.stats(), []);
});

test('an event without Records[0].cf.request (or a response for response events) is a TypeError', async () => {
  const fn = lambda('index.handler');
  await assert.rejects(async () => runtime.invoke(fn, 'viewer-request', {} as never), TypeError);
  await assert.rejects(
    async () => runtime.invoke(fn, 'origin-response', edgeEvent('origin-request')),
    TypeError,
  );
});

test('results are validated: a disallowed header from a real handler is LambdaValidationError', async () => {
  const event = edgeEvent('viewer-request', {
    test: { return: { status: '200', headers: { connection: [{ value: 'close' }] } } },
  });
  const result = await runtime.invoke(lambda('index.returns'), 'viewer-request', event);
  assert.ok(result.kind === 'error' && result.error === 'LambdaValidationError');
  assert.match(result.kind === 'error' ? result.message : '', /^response\.headers\["connection"\]/);
});
