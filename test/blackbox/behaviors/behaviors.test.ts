import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { tempDir, writeYaml } from '../../helpers/config.js';
import { type EdgeProcess, startEdgeProcess } from '../../helpers/edge-process.js';
import { httpRequest, rawHttp } from '../../helpers/http.js';
import { startOrigin, type TestOrigin } from '../../helpers/origin.js';

let edge: EdgeProcess;
let site: TestOrigin;
let api: TestOrigin;
let cleanup: () => Promise<void>;

function customOrigin(id: string, port: number) {
  return {
    Id: id,
    DomainName: `${id}.internal`,
    CustomOriginConfig: { HTTPPort: port, OriginProtocolPolicy: 'http-only' },
  };
}

before(async () => {
  site = await startOrigin((req, res) => {
    if (req.url?.startsWith('/missing')) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('origin 404');
    } else if (req.url === '/broken') {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('origin 500');
    } else if (req.url === '/errors/404.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<p>custom not found</p>');
    } else {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`site ${req.method} ${req.url}`);
    }
  });
  api = await startOrigin((req, res, seen) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`api ${req.method} ${req.url} ${seen.body}`);
  });
  const tmp = await tempDir();
  const config = await writeYaml(tmp.dir, 'edgefront.yaml', {
    Distributions: [
      {
        Id: 'E1BEHAVIORS',
        DistributionConfig: {
          Enabled: true,
          DefaultRootObject: 'index.html',
          Origins: [customOrigin('site', site.port), customOrigin('api', api.port)],
          DefaultCacheBehavior: {
            TargetOriginId: 'site',
            ViewerProtocolPolicy: 'allow-all',
            CachePolicyId: 'CachingOptimized',
          },
          CacheBehaviors: [
            {
              PathPattern: '/api/public/*',
              TargetOriginId: 'site',
              ViewerProtocolPolicy: 'allow-all',
              CachePolicyId: 'CachingDisabled',
            },
            {
              PathPattern: '/api/*',
              TargetOriginId: 'api',
              ViewerProtocolPolicy: 'allow-all',
              AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
              CachePolicyId: 'CachingDisabled',
            },
            {
              PathPattern: '*.JPG',
              TargetOriginId: 'api',
              ViewerProtocolPolicy: 'allow-all',
              CachePolicyId: 'CachingDisabled',
            },
            {
              PathPattern: '/secure/*',
              TargetOriginId: 'site',
              ViewerProtocolPolicy: 'https-only',
              CachePolicyId: 'CachingDisabled',
            },
            {
              PathPattern: '/account/*',
              TargetOriginId: 'site',
              ViewerProtocolPolicy: 'redirect-to-https',
              AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
              CachePolicyId: 'CachingDisabled',
            },
          ],
          CustomErrorResponses: [
            {
              ErrorCode: 404,
              ResponsePagePath: '/errors/404.html',
              ResponseCode: 200,
              ErrorCachingMinTTL: 10,
            },
          ],
        },
      },
    ],
  });
  edge = await startEdgeProcess([
    '--config',
    config,
    '--origin-override',
    `site.internal=${site.url}`,
    '--origin-override',
    `api.internal=${api.url}`,
  ]);
  cleanup = () => Promise.all([edge.close(), site.close(), api.close(), tmp.remove()]).then(() => undefined);
});
after(() => cleanup());

test('the first behavior whose PathPattern matches wins, in listed order', async () => {
  assert.equal(await (await fetch(edge.url('/api/public/x'))).text(), 'site GET /api/public/x');
  assert.equal(await (await fetch(edge.url('/api/users?id=1'))).text(), 'api GET /api/users ');
  assert.equal(await (await fetch(edge.url('/other'))).text(), 'site GET /other');
});

test('path patterns are case-sensitive', async () => {
  assert.match(await (await fetch(edge.url('/img/a.JPG'))).text(), /^api /);
  assert.match(await (await fetch(edge.url('/img/a.jpg'))).text(), /^site /);
});

