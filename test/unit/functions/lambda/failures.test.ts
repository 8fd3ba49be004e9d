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
import type { LambdaFunctionModel } from '../../../../src/model/types.js';
import { assertRequest, edgeEvent, lambda } from './helpers.js';

const runtime = createLambdaRuntime({ maxWorkersPerFunction: 1, viewerTimeoutMs: 300, originTimeoutMs: 600 });
after(() => runtime.close());

const viewerRequest = (test?: unknown) => edgeEvent('viewer-request', { test });

function assertError(result: LambdaInvokeResult, error: string, message: RegExp): void {
  if (result.kind !== 'error') assert.fail(`expected ${error}, got ${JSON.stringify(result)}`);
  assert.equal(result.error, error);
  assert.match(result.message, message);
}

/**
 * A warm instance of `fn` fails the way `test` asks, then the same version answers again: from a
 * new instance when the failure ended the old one (`fresh`), else from the same warm one.
 */
async function failThenRecover(
  fn: LambdaFunctionModel,
  test: unknown,
  expected: { error: string; message: RegExp; fresh: boolean; timeoutMs?: number },
): Promise<LambdaInvokeResult> {
  await runtime.warm(fn);
  const options = expected.timeoutMs ? { timeoutMs: expected.timeoutMs } : {};
  const failed = await runtime.invoke(fn, 'viewer-request', viewerRequest(test), options);
  assertError(failed, expected.error, expected.message);
  const next = await runtime.invoke(fn, 'viewer-request', viewerRequest());
  assertRequest(next);
  const fresh = next.initDurationMs !== undefined;
  assert.equal(fresh, expected.fresh, expected.fresh ? 'a new instance' : 'the same warm instance');
  return failed;
}

test('a handler past the viewer ceiling is LambdaLimitExceeded; the pool keeps working', async () => {
  const message = /Task timed out after 0\.30 seconds/;
  await failThenRecover(
    lambda('index.scripted'),
    { ms: 60_000 },
    { error: 'LambdaLimitExceeded', message, fresh: true },
  );
});

test('a synchronous infinite loop is stopped by its timeout; what it logged before is kept', async () => {
  const expected = { error: 'LambdaLimitExceeded', message: /0\.10 seconds/, fresh: true, timeoutMs: 100 };
  const result = await failThenRecover(
    lambda('index.scripted'),
    { log: 'about to spin', spin: true },
    expected,
  );
  assert.ok(
    result.logs.some((l) => l.endsWith('\tINFO\tabout to spin')),
    result.logs.join('\n'),
  );
});

test('the timeout is the function’s Timeout when smaller than the event’s ceiling', async () => {
  for (const [Timeout, message] of [
    [0.2, /after 0\.20 seconds/],
    [30, /after 0\.60 seconds/],
  ] as const) {
    const event = edgeEvent('origin-request', { test: { ms: 60_000 } });
    const result = await runtime.invoke(lambda('index.scripted', { Timeout }), 'origin-request', event);
    assertError(result, 'LambdaLimitExceeded', message);
  }
});

test('an exception is LambdaExecutionError, logged as Invoke Error; the instance stays warm', async () => {
  const expected = { error: 'LambdaExecutionError', message: /^Error: boom$/, fresh: false };
  const result = await failThenRecover(lambda('index.scripted'), { throw: 'boom' }, expected);
  assert.match(
    result.logs.at(-1) ?? '',
    /\tERROR\tInvoke Error \t\{"errorType":"Error","errorMessage":"boom"/,
  );
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
  const expected = {
    error: 'LambdaExecutionError',
    message: /^Runtime\.ExitError: .*exit status 3$/,
    fresh: true,
  };
  await failThenRecover(lambda('index.scripted'), { exit: 3 }, expected);
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
  const message = /out of memory \(MemorySize 16 MB\)/;
  const expected = { error: 'LambdaExecutionError', message, fresh: true, timeoutMs: 10_000 };
  await failThenRecover(lambda('index.scripted', { MemorySize: 16 }), { oom: true }, expected);
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
