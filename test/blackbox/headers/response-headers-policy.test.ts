/**
 * Response headers policies through `edgefront serve` (reference/distribution.md §8): security,
 * custom and removed headers with Override both ways, CORS with preflight, Server-Timing, the
 * managed policies by name and by id, on misses, cache hits, origin errors, CloudFront's own
 * errors and function-generated responses; a behavior without a policy gets none of it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { tempDir, writeYaml } from '../../helpers/config.js';
import { type EdgeProcess, startEdgeProcess } from '../../helpers/edge-process.js';
import { httpRequest, type RawResponse } from '../../helpers/http.js';
import { startOrigin, type TestOrigin } from '../../helpers/origin.js';

let edge: EdgeProcess;
let origin: TestOrigin;
let cleanup: () => Promise<void>;

const ALL_METHODS = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'];

function securityHeaders(Override: boolean) {
  return {
    StrictTransportSecurity: { AccessControlMaxAgeSec: 600, IncludeSubdomains: true, Override },
    ContentSecurityPolicy: { ContentSecurityPolicy: "default-src 'self'", Override },
    ContentTypeOptions: { Override },
    FrameOptions: { FrameOption: 'DENY', Override },
    ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override },
    XSSProtection: { Protection: true, ModeBlock: true, Override },
  };
}

function policy(Name: string, Override: boolean) {
  return {
    ResponseHeadersPolicyConfig: {
      Name,
      SecurityHeadersConfig: securityHeaders(Override),
      CustomHeadersConfig: {
        Items: [
          { Header: 'X-Team', Value: 'edge', Override },
          { Header: 'Cache-Control', Value: 'no-store', Override },
        ],
      },
      RemoveHeadersConfig: { Items: [{ Header: 'X-Powered-By' }, { Header: 'Server' }] },
      ServerTimingHeadersConfig: { Enabled: true, SamplingRate: 100 },
    },
  };
}

const behavior = (PathPattern: string, extra: Record<string, unknown> = {}) => ({
  PathPattern,
  TargetOriginId: 'app',
  ViewerProtocolPolicy: 'allow-all',
  CachePolicyId: 'CachingOptimized',
  ...extra,
});

before(async () => {
  origin = await startOrigin((req, res) => {
    const url = req.url ?? '';
    if (req.method === 'OPTIONS') {
      res.writeHead(204);
      res.end();
      return;
    }
    const headers: Record<string, string> = {
      'content-type': 'text/plain',
      'cache-control': 'max-age=60',
      server: 'origin-server',
      'x-powered-by': 'php',
      'x-team': 'origin',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': 'max-age=1',
      'server-timing': 'db;dur=7',
    };
    if (url.includes('own-cors')) headers['access-control-allow-origin'] = 'https://origin-choice.test';
    res.writeHead(url.includes('missing') ? 404 : 200, headers);
    res.end(`origin ${url}`);
  });
  const tmp = await tempDir();
  const config = await writeYaml(tmp.dir, 'edgefront.yaml', {
    ResponseHeadersPolicies: [
      { Id: 'keep', ...policy('keep-origin', false) },
      { Id: 'override', ...policy('override-origin', true) },
      {
        Id: 'cors',
        ResponseHeadersPolicyConfig: {
          Name: 'app-cors',
          CorsConfig: {
            AccessControlAllowOrigins: { Items: ['https://app.example.com', '*.example.org'] },
            AccessControlAllowHeaders: { Items: ['Content-Type', 'Authorization'] },
            AccessControlAllowMethods: { Items: ['GET', 'POST', 'PUT'] },
            AccessControlAllowCredentials: true,
            AccessControlExposeHeaders: { Items: ['X-Request-Id'] },
            AccessControlMaxAgeSec: 3600,
            OriginOverride: false,
          },
        },
      },
    ],
    Functions: [
      {
        Name: 'generate',
        FunctionConfig: { Runtime: 'cloudfront-js-2.0' },
        FunctionCode:
          'function handler(event) { return { statusCode: 200, statusDescription: "OK", headers: { "x-frame-options": { value: "ALLOWALL" } }, body: "generated" }; }',
      },
    ],
    Distributions: [
      {
        Id: 'E1RHP',
        DistributionConfig: {
          Enabled: true,
          Origins: [
            {
              Id: 'app',
              DomainName: '127.0.0.1',
              CustomOriginConfig: { HTTPPort: origin.port, OriginProtocolPolicy: 'http-only' },
            },
          ],
          CacheBehaviors: [
            behavior('/keep/*', { ResponseHeadersPolicyId: 'keep' }),
            behavior('/override/*', { ResponseHeadersPolicyId: 'override' }),
            behavior('/cors/*', {
              ResponseHeadersPolicyId: 'cors',
              AllowedMethods: ALL_METHODS,
              CachePolicyId: 'CachingDisabled',
            }),
            behavior('/by-name/*', {
              ResponseHeadersPolicyId: 'CORS-with-preflight-and-SecurityHeadersPolicy',
              AllowedMethods: ['GET', 'HEAD', 'OPTIONS'],
            }),
            behavior('/by-api-name/*', { ResponseHeadersPolicyId: 'Managed-SimpleCORS' }),
            behavior('/by-id/*', { ResponseHeadersPolicyId: '67f7725c-6f97-4210-82d7-5512b31e9d03' }),
            behavior('/generated/*', {
              ResponseHeadersPolicyId: 'keep',
              FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: 'generate' }],
            }),
          ],
          DefaultCacheBehavior: {
            TargetOriginId: 'app',
            ViewerProtocolPolicy: 'allow-all',
            CachePolicyId: 'CachingOptimized',
          },
        },
      },
    ],
  });
  edge = await startEdgeProcess(['--config', config, '--pop', 'TST50-C1']);
  cleanup = async () => {
    await edge.close();
    await origin.close();
    await tmp.remove();
  };
});

after(() => cleanup?.());

const get = (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> =>
  httpRequest(edge.url(path), { method, headers });

/** Asserts each named response header (lowercase; undefined: absent). */
function hasHeaders(res: RawResponse, expected: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(expected)) assert.equal(res.headers[name], value, name);
}

