/** CloudFront's canonical example functions behave as documented (reference §8). */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import test from 'node:test';
import { KeyValueStore } from '../../../../src/functions/cloudfront/index.js';
import * as ex from './examples.js';
import { load, NOW, requestOf, responseOf, runSync, viewerRequest, viewerResponse } from './helpers.js';

const bothRuntimes = ['cloudfront-js-1.0', 'cloudfront-js-2.0'] as const;

test('security headers: every response gets the six headers', () => {
  for (const runtime of bothRuntimes) {
    const result = runSync(load(ex.SECURITY_HEADERS, runtime), viewerResponse());
    const response = responseOf(result);
    assert.deepEqual(response.headers['strict-transport-security'], [
      'max-age=63072000; includeSubdomains; preload',
    ]);
    assert.deepEqual(response.headers['content-security-policy'], [
      "default-src 'none'; img-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; frame-ancestors 'none'",
    ]);
    assert.deepEqual(response.headers['x-content-type-options'], ['nosniff']);
    assert.deepEqual(response.headers['x-frame-options'], ['DENY']);
    assert.deepEqual(response.headers['x-xss-protection'], ['1; mode=block']);
    assert.deepEqual(response.headers['referrer-policy'], ['same-origin']);
    assert.deepEqual(response.headers['content-type'], ['text/html'], 'origin headers stay');
    assert.equal(response.statusCode, 200);
    assert.equal(response.body, undefined, 'the origin body is kept');
    assert.deepEqual(response.changed, { statusCode: false, headers: true, cookies: false, body: false });
    assert.ok(result.computeUtilization >= 1 && result.computeUtilization <= 50);
  }
});

test('SPA rewrite: a trailing slash gets index.html, an extensionless path /index.html, files stay', () => {
  const fn = load(ex.SPA_INDEX_REWRITE, 'cloudfront-js-1.0');
  const uriAfter = (uri: string) => requestOf(runSync(fn, viewerRequest({ uri }))).uri;
  assert.equal(uriAfter('/'), '/index.html');
  assert.equal(uriAfter('/docs/'), '/docs/index.html');
  assert.equal(uriAfter('/docs/intro'), '/docs/intro/index.html');
  assert.equal(uriAfter('/assets/app.js'), '/assets/app.js');
  const unchanged = requestOf(runSync(fn, viewerRequest({ uri: '/a.css' }), { rawQueryString: 'v=1' }));
  assert.deepEqual(unchanged.changed, { uri: false, querystring: false, headers: false, cookies: false });
  assert.equal(unchanged.querystring, 'v=1', 'an untouched query string is forwarded as received');
});

test('redirect by country: DE viewers get a generated 302 to /de/index.html, others pass', () => {
  const fn = load(ex.REDIRECT_BY_COUNTRY, 'cloudfront-js-1.0');
  const de = runSync(fn, viewerRequest({ headers: { 'cloudfront-viewer-country': 'DE' } }));
  const response = responseOf(de);
  assert.equal(response.statusCode, 302);
  assert.equal(response.statusDescription, 'Found');
  assert.deepEqual({ ...response.headers }, { location: ['https://www.example.com/de/index.html'] });
  assert.equal(
    de.functionOutput,
    '{"response":{"headers":{"location":{"value":"https://www.example.com/de/index.html"}},"statusDescription":"Found","cookies":{},"statusCode":302}}',
  );
  const gb = runSync(fn, viewerRequest({ headers: { 'cloudfront-viewer-country': 'GB' } }));
  assert.equal(requestOf(gb).uri, '/index.html');
  assert.equal(requestOf(runSync(fn, viewerRequest())).uri, '/index.html', 'no country header: pass through');
});

test('true-client-ip: the viewer address is added as a request header', () => {
  const result = runSync(load(ex.TRUE_CLIENT_IP, 'cloudfront-js-1.0'), viewerRequest({ ip: '203.0.113.9' }));
  const request = requestOf(result);
  assert.deepEqual(request.headers['true-client-ip'], ['203.0.113.9']);
  assert.deepEqual(request.headers.host, ['www.example.com']);
});

