/**
 * Which outcomes of an origin group's primary send the request on to the secondary
 * (reference/origins.md §5–6), on CloudFront's documented cases and as properties.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { EDGE_ERRORS, EdgeError, type EdgeErrorCode } from '../../../src/errors.js';
import { createOriginFetcher } from '../../../src/origin/index.js';
import {
  classifyFailure,
  FAILOVER_METHODS,
  failoverStatusOf,
  failsOver,
  isRetryable,
} from '../../../src/origin/origin-errors.js';
import { customConfig, originModel, originRequest, settings, startHttpOrigin } from './helpers.js';

const FAILOVER_CODES = [400, 403, 404, 416, 500, 502, 503, 504];
const METHODS = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'];
const fail = (code: EdgeErrorCode) => new EdgeError(code, code);

test('documented cases: status codes, connection failures (503) and timeouts (504), GET/HEAD/OPTIONS only', () => {
  const cases: [string, readonly number[], number | EdgeError, boolean][] = [
    ['GET', [500, 502, 503, 504], 503, true],
    ['GET', [500], 503, false], // not a configured code: the primary's answer
    ['GET', [404], 200, false],
    ['HEAD', [403], 403, true],
    ['OPTIONS', [416], 416, true],
    ['POST', FAILOVER_CODES, 503, false], // other methods never fail over
    ['PUT', FAILOVER_CODES, fail('OriginConnectError'), false],
    ['GET', [503], fail('OriginConnectError'), true], // refused, reset, connect timeout
    ['GET', [500, 502, 504], fail('OriginConnectError'), false],
    ['GET', [503], fail('OriginDnsError'), true],
    ['GET', [504], fail('OriginCommError'), true], // OriginReadTimeout on every attempt
    ['GET', [503], fail('OriginCommError'), false],
    ['GET', [502], fail('OriginInvalidResponseError'), true],
    ['GET', [502], fail('OriginHeaderTooBigError'), true],
    ['GET', FAILOVER_CODES, fail('LambdaExecutionError'), false], // function errors never fail over
    ['GET', FAILOVER_CODES, fail('Error'), false],
  ];
  for (const [method, codes, outcome, expected] of cases) {
    const what = typeof outcome === 'number' ? outcome : outcome.code;
    assert.equal(failsOver(method, codes, outcome), expected, `${method} ${what} with [${codes}]`);
  }
});

test('every origin failure in the catalogue counts as a failover status; no other failure does', () => {
  for (const code of Object.keys(EDGE_ERRORS) as EdgeErrorCode[]) {
    const status = failoverStatusOf(code);
    if (EDGE_ERRORS[code].source === 'origin') assert.ok(FAILOVER_CODES.includes(status!), code);
    else assert.equal(status, undefined, code);
  }
});

test('property: a status fails over exactly when the method is GET/HEAD/OPTIONS and the status is listed', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...METHODS),
      fc.subarray(FAILOVER_CODES, { minLength: 1 }),
      fc.integer({ min: 100, max: 599 }),
      (method, codes, status) => {
        assert.equal(
          failsOver(method, codes, status),
          FAILOVER_METHODS.has(method) && codes.includes(status),
        );
        if (status < 400) assert.equal(failsOver(method, codes, status), false); // 2xx/3xx are served
      },
    ),
  );
});

test('property: PUT, PATCH, POST and DELETE never fail over, whatever the primary did', () => {
  const outcomes = fc.oneof(
    fc.integer({ min: 100, max: 599 }),
    fc.constantFrom(...(Object.keys(EDGE_ERRORS) as EdgeErrorCode[])).map(fail),
  );
  fc.assert(
    fc.property(fc.constantFrom('PUT', 'PATCH', 'POST', 'DELETE'), outcomes, (method, outcome) => {
      assert.equal(failsOver(method, FAILOVER_CODES, outcome), false);
    }),
  );
});

test('a connect timeout is a connection attempt for every method: retried up to ConnectionAttempts, then 503 for failover', () => {
  const kind = classifyFailure({ code: 'UND_ERR_CONNECT_TIMEOUT' });
  assert.equal(kind, 'refused');
  for (const idempotent of [true, false]) assert.equal(isRetryable(kind, idempotent), true);
  assert.equal(failoverStatusOf('OriginConnectError'), 503);
});

test('no response within OriginReadTimeout: HEAD is tried ConnectionAttempts times, OPTIONS once', async (t) => {
  const seen: string[] = [];
  const silent = await startHttpOrigin((req) => seen.push(req.method!)); // never answers
  const fetcher = createOriginFetcher(settings());
  t.after(() => Promise.all([fetcher.close(), silent.close()]));
  const config = customConfig({ HTTPPort: silent.port, OriginReadTimeout: 1 });
  const model = originModel('custom', '127.0.0.1', { ConnectionAttempts: 2, CustomOriginConfig: config });
  const failures = await Promise.all(
    ['HEAD', 'OPTIONS'].map((method) => fetcher.fetch(originRequest(model, { method })).catch((err) => err)),
  );
  for (const failure of failures)
    assert.ok(failure instanceof EdgeError && failure.code === 'OriginCommError');
  assert.equal(seen.filter((m) => m === 'HEAD').length, 2);
  assert.equal(
    seen.filter((m) => m === 'OPTIONS').length,
    1,
    'DELETE, OPTIONS, PATCH, PUT, POST: no retry (§5)',
  );
});
