/**
 * Cost of one CloudFront Functions invocation through the engine (src/functions/cloudfront):
 * event in, validated output back, for CloudFront's canonical SPA-rewrite (viewer-request) and
 * security-headers (viewer-response) functions, on an event with browser-like headers.
 * A bare node:vm call that builds a similar event and runs the same rewrite is the floor.
 *
 *   npx tsc -p . && node dist/bench/functions-call.js [calls]
 */
import vm from 'node:vm';
import {
  type CompiledFunction,
  compileFunction,
  type FunctionEvent,
} from '../src/functions/cloudfront/index.js';
import { SECURITY_HEADERS, SPA_INDEX_REWRITE } from '../test/unit/functions/cloudfront/examples.js';

const CALLS = Number(process.argv[2] ?? 200_000);
const WARMUP = 20_000;

const headers = {
  host: { value: 'www.example.com' },
  'user-agent': { value: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0' },
  accept: { value: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
  'accept-encoding': { value: 'gzip, deflate, br, zstd' },
  'accept-language': { value: 'en-US,en;q=0.5' },
  'cloudfront-viewer-country': { value: 'DE' },
};
const request = { method: 'GET', uri: '/docs/getting-started', querystring: {}, headers, cookies: {} };
const context = {
  distributionDomainName: 'd111111abcdef8.cloudfront.net',
  distributionId: 'EDFDVBD6EXAMPLE',
};
const viewerRequest: FunctionEvent = {
  version: '1.0',
  context: { ...context, eventType: 'viewer-request', requestId: 'EXAMPLE1' },
  viewer: { ip: '198.51.100.11' },
  request,
};
const viewerResponse: FunctionEvent = {
  version: '1.0',
  context: { ...context, eventType: 'viewer-response', requestId: 'EXAMPLE2' },
  viewer: { ip: '198.51.100.11' },
  request,
  response: {
    statusCode: 200,
    statusDescription: 'OK',
    headers: {
      'content-type': { value: 'text/html; charset=utf-8' },
      'content-length': { value: '5120' },
      date: { value: 'Thu, 01 Jan 2026 00:00:00 GMT' },
      etag: { value: '"5f3c-1a2b"' },
    },
    cookies: {},
  },
};

function measure(call: () => unknown): { p50: number; p99: number; mean: number } {
  for (let i = 0; i < WARMUP; i++) call();
  const ns = new Float64Array(CALLS);
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) {
    const t = process.hrtime.bigint();
    call();
    ns[i] = Number(process.hrtime.bigint() - t);
  }
  const mean = Number(process.hrtime.bigint() - start) / CALLS;
  ns.sort();
  return { p50: ns[Math.floor(CALLS / 2)], p99: ns[Math.floor(CALLS * 0.99)], mean };
}

function engine(fn: CompiledFunction, event: FunctionEvent, check: (r: unknown) => boolean) {
  const result = fn.run(event, { now: Date.UTC(2026, 0, 1) });
  if (result instanceof Promise || !check(result))
    throw new Error(`unexpected result: ${JSON.stringify(result)}`);
  return () => fn.run(event, { now: Date.UTC(2026, 0, 1) });
}

const spa = compileFunction({ name: 'spa', runtime: 'cloudfront-js-2.0', code: SPA_INDEX_REWRITE });
const security = compileFunction({
  name: 'security-headers',
  runtime: 'cloudfront-js-2.0',
  code: SECURITY_HEADERS,
});
const floor = vm.runInContext(
  `(function (uri, host) {
    var request = { method: 'GET', uri: uri, querystring: {}, headers: { host: { value: host } }, cookies: {} };
    if (request.uri.endsWith('/')) request.uri += 'index.html';
    else if (!request.uri.includes('.')) request.uri += '/index.html';
    return request.uri;
  })`,
  vm.createContext(Object.create(null), { codeGeneration: { strings: false, wasm: false } }),
) as (uri: string, host: string) => string;

const rows: [string, () => unknown][] = [
  [
    'node:vm floor (primitives in, SPA rewrite, string out)',
    () => floor('/docs/getting-started', 'www.example.com'),
  ],
  [
    'SPA rewrite, viewer-request',
    engine(
      spa,
      viewerRequest,
      (r) =>
        (r as { output?: { request?: { uri: string } } }).output?.request?.uri ===
        '/docs/getting-started/index.html',
    ),
  ],
  [
    'security headers, viewer-response',
    engine(security, viewerResponse, (r) => {
      const headers = (r as { output?: { response?: { headers: Record<string, string[]> } } }).output
        ?.response?.headers;
      return headers?.['x-frame-options']?.[0] === 'DENY';
    }),
  ],
];

console.log(`node ${process.version}, ${CALLS} calls each after ${WARMUP} warm-up calls`);
console.log('µs per call              p50      p99     mean');
for (const [name, call] of rows) {
  const { p50, p99, mean } = measure(call);
  const us = (ns: number) => (ns / 1000).toFixed(2).padStart(8);
  console.log(`${us(p50)} ${us(p99)} ${us(mean)}  ${name}`);
}