test('cookie A/B with KVS: a sticky cookie wins, otherwise Math.random picks by weight, misses pass', async () => {
  const kvs = new KeyValueStore([['latest', '{"a_weightage":0.8,"a_url":"v1","b_url":"v2"}']]);
  const fn = load(ex.AB_TEST_KVS, 'cloudfront-js-2.0', kvs);
  const uriAfter = async (spec: Parameters<typeof viewerRequest>[0], random: number) =>
    requestOf(await fn.run(viewerRequest(spec), { now: NOW, random: () => random })).uri;
  assert.equal(await uriAfter({ uri: '/latest/app.js' }, 0.5), '/v1/app.js');
  assert.equal(await uriAfter({ uri: '/latest/app.js' }, 0.9), '/v2/app.js');
  assert.equal(await uriAfter({ uri: '/latest/app.js', cookies: { appversion: 'v2' } }, 0.1), '/v2/app.js');
  const miss = await fn.run(viewerRequest({ uri: '/other/app.js' }), { now: NOW });
  assert.equal(requestOf(miss).uri, '/other/app.js');
  assert.deepEqual(miss.logs, ['no experiment for other']);
});

test('KVS path rewrite: the first segment is replaced by its value; a missing key leaves the request', async () => {
  const kvs = new KeyValueStore([['old', 'new']]);
  const fn = load(ex.KVS_PATH_REWRITE, 'cloudfront-js-2.0', kvs);
  assert.equal(requestOf(await fn.run(viewerRequest({ uri: '/old/page.html' }))).uri, '/new/page.html');
  const miss = await fn.run(viewerRequest({ uri: '/none/page.html' }));
  assert.equal(requestOf(miss).uri, '/none/page.html');
  assert.deepEqual(miss.logs, ['/none/page.html | Error: KeyNotFound']);
});

test('KVS redirect: a known first segment answers 301 to its value', async () => {
  const kvs = new KeyValueStore([['docs', 'https://docs.example.com/']]);
  const fn = load(ex.KVS_REDIRECT, 'cloudfront-js-2.0', kvs);
  const response = responseOf(await fn.run(viewerRequest({ uri: '/docs/a' })));
  assert.equal(response.statusCode, 301);
  assert.deepEqual(response.headers.location, ['https://docs.example.com/']);
  assert.equal(requestOf(await fn.run(viewerRequest({ uri: '/blog/a' }))).uri, '/blog/a');
});