const ORIGIN_SECURITY = { 'x-frame-options': 'SAMEORIGIN', 'strict-transport-security': 'max-age=1' };

test('a behavior without a policy passes the origin headers as they are and adds none', async () => {
  const res = await get('/plain', { origin: 'https://app.example.com', pragma: 'server-timing' });
  hasHeaders(res, {
    server: 'origin-server',
    'x-powered-by': 'php',
    'server-timing': 'db;dur=7',
    'x-content-type-options': undefined,
    'access-control-allow-origin': undefined,
  });
  assert.ok(!edge.stdout().includes('not applied yet'));
});

test("Override false: the origin's security and custom headers win, missing ones are added", async () => {
  const res = await get('/keep/a');
  assert.equal(res.status, 200);
  hasHeaders(res, {
    ...ORIGIN_SECURITY,
    'x-team': 'origin',
    'cache-control': 'max-age=60',
    'content-security-policy': "default-src 'self'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-xss-protection': '1; mode=block',
  });
});

const OVERRIDDEN = {
  'x-frame-options': 'DENY',
  'strict-transport-security': 'max-age=600; includeSubdomains',
  'x-team': 'edge',
  'cache-control': 'no-store',
};

test('Override true: the policy replaces the origin headers of the same name', async () => {
  hasHeaders(await get('/override/a'), OVERRIDDEN);
});

test('removed headers are gone; a removed Server is CloudFront\'s "Server: CloudFront"', async () => {
  const res = await get('/keep/removed');
  hasHeaders(res, { 'x-powered-by': undefined, server: 'CloudFront' });
  assert.ok(res.headers.date, 'the listener still sends a Date');
});

test('a cache hit gets the policy headers', async () => {
  const miss = await get('/override/cached');
  assert.equal(miss.headers['x-cache'], 'Miss from cloudfront');
  const hits = origin.hits;
  const hit = await get('/override/cached');
  assert.equal(origin.hits, hits, 'answered from the cache');
  hasHeaders(hit, { 'x-cache': 'Hit from cloudfront', ...OVERRIDDEN, 'x-powered-by': undefined });
});

test('Server-Timing: a miss carries the upstream metrics and the origin value, a hit only CloudFront metrics', async () => {
  const miss = await get('/keep/timing');
  const ids = 'cdn-pop;desc="TST50-C1",cdn-rid;desc="[\\w-]+=="';
  assert.match(
    String(miss.headers['server-timing']),
    new RegExp(
      `^cdn-upstream-layer;desc="EDGE",cdn-upstream-fbl;dur=\\d+,cdn-cache-miss,${ids},cdn-downstream-fbl;dur=\\d+,db;dur=7$`,
    ),
  );
  assert.ok(String(miss.headers['server-timing']).includes(`cdn-rid;desc="${miss.headers['x-amz-cf-id']}"`));
  const hit = await get('/keep/timing');
  assert.match(
    String(hit.headers['server-timing']),
    new RegExp(`^cdn-cache-hit,${ids},cdn-hit-layer;desc="EDGE",cdn-downstream-fbl;dur=\\d+$`),
  );
});

