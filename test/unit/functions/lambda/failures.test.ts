/**
 * How function failures surface (reference/lambda-edge.md §8) and how the pool recovers: timeouts
 * are LambdaLimitExceeded (503), errors and dead instances LambdaExecutionError (503).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  createLambdaRuntime,
  heapLimits,
  type LambdaInvokeResult,
} from '../../../../src/functions/lambda/index.js';
import { assertRequest, edgeEvent, lambda } from './helpers.js';

const runtime = createLambdaRuntime({ maxWorkersPerFunction: 1, viewerTimeoutMs: 300, originTimeoutMs: 600 });
after(() => runtime.close());

const viewerRequest = (test?: unknown) => edgeEvent('viewer-request', { test });

function assertError(result: LambdaInvokeResult, error: string, message: RegExp): void {
  if (result.kind !== 'error') assert.fail(`expected ${error}, got ${JSON.stringify(result)}`);
  assert.equal(result.error, error);
  assert.match(result.message, message);
}

/** The same function version answers again, from a fresh instance when `fresh`. */
async function assertRecovers(fn: ReturnType<typeof lambda>, fresh: boolean): Promise<void> {
  const next = await runtime.invoke(fn, 'viewer-request', viewerRequest());
  assertRequest(next);
  assert.equal(next.initDurationMs !== undefined, fresh, fresh ? 'a new instance' : 'the same warm instance');
}

test('a handler past the viewer ceiling is LambdaLimitExceeded; the pool keeps working', async () => {
  const fn = lambda('index.scripted');
  await runtime.warm(fn);
  assertError(
    await runtime.invoke(fn, 'viewer-request', viewerRequest({ ms: 60_000 })),
    'LambdaLimitExceeded',
    /Task timed out after 0\.30 seconds/,
  );
  await assertRecovers(fn, true);
});

test('a synchronous infinite loop is stopped by its timeout', async () => {
  const fn = lambda('index.scripted');
  assertError(
    await runtime.invoke(fn, 'viewer-request', viewerRequest({ spin: true }), { timeoutMs: 100 }),
    'LambdaLimitExceeded',
    /0\.10 seconds/,
  );
  await assertRecovers(fn, true);
});

test('the timeout is the function’s Timeout when smaller than the event’s ceiling', async () => {
  const fn = lambda('index.scripted', { Timeout: 0.2 });
  const result = await runtime.invoke(
    fn,
    'origin-request',
    edgeEvent('origin-request', { test: { ms: 60_000 } }),
  );
  assertError(result, 'LambdaLimitExceeded', /after 0\.20 seconds/);
  const capped = lambda('index.scripted', { Timeout: 30 });
  const atCeiling = await runtime.invoke(
    capped,
    'origin-request',
    edgeEvent('origin-request', { test: { ms: 60_000 } }),
  );
  assertError(atCeiling, 'LambdaLimitExceeded', /after 0\.60 seconds/);
});

test('an exception is LambdaExecutionError, logged as Invoke Error; the instance stays warm', async () => {
  const fn = lambda('index.scripted');
  const result = await runtime.invoke(fn, 'viewer-request', viewerRequest({ throw: 'boom' }));
  assertError(result, 'LambdaExecutionError', /^Error: boom$/);
  assert.match(
    result.logs.at(-1) ?? '',
    /\tERROR\tInvoke Error \t\{"errorType":"Error","errorMessage":"boom"/,
  );
  await assertRecovers(fn, false);
});

test('async and synchronous throws, callback(err) and callback("text") are LambdaExecutionError', async () => {
  const cases: [string, RegExp][] = [
    ['index.throws', /^TypeError: boom$/],
    ['index.throwsSync', /^Error: sync boom$/],
    ['index.callbackError', /^Error: nope$/],
    ['index.callbackString', /^string: plain failure$/],
  ];
  for (const [handler, message] of cases)
    assertError(
      await runtime.invoke(lambda(handler), 'viewer-request', viewerRequest()),
      'LambdaExecutionError',
      message,
    );
});

test('process.exit in a handler is LambdaExecutionError (Runtime.ExitError); the next call gets a new instance', async () => {
  const fn = lambda('index.scripted');
  await runtime.warm(fn);
  assertError(
    await runtime.invoke(fn, 'viewer-request', viewerRequest({ exit: 3 })),
    'LambdaExecutionError',
    /^Runtime\.ExitError: .*exit status 3$/,
  );
  await assertRecovers(fn, true);
});

test('an uncaught exception from a timer or an unhandled rejection ends the instance: LambdaExecutionError', async () => {
  for (const [handler, message] of [
    ['index.uncaught', /^RangeError: thrown from a timer$/],
    ['index.unhandledRejection', /^Error: nobody catches this$/],
  ] as const) {
    const fn = lambda(handler);
    const result = await runtime.invoke(fn, 'viewer-request', viewerRequest());
    assertError(result, 'LambdaExecutionError', message);
    assert.ok(result.logs.some((l) => /\tERROR\t(Uncaught Exception|Unhandled Promise Rejection) /.test(l)));
  }
});

test('allocating past MemorySize is LambdaExecutionError (out of memory); the pool recovers', async () => {
  const fn = lambda('index.scripted', { MemorySize: 16 });
  await runtime.warm(fn);
  assertError(
    await runtime.invoke(fn, 'viewer-request', viewerRequest({ oom: true }), { timeoutMs: 10_000 }),
    'LambdaExecutionError',
    /out of memory \(MemorySize 16 MB\)/,
  );
  await assertRecovers(fn, true);
});

test('a promise that never settles is Runtime.NodeJsExit; a non-async handler that never answers returns null', async () => {
  assertError(
    await runtime.invoke(lambda('index.neverSettles'), 'viewer-request', viewerRequest()),
    'LambdaExecutionError',
    /^Runtime\.NodeJsExit/,
  );
  assertError(
    await runtime.invoke(lambda('index.syncNoAnswer'), 'viewer-request', viewerRequest()),
    'LambdaValidationError',
    /^result: null/,
  );
});

test('MemorySize maps to V8 heap limits as Lambda’s Node.js bootstrap sizes them', () => {
  assert.deepEqual(heapLimits(128), { maxOldGenerationSizeMb: 116, maxYoungGenerationSizeMb: 18 });
  assert.deepEqual(heapLimits(1024), { maxOldGenerationSizeMb: 922, maxYoungGenerationSizeMb: 153 });
});
