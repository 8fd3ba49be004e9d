/**
 * Lambda@Edge call overhead (no network): a trivial viewer-request handler that returns its
 * request, on a warm worker, one call at a time, each timed from `invoke()` to its validated
 * result; then the same with as many calls in flight as workers (throughput); then validation
 * alone and a bare MessagePort ping-pong to a worker, for the floor under the round trip.
 * Issue #4's target: p50 ≤ 0.3 ms for the round trip.
 *
 *   npx tsc -p . && node dist/bench/lambda-call.js
 *   N=50000 WORKERS=4 node dist/bench/lambda-call.js
 */
import { performance } from 'node:perf_hooks';
import { MessageChannel, Worker } from 'node:worker_threads';
import { createLambdaRuntime } from '../src/functions/lambda/index.js';
import type { LambdaEdgeEvent } from '../src/functions/lambda/types.js';
import { validateResult } from '../src/functions/lambda/validate.js';
import type { LambdaFunctionModel } from '../src/model/types.js';
import { edgeEvent, headers } from '../test/unit/functions/lambda/helpers.js';

const N = Number(process.env.N ?? 20_000);
const WARMUP = Number(process.env.WARMUP ?? 2_000);
const WORKERS = Number(process.env.WORKERS ?? 4);

const fn: LambdaFunctionModel = {
  Arn: 'arn:aws:lambda:us-east-1:123456789012:function:bench:1',
  Handler: 'index.handler',
  Runtime: 'nodejs20.x',
  Timeout: 5,
  MemorySize: 128,
  inlineCode: 'exports.handler = async (event) => event.Records[0].cf.request;',
};

/** A browser-like viewer request: the headers CloudFront shows a viewer-request function. */
function event(): LambdaEdgeEvent {
  const request = {
    uri: '/images/cat.jpg',
    querystring: 'size=large',
    headers: headers({
      Host: 'd111111abcdef8.cloudfront.net',
      'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0',
      Accept: 'image/avif,image/webp,*/*',
      'Accept-Language': 'en-GB,en;q=0.9',
      'Accept-Encoding': 'gzip, deflate, br',
      Cookie: 'session=abc123; theme=dark',
      Referer: 'https://example.com/gallery',
    }),
  };
  return edgeEvent('viewer-request', { request });
}

function percentiles(times: Float64Array): { p50: number; p99: number; max: number } {
  const sorted = Float64Array.from(times).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] };
}

const fmt = (ms: number) => `${(ms * 1000).toFixed(0).padStart(5)} µs`;
const line = (label: string, p: { p50: number; p99: number; max: number }) =>
  console.log(`${label.padEnd(38)} p50 ${fmt(p.p50)}  p99 ${fmt(p.p99)}  max ${fmt(p.max)}`);

async function sequential(): Promise<void> {
  const runtime = createLambdaRuntime({ maxWorkersPerFunction: 1 });
  const ev = event();
  for (let i = 0; i < WARMUP; i++) await runtime.invoke(fn, 'viewer-request', ev);
  const times = new Float64Array(N);
  const inside = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    const r = await runtime.invoke(fn, 'viewer-request', ev);
    times[i] = performance.now() - t;
    inside[i] = r.durationMs;
    if (r.kind !== 'request') throw new Error(`unexpected result ${JSON.stringify(r)}`);
  }
  line('invoke() round trip, 1 warm worker', percentiles(times));
  line('  result.durationMs (post → validated)', percentiles(inside));
  await runtime.close();
}

async function concurrent(): Promise<void> {
  const runtime = createLambdaRuntime({ maxWorkersPerFunction: WORKERS });
  const ev = event();
  await Promise.all(Array.from({ length: WORKERS * 50 }, () => runtime.invoke(fn, 'viewer-request', ev)));
  let done = 0;
  const t = performance.now();
  const lane = async () => {
    while (done < N) {
      done++;
      await runtime.invoke(fn, 'viewer-request', ev);
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, lane));
  const s = (performance.now() - t) / 1000;
  console.log(`${`${WORKERS} workers, ${WORKERS} calls in flight`.padEnd(38)} ${(N / s).toFixed(0)} calls/s`);
  await runtime.close();
}

function validationOnly(): void {
  const ev = event();
  const times = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const copy = structuredClone(ev.Records[0].cf.request);
    const t = performance.now();
    validateResult('viewer-request', ev, copy);
    times[i] = performance.now() - t;
  }
  line('validateResult() alone', percentiles(times));
}

/** The floor: one structured-clone message to a worker and back on a MessageChannel. */
async function pingPong(): Promise<void> {
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(
    `const { workerData } = require('node:worker_threads');
     workerData.port.on('message', (m) => workerData.port.postMessage(m.Records[0].cf.request));`,
    { eval: true, workerData: { port: port2 }, transferList: [port2] },
  );
  const ev = event();
  const once = () =>
    new Promise<void>((resolve) => {
      port1.once('message', () => resolve());
      port1.postMessage(ev);
    });
  for (let i = 0; i < WARMUP; i++) await once();
  const times = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    await once();
    times[i] = performance.now() - t;
  }
  line('MessagePort ping-pong, same event', percentiles(times));
  port1.close();
  await worker.terminate();
}

console.log(`Lambda@Edge call overhead, Node ${process.version}, N=${N}`);
await sequential();
validationOnly();
await pingPong();
await concurrent();