test('an origin error and a CloudFront error both get the policy headers', async () => {
  const missing = await get('/override/missing');
  assert.equal(missing.status, 404);
  hasHeaders(missing, { 'x-cache': 'Error from cloudfront', ...OVERRIDDEN });
  const refused = await get('/override/a', {}, 'DELETE');
  assert.equal(refused.status, 403);
  hasHeaders(refused, { ...OVERRIDDEN, 'x-content-type-options': 'nosniff', server: 'CloudFront' });
});

test('a function-generated response gets the policy, its own headers winning where Override is false', async () => {
  const res = await get('/generated/x');
  assert.equal(res.body, 'generated');
  hasHeaders(res, {
    'x-cache': 'FunctionGeneratedResponse from cloudfront',
    'x-frame-options': 'ALLOWALL',
    'x-content-type-options': 'nosniff',
  });
  assert.match(
    String(res.headers['server-timing']),
    /^cdn-pop;desc="TST50-C1",cdn-rid;desc="[^"]+",cdn-downstream-fbl;dur=\d+$/,
  );
});

const APP = 'https://app.example.com';

test('CORS: an allowed origin is echoed with Vary: Origin; no Origin or another origin gets nothing', async () => {
  hasHeaders(await get('/cors/a', { origin: APP }), {
    'access-control-allow-origin': APP,
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': 'X-Request-Id',
    'access-control-allow-methods': undefined,
    vary: 'Origin',
  });
  const sub = await get('/cors/a', { origin: 'https://shop.example.org' });
  assert.equal(sub.headers['access-control-allow-origin'], 'https://shop.example.org');
  for (const headers of [{}, { origin: 'https://evil.test' }] as Record<string, string>[]) {
    const res = await get('/cors/a', headers);
    hasHeaders(res, {
      'access-control-allow-origin': undefined,
      'access-control-allow-credentials': undefined,
    });
  }
});

const preflight = (path: string, origin: string, method: string, requestHeaders?: string) =>
  get(
    path,
    {
      origin,
      'access-control-request-method': method,
      ...(requestHeaders ? { 'access-control-request-headers': requestHeaders } : {}),
    },
    'OPTIONS',
  );

test('CORS preflight: OPTIONS with Access-Control-Request-Method gets Allow-Methods, -Headers and Max-Age', async () => {
  const res = await preflight('/cors/a', APP, 'PUT', 'content-type');
  assert.equal(res.status, 204);
  hasHeaders(res, {
    'access-control-allow-origin': APP,
    'access-control-allow-methods': 'GET, POST, PUT',
    'access-control-allow-headers': 'Content-Type, Authorization',
    'access-control-max-age': '3600',
    'access-control-allow-credentials': 'true',
  });
});

test("CORS OriginOverride false: the origin's own CORS headers are used and the policy adds none", async () => {
  hasHeaders(await get('/cors/own-cors', { origin: APP }), {
    'access-control-allow-origin': 'https://origin-choice.test',
    'access-control-allow-credentials': undefined,
    'access-control-expose-headers': undefined,
  });
});

test('managed policy by name: CORS-with-preflight-and-SecurityHeadersPolicy', async () => {
  hasHeaders(await preflight('/by-name/a', 'https://any.test', 'POST'), {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT',
    'access-control-expose-headers': '*',
    'x-content-type-options': 'nosniff',
  });
  hasHeaders(await get('/by-name/a'), {
    'access-control-allow-origin': undefined,
    'referrer-policy': 'strict-origin-when-cross-origin',
    ...ORIGIN_SECURITY, // no override: the origin's values
    'x-xss-protection': '1; mode=block',
  });
});

test('managed policy by API name: Managed-SimpleCORS answers CORS requests with Access-Control-Allow-Origin: *', async () => {
  hasHeaders(await get('/by-api-name/a', { origin: 'https://any.test' }), {
    'access-control-allow-origin': '*',
    vary: undefined,
  });
  hasHeaders(await get('/by-api-name/a'), { 'access-control-allow-origin': undefined });
});

test('managed policy by id: SecurityHeadersPolicy (67f7725c-…) on a hit', async () => {
  await get('/by-id/a');
  hasHeaders(await get('/by-id/a'), {
    'x-cache': 'Hit from cloudfront',
    'x-content-type-options': 'nosniff',
    ...ORIGIN_SECURITY,
  });
});
