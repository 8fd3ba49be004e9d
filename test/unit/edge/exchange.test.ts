/**
 * The Exchange (src/edge/exchange.ts): the fields only a miss, an error or an edge function
 * sets live in a record made on their first write, yet read and write as ordinary properties,
 * and a copy for a background refresh carries them and is independent of the original.
 */
import assert from 'node:assert/strict';
import { text } from 'node:stream/consumers';
import test from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../../../src/clock.js';
import {
  copyExchange,
  type EdgeResponse,
  type EdgeRuntime,
  Exchange,
  type ViewerRequest,
} from '../../../src/edge/exchange.js';
import { runExchange } from '../../../src/edge/lifecycle.js';
import { simpleConfig } from '../../helpers/config.js';
import { startOrigin } from '../../helpers/origin.js';
import { testRuntime } from './test-runtime.js';

const runtime = { clock: new ManualClock() } as unknown as EdgeRuntime;

function request(): ViewerRequest {
  return {
    method: 'GET',
    path: '/a',
    query: '',
    headers: { host: 'example.com' },
    rawHeaders: ['Host', 'example.com'],
    body: null,
    protocol: 'http',
    httpVersion: '1.1',
    clientIp: '192.0.2.1',
    clientPort: 50000,
  };
}

/** Each miss field, the value a new Exchange reads, and values a miss may write. */
const MISS_FIELDS = {
  originCandidates: [[], [{ Id: 'a' }], [{ Id: 'a' }, { Id: 'b' }]],
  detailedResult: [undefined, 'OriginConnectError', 'ClientHungUpRequest'],
  stale: [undefined, { key: 'k1' }, { key: 'k2' }],
  collapseDone: [undefined, () => {}, () => {}],
  widenedRange: [false, true],
  originOverride: [undefined, { domainName: 'o.example.com' }],
  originRequestOverride: [undefined, { request: {}, body: undefined }],
  sentOriginRequest: [undefined, { method: 'GET' }],
  fillingCache: [false, true],
  lambdaGeneratedAtOrigin: [false, true],
  failoverCodes: [undefined, [500, 503]],
  originSequence: [0, 7, 1234],
} as const;

type MissField = keyof typeof MISS_FIELDS;
const NAMES = Object.keys(MISS_FIELDS) as MissField[];

function field(ex: Exchange, name: MissField): unknown {
  return (ex as unknown as Record<string, unknown>)[name];
}

function setField(ex: Exchange, name: MissField, value: unknown): void {
  (ex as unknown as Record<string, unknown>)[name] = value;
}

test('a new exchange reads every miss field at its start value and has no miss record', () => {
  const ex = new Exchange(runtime, request());
  for (const name of NAMES) {
    const start = MISS_FIELDS[name][0];
    if (Array.isArray(start)) assert.deepEqual(field(ex, name), start, name);
    else assert.equal(field(ex, name), start, name);
  }
  assert.equal(ex.misses, null);
});

test('writing start values (what a hit writes) makes no miss record; any other value does', () => {
  const ex = new Exchange(runtime, request());
  for (const name of NAMES) {
    const start = MISS_FIELDS[name][0];
    if (!Array.isArray(start)) setField(ex, name, start);
  }
  ex.widenedRange = false;
  ex.collapseDone = undefined;
  assert.equal(ex.misses, null, 'a hit allocates no miss record');
  ex.originSequence = 3;
  assert.notEqual(ex.misses, null);
  assert.equal(ex.originSequence, 3);
  assert.deepEqual(
    Object.keys(ex.misses ?? {}).sort(),
    [...NAMES].sort(),
    'this test knows every miss field',
  );
});

test('miss fields read back what was written, in any order, like ordinary properties', () => {
  const write = fc
    .constantFrom(...NAMES)
    .chain((name) =>
      fc.record({ name: fc.constant(name), value: fc.constantFrom<unknown>(...MISS_FIELDS[name]) }),
    );
  fc.assert(
    fc.property(fc.array(write, { maxLength: 30 }), (writes) => {
      const ex = new Exchange(runtime, request());
      const model = new Map<MissField, unknown>();
      for (const { name, value } of writes) {
        setField(ex, name, value);
        model.set(name, value);
        for (const other of NAMES)
          if (model.has(other)) assert.equal(field(ex, other), model.get(other), other);
      }
      // Own fields are untouched by the miss record.
      assert.equal(ex.request.path, '/a');
      assert.equal(ex.result, 'Miss');
    }),
  );
});

test('copyExchange carries every field, miss fields included, and the two stay independent', () => {
  const ex = new Exchange(runtime, request());
  ex.cacheKey = 'E1\n2:/a';
  ex.fillingCache = true;
  ex.failoverCodes = [502];
  const copy = copyExchange(ex);
  assert.ok(copy instanceof Exchange);
  assert.equal(copy.requestId, ex.requestId);
  assert.equal(copy.cacheKey, 'E1\n2:/a');
  assert.equal(copy.fillingCache, true);
  assert.deepEqual(copy.failoverCodes, [502]);
  copy.stale = { key: 'k' } as unknown as Exchange['stale'];
  copy.originSequence = 9;
  copy.fillingCache = false;
  assert.equal(ex.stale, undefined, 'the copy does not write through to the original');
  assert.equal(ex.originSequence, 0);
  assert.equal(ex.fillingCache, true);
  ex.detailedResult = 'OriginReadTimeout';
  assert.equal(copy.detailedResult, undefined, 'nor the original to the copy');
  // A copy of an exchange without a miss record gets its own when it is written.
  const plain = new Exchange(runtime, request());
  const plainCopy = copyExchange(plain);
  plainCopy.originSequence = 5;
  assert.equal(plain.originSequence, 0);
  assert.equal(plain.misses, null);
});

test('a memory hit runs the whole lifecycle without making a miss record; its miss did', async (t) => {
  const origin = await startOrigin((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60' });
    res.end('cached body');
  });
  const { runtime, close } = testRuntime(
    origin.port,
    undefined,
    simpleConfig(origin.port, {
      DefaultCacheBehavior: {
        TargetOriginId: 'app',
        ViewerProtocolPolicy: 'allow-all',
        CachePolicyId: 'CachingOptimized',
      },
    }),
  );
  t.after(() => Promise.all([close(), origin.close()]));
  const answered: { ex: Exchange; response: EdgeResponse }[] = [];
  const sink = {
    send(response: EdgeResponse, ex: Exchange) {
      answered.push({ ex, response });
      return undefined;
    },
  };
  const read = async (response: EdgeResponse) =>
    response.body === null || Buffer.isBuffer(response.body)
      ? String(response.body ?? '')
      : text(response.body);

  const miss = new Exchange(runtime, { ...request(), headers: { host: 'example.com' } });
  await runExchange(miss, sink);
  assert.equal(miss.result, 'Miss');
  assert.equal(await read(answered[0].response), 'cached body');
  assert.notEqual(miss.misses, null, 'a miss records its origin request');
  await new Promise((resolve) => setImmediate(resolve)); // the fill is stored once its body ended

  const hit = new Exchange(runtime, { ...request(), headers: { host: 'example.com' } });
  assert.equal(runExchange(hit, sink), undefined, 'a memory hit is answered synchronously');
  assert.equal(hit.result, 'Hit');
  assert.equal(await read(answered[1].response), 'cached body');
  assert.equal(hit.misses, null, 'the hit path wrote only start values to miss fields');
});