function jwt(payload: object, secret: string): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64url');
  const input = `${b64('{"alg":"HS256","typ":"JWT"}')}.${b64(JSON.stringify(payload))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

test('JWT HS256 (1.0): a valid token is removed and forwarded; bad, expired or missing ones get 401', () => {
  const fn = load(ex.JWT_HS256_V1, 'cloudfront-js-1.0');
  const secret = 'LzdWGpAToQ1DqYuzHxE6YOqi7G3X2yvNBot9mCXfx5k';
  const seconds = NOW / 1000;
  const withToken = (token: string) => viewerRequest({ querystring: { jwt: token, page: '2' } });

  const ok = runSync(fn, withToken(jwt({ sub: 'a', exp: seconds + 60 }, secret)));
  const request = requestOf(ok);
  assert.equal(request.querystring, 'page=2');
  assert.deepEqual(ok.logs, ['Valid JWT token']);

  const status = (event: ReturnType<typeof viewerRequest>) => responseOf(runSync(fn, event)).statusCode;
  assert.equal(status(withToken(jwt({ exp: seconds + 60 }, 'wrong secret'))), 401);
  assert.equal(status(withToken(jwt({ exp: seconds - 1 }, secret))), 401);
  assert.equal(status(withToken(jwt({ nbf: seconds + 60 }, secret))), 401);
  assert.equal(status(withToken('a.b')), 401);
  assert.equal(status(viewerRequest()), 401);
  const expired = runSync(fn, withToken(jwt({ exp: seconds - 1 }, secret)));
  assert.deepEqual(expired.logs, ['Error: Token expired']);
});

test('JWT HS256 (2.0): the secret comes from the KVS key jwt.secret', async () => {
  const secret = 'kvs-held-secret';
  const fn = load(ex.JWT_HS256_V2, 'cloudfront-js-2.0', new KeyValueStore([['jwt.secret', secret]]));
  const seconds = NOW / 1000;
  const ok = await fn.run(viewerRequest({ querystring: { jwt: jwt({ exp: seconds + 5 }, secret) } }), {
    now: NOW,
  });
  assert.equal(requestOf(ok).querystring, '');
  const bad = await fn.run(viewerRequest({ querystring: { jwt: jwt({ exp: seconds + 5 }, 'x') } }), {
    now: NOW,
  });
  assert.equal(responseOf(bad).statusCode, 401);
});

test('add Cache-Control: 2xx and 3xx responses only', () => {
  const fn = load(ex.ADD_CACHE_CONTROL, 'cloudfront-js-1.0');
  const cacheControl = (statusCode: number) =>
    responseOf(runSync(fn, viewerResponse({ statusCode }))).headers['cache-control'];
  assert.deepEqual(cacheControl(200), ['public, max-age=63072000']);
  assert.deepEqual(cacheControl(304), ['public, max-age=63072000']);
  assert.equal(cacheControl(404), undefined);
  assert.equal(cacheControl(503), undefined);
});

test('CORS: access-control-allow-origin echoes the request origin only when missing', () => {
  const fn = load(ex.ADD_CORS_IF_MISSING, 'cloudfront-js-1.0');
  const added = runSync(fn, viewerResponse({ headers: { origin: 'https://app.example.com' } }));
  assert.deepEqual(responseOf(added).headers['access-control-allow-origin'], ['https://app.example.com']);
  assert.deepEqual(added.logs, ['Access-Control-Allow-Origin was missing, adding it now.']);
  const kept = runSync(
    fn,
    viewerResponse({
      headers: { origin: 'https://app.example.com' },
      responseHeaders: { 'access-control-allow-origin': '*' },
    }),
  );
  assert.deepEqual(responseOf(kept).headers['access-control-allow-origin'], ['*']);
  const noOrigin = runSync(fn, viewerResponse());
  assert.equal(responseOf(noOrigin).headers['access-control-allow-origin'], undefined);
});

test('add Origin if missing: https://<host> unless the request has one', () => {
  const fn = load(ex.ADD_ORIGIN_IF_MISSING, 'cloudfront-js-1.0');
  assert.deepEqual(requestOf(runSync(fn, viewerRequest())).headers.origin, ['https://www.example.com']);
  const kept = runSync(fn, viewerRequest({ headers: { origin: 'https://a.example' } }));
  assert.deepEqual(requestOf(kept).headers.origin, ['https://a.example']);
});

test('normalize query string: parameters flattened, multiValue expanded, sorted into a string', () => {
  const fn = load(ex.NORMALIZE_QUERY_STRING, 'cloudfront-js-1.0');
  const event = viewerRequest({ querystring: { b: '2', a: '1', c: ['z', 'y'] } });
  const request = requestOf(runSync(fn, event));
  assert.equal(request.querystring, 'a=1&b=2&c=y&c=z');
  assert.equal(request.changed.querystring, true);
  assert.equal(
    runSync(fn, event).functionOutput,
    '{"request":{"headers":{"host":{"value":"www.example.com"}},"method":"GET","querystring":"a=1&b=2&c=y&c=z","uri":"/index.html","cookies":{}}}',
  );
});

test('select origin by country (2.0): updateRequestOrigin to the Region bucket, signed with OAC', () => {
  const fn = load(ex.SELECT_ORIGIN_BY_COUNTRY, 'cloudfront-js-2.0');
  const de = runSync(fn, viewerRequest({ headers: { 'cloudfront-viewer-country': 'DE' } }));
  requestOf(de);
  assert.deepEqual(de.origin, {
    kind: 'update',
    params: {
      domainName: 'cloudfront-functions-demo-bucket-in-eu-central-1.s3.eu-central-1.amazonaws.com',
      originAccessControlConfig: {
        enabled: true,
        signingBehavior: 'always',
        signingProtocol: 'sigv4',
        originType: 's3',
        region: 'eu-central-1',
      },
    },
  });
  const other = runSync(fn, viewerRequest());
  assert.equal(
    (other.origin as { params: { domainName: string } }).params.domainName,
    'cloudfront-functions-demo-bucket-in-us-east-1.s3.us-east-1.amazonaws.com',
  );
});