test('a method outside AllowedMethods is answered 403 without reaching the origin', async () => {
  const before = site.hits;
  const res = await fetch(edge.url('/page'), { method: 'POST', body: 'x' });
  assert.equal(res.status, 403);
  assert.equal(res.headers.get('x-cache'), 'Error from cloudfront');
  assert.match(await res.text(), /not configured to allow the HTTP request method/);
  assert.equal(site.hits, before);
});

test('a behavior allowing all methods passes POST bodies to the origin', async () => {
  const res = await fetch(edge.url('/api/items'), { method: 'POST', body: 'payload' });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'api POST /api/items payload');
});

test('redirect-to-https answers 301 keeping host, path and query', async () => {
  const res = await httpRequest(edge.url('/account/me?tab=2'), { headers: { host: 'shop.example.com' } });
  assert.equal(res.status, 301);
  assert.equal(res.headers.location, 'https://shop.example.com/account/me?tab=2');
  assert.equal(res.headers['x-cache'], 'Redirect from cloudfront');
});

test('redirect-to-https answers 307 for other methods, so the method and body survive', async () => {
  const res = await fetch(edge.url('/account/me'), { method: 'POST', body: 'x', redirect: 'manual' });
  assert.equal(res.status, 307);
  assert.match(res.headers.get('location') ?? '', /^https:\/\/.*\/account\/me$/);
});

test('https-only answers 403 over HTTP', async () => {
  const res = await fetch(edge.url('/secure/data'));
  assert.equal(res.status, 403);
  assert.equal(res.headers.get('x-cache'), 'Error from cloudfront');
});

test('DefaultRootObject applies to the root only', async () => {
  assert.equal(await (await fetch(edge.url('/'))).text(), 'site GET /index.html');
  assert.equal(await (await fetch(edge.url('/docs/'))).text(), 'site GET /docs/');
});

test('a custom error response replaces the origin 404 with the page and ResponseCode', async () => {
  const res = await fetch(edge.url('/missing/thing'));
  assert.equal(res.status, 200);
  assert.equal(await res.text(), '<p>custom not found</p>');
  assert.equal(res.headers.get('x-cache'), 'Error from cloudfront');
  assert.ok(site.requests.some((r) => r.url === '/errors/404.html'));
});

test('an origin error with no custom response passes through as Error from cloudfront', async () => {
  const res = await fetch(edge.url('/broken'));
  assert.equal(res.status, 500);
  assert.equal(await res.text(), 'origin 500');
  assert.equal(res.headers.get('x-cache'), 'Error from cloudfront');
});

test('the edge keeps serving after discarding an origin error body for a custom page', async () => {
  for (let i = 0; i < 3; i++) {
    assert.equal((await fetch(edge.url(`/missing/${i}`))).status, 200);
    assert.equal((await fetch(edge.url('/broken'))).status, 500);
  }
});

test('the custom error page is fetched without the viewer Range or conditional headers', async () => {
  const ranged = await fetch(edge.url('/missing/ranged'), { headers: { range: 'bytes=0-4' } });
  assert.equal(ranged.status, 200);
  assert.equal(await ranged.text(), '<p>custom not found</p>');
  const conditional = await fetch(edge.url('/missing/cond'), { headers: { 'if-none-match': '*' } });
  assert.equal(conditional.status, 200);
  const page = site.requests.filter((r) => r.url === '/errors/404.html').at(-1)!;
  assert.equal(page.headers.range, undefined);
  assert.equal(page.headers['if-none-match'], undefined);
});

test('redirect-to-https refuses non-GET HTTP/1.0 requests with 403', async () => {
  const raw = await rawHttp(
    Number(edge.http.port),
    'POST /account/me HTTP/1.0\r\nHost: x\r\nContent-Length: 1\r\n\r\nx',
  );
  assert.match(raw, /^HTTP\/1\.1 403 /);
});
