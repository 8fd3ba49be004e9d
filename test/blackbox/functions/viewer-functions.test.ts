import assert from 'node:assert/strict';
import test from 'node:test';
import { createEdge, ManualClock } from '../../../src/index.js';
import { distributionOver } from '../../helpers/config.js';
import { startOrigin } from '../../helpers/origin.js';

const SPA_REWRITE = `function handler(event) {
  var request = event.request;
  if (request.uri.endsWith('/')) request.uri += 'index.html';
  else if (!request.uri.includes('.')) request.uri += '/index.html';
  return request;
}`;

const SECURITY_HEADERS = `function handler(event) {
  var headers = event.response.headers;
  headers['strict-transport-security'] = { value: 'max-age=63072000; includeSubdomains; preload' };
  headers['x-content-type-options'] = { value: 'nosniff' };
  headers['x-frame-options'] = { value: 'DENY' };
  return event.response;
}`;

const REDIRECT_DE = `function handler(event) {
  if (event.request.querystring.country && event.request.querystring.country.value === 'DE') {
    return { statusCode: 302, statusDescription: 'Found',
      headers: { location: { value: 'https://' + event.request.headers.host.value + '/de/index.html' } } };
  }
  return event.request;
}`;

/** One distribution, a behavior per function under test, over an origin that echoes the path. */
async function functionEdge(t: test.TestContext, functions: Record<string, { code: string; event: string }>) {
  const origin = await startOrigin((req, res) => {
    res.writeHead(200, {
      'content-type': 'text/plain',
      'cache-control': 'max-age=60',
      'x-seen-uri': String(req.url),
      'x-seen-added': String(req.headers['x-added'] ?? ''),
    });
    res.end(`path ${req.url}`);
  });
  const names = Object.keys(functions);
  const lines: string[] = [];
  const edge = await createEdge({
    clock: new ManualClock(),
    functionLog: (line) => lines.push(line),
    config: {
      Functions: names.map((name) => ({
        Name: name,
        FunctionConfig: { Runtime: 'cloudfront-js-2.0', Comment: '' },
        FunctionCode: functions[name].code,
      })),
      Distributions: [
        distributionOver(
          'E1FUNC',
          origin.port,
          names.map((name) => ({
            PathPattern: `/${name}/*`,
            CachePolicyId: 'CachingOptimized',
            FunctionAssociations: [{ EventType: functions[name].event, FunctionARN: name }],
          })),
        ),
      ],
    },
  });
  t.after(() => Promise.all([edge.close(), origin.close()]));
  return { edge, origin, lines, get: (path: string) => edge.fetch(`http://site.example${path}`) };
}

test('a viewer-request function rewrites the URI before the cache: hits and misses both run it', async (t) => {
  const c = await functionEdge(t, { spa: { code: SPA_REWRITE, event: 'viewer-request' } });
  const first = await c.get('/spa/docs/');
  assert.equal(first.headers.get('x-seen-uri'), '/spa/docs/index.html');
  assert.equal(first.headers.get('x-cache'), 'Miss from cloudfront');
  await first.text();
  const second = await c.get('/spa/docs');
  assert.equal(second.headers.get('x-cache'), 'Hit from cloudfront', 'rewritten to the same object');
  assert.equal(await second.text(), 'path /spa/docs/index.html');
  assert.equal(c.origin.hits, 1);
});

test('a viewer-request function can answer itself: FunctionGeneratedResponse, never cached', async (t) => {
  const c = await functionEdge(t, { geo: { code: REDIRECT_DE, event: 'viewer-request' } });
  const redirected = await c.edge.fetch('http://site.example/geo/x?country=DE', { redirect: 'manual' });
  assert.equal(redirected.status, 302);
  assert.equal(redirected.headers.get('location'), 'https://site.example/de/index.html');
  assert.equal(redirected.headers.get('x-cache'), 'FunctionGeneratedResponse from cloudfront');
  const passed = await c.get('/geo/x?country=FR');
  assert.equal(passed.status, 200);
  assert.equal(c.origin.hits, 1);
});

test('a viewer-response function adds headers to hits and misses, not to origin errors', async (t) => {
  const c = await functionEdge(t, { sec: { code: SECURITY_HEADERS, event: 'viewer-response' } });
  for (const expected of ['Miss from cloudfront', 'Hit from cloudfront']) {
    const r = await c.get('/sec/page');
    assert.equal(r.headers.get('x-cache'), expected);
    assert.equal(r.headers.get('strict-transport-security'), 'max-age=63072000; includeSubdomains; preload');
    assert.equal(r.headers.get('x-frame-options'), 'DENY');
    assert.ok(r.headers.get('via')?.includes('(CloudFront)'), 'the edge headers stay');
    assert.equal(await r.text(), 'path /sec/page');
  }
});

test('a throwing function is 503 FunctionExecutionError; an invalid return is 502 FunctionValidationError; logs are captured', async (t) => {
  const c = await functionEdge(t, {
    boom: {
      code: `function handler(event) { console.log('about to fail'); throw new Error('nope'); }`,
      event: 'viewer-request',
    },
    bad: {
      code: `function handler(event) { event.request.headers.host = { value: 'evil.example' }; return event.request; }`,
      event: 'viewer-request',
    },
    spin: { code: `function handler(event) { while (true) {} }`, event: 'viewer-request' },
  });
  const boom = await c.get('/boom/x');
  assert.equal(boom.status, 503);
  assert.equal(boom.headers.get('x-cache'), 'FunctionExecutionError from cloudfront');
  assert.ok(
    c.lines.some((l) => l.endsWith('boom: about to fail')),
    c.lines.join('\n'),
  );
  const bad = await c.get('/bad/x');
  assert.equal(bad.status, 502);
  assert.equal(bad.headers.get('x-cache'), 'FunctionValidationError from cloudfront');
  const spin = await c.get('/spin/x');
  assert.equal(spin.status, 503, 'the compute budget stops an endless loop');
  assert.equal(c.origin.hits, 0);
});

test('2.0 origin helpers: select another origin by Id, or update the origin for this request', async (t) => {
  const named = (name: string) =>
    startOrigin((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
      res.end(`${name} ${req.url} host=${req.headers.host} secret=${req.headers['x-secret'] ?? ''}`);
    });
  const [first, second, api] = await Promise.all([named('first'), named('second'), named('api')]);
  const code = (body: string) =>
    `import cf from 'cloudfront';\nasync function handler(event) {\n${body}\nreturn event.request;\n}`;
  const behavior = (name: string) => ({
    PathPattern: `/${name}/*`,
    TargetOriginId: 'first',
    ViewerProtocolPolicy: 'allow-all',
    CachePolicyId: 'CachingDisabled',
    FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: name }],
  });
  const edge = await createEdge({
    functionLog: () => {},
    originOverrides: { 'api.example': `http://127.0.0.1:${api.port}` },
    config: {
      Functions: [
        ['select', `cf.selectRequestOriginById('second');`],
        [
          'update',
          `cf.updateRequestOrigin({ domainName: 'api.example', originPath: '/v2', customHeaders: { 'x-secret': 's3cr3t' },
             customOriginConfig: { port: 80, protocol: 'http', sslProtocols: ['TLSv1.2'] } });`,
        ],
        ['missing', `cf.selectRequestOriginById('nope');`],
      ].map(([Name, body]) => ({
        Name,
        FunctionConfig: { Runtime: 'cloudfront-js-2.0', Comment: '' },
        FunctionCode: code(body),
      })),
      Distributions: [
        {
          Id: 'E1ORIG',
          DistributionConfig: {
            Enabled: true,
            Origins: [first, second].map((o, i) => ({
              Id: i === 0 ? 'first' : 'second',
              DomainName: '127.0.0.1',
              CustomOriginConfig: { HTTPPort: o.port, OriginProtocolPolicy: 'http-only' },
            })),
            CacheBehaviors: ['select', 'update', 'missing'].map(behavior),
            DefaultCacheBehavior: {
              TargetOriginId: 'first',
              ViewerProtocolPolicy: 'allow-all',
              CachePolicyId: 'CachingDisabled',
            },
          },
        },
      ],
    },
  });
  t.after(() => Promise.all([edge.close(), first.close(), second.close(), api.close()]));
  const text = async (path: string) => (await edge.fetch(`http://site.example${path}`)).text();
  assert.match(await text('/plain/x'), /^first \/plain\/x/);
  assert.match(await text('/select/x'), /^second \/select\/x/);
  assert.equal(await text('/update/x'), 'api /v2/update/x host=api.example secret=s3cr3t');
  const missing = await edge.fetch('http://site.example/missing/x');
  assert.equal(missing.status, 502);
  assert.equal(missing.headers.get('x-cache'), 'FunctionValidationError from cloudfront');
});
