import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { tempDir, writeYaml } from '../../helpers/config.js';
import { type EdgeProcess, startEdgeProcess } from '../../helpers/edge-process.js';
import { httpRequest, rawHttp } from '../../helpers/http.js';
import { type SeenRequest, startOrigin, type TestOrigin } from '../../helpers/origin.js';

let edge: EdgeProcess;
let origin: TestOrigin;
let cleanup: () => Promise<void>;

const behavior = (PathPattern: string, extra: Record<string, unknown>) => ({
  PathPattern,
  TargetOriginId: 'app',
  ViewerProtocolPolicy: 'allow-all',
  ...extra,
});

before(async () => {
  origin = await startOrigin((req, res) => {
    res.writeHead(200, {
      'content-type': 'text/plain',
      'set-cookie': ['a=1; Path=/', 'b=2'],
      'keep-alive': 'timeout=5',
      via: '1.1 some-proxy',
      vary: 'Accept-Encoding, X-Version, User-Agent, Accept-Language',
      'x-origin': 'yes',
    });
    res.end(`ok ${req.url}`);
  });
  const tmp = await tempDir();
  const config = await writeYaml(tmp.dir, 'edgefront.yaml', {
    CachePolicies: [
      {
        CachePolicyConfig: {
          Name: 'versioned',
          MinTTL: 0,
          DefaultTTL: 60,
          MaxTTL: 3600,
          ParametersInCacheKeyAndForwardedToOrigin: {
            EnableAcceptEncodingGzip: true,
            EnableAcceptEncodingBrotli: true,
            HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['X-Version'] },
            CookiesConfig: { CookieBehavior: 'whitelist', Cookies: ['session'] },
            QueryStringsConfig: { QueryStringBehavior: 'whitelist', QueryStrings: ['page'] },
          },
        },
      },
    ],
    OriginRequestPolicies: [
      {
        OriginRequestPolicyConfig: {
          Name: 'viewer-facts',
          HeadersConfig: {
            HeaderBehavior: 'whitelist',
            Headers: [
              'CloudFront-Forwarded-Proto',
              'CloudFront-Is-Mobile-Viewer',
              'CloudFront-Is-Desktop-Viewer',
              'CloudFront-Viewer-Address',
              'CloudFront-Viewer-Http-Version',
            ],
          },
          CookiesConfig: { CookieBehavior: 'none' },
          QueryStringsConfig: { QueryStringBehavior: 'none' },
        },
      },
    ],
    Distributions: [
      {
        Id: 'E1HEADERS',
        DistributionConfig: {
          Enabled: true,
          Origins: [
            {
              Id: 'app',
              DomainName: 'app.internal',
              OriginCustomHeaders: [{ HeaderName: 'X-Origin-Verify', HeaderValue: 'secret' }],
              CustomOriginConfig: { HTTPPort: 80, OriginProtocolPolicy: 'http-only' },
            },
          ],
          DefaultCacheBehavior: {
            TargetOriginId: 'app',
            ViewerProtocolPolicy: 'allow-all',
            CachePolicyId: 'CachingDisabled',
          },
          CacheBehaviors: [
            behavior('/policy/*', { CachePolicyId: 'versioned', OriginRequestPolicyId: 'CORS-CustomOrigin' }),
            behavior('/all-post/*', {
              CachePolicyId: 'CachingDisabled',
              OriginRequestPolicyId: 'AllViewer',
              AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
            }),
            behavior('/all/*', {
              CachePolicyId: 'CachingDisabled',
              OriginRequestPolicyId: '216adef6-5c7f-47e4-b989-5492eafa07d3',
            }),
            behavior('/except-host/*', {
              CachePolicyId: 'CachingDisabled',
              OriginRequestPolicyId: 'Managed-AllViewerExceptHostHeader',
            }),
            behavior('/cf/*', { CachePolicyId: 'CachingDisabled', OriginRequestPolicyId: 'viewer-facts' }),
          ],
        },
      },
    ],
  });
  edge = await startEdgeProcess(['--config', config, '--origin-override', `app.internal=${origin.url}`]);
  cleanup = () => Promise.all([edge.close(), origin.close(), tmp.remove()]).then(() => undefined);
});
after(() => cleanup());

const VIEWER_HEADERS = {
  host: 'www.example.com',
  'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148',
  'accept-language': 'de',
  referer: 'https://ref.example/',
  authorization: 'Bearer t0ken',
  cookie: 'zeta=9; session=abc; alpha=1',
  'accept-encoding': 'gzip, deflate, br',
  'x-version': '7',
  origin: 'https://app.example.com',
  'x-forwarded-for': '203.0.113.9',
  'x-edge-secret': 'nope',
  'x-real-ip': '10.9.9.9',
  via: '1.1 corporate-proxy',
};

async function viaEdge(
  path: string,
): Promise<{ seen: SeenRequest; viewer: Awaited<ReturnType<typeof httpRequest>> }> {
  const viewer = await httpRequest(edge.url(path), { headers: VIEWER_HEADERS });
  assert.equal(viewer.status, 200, viewer.body);
  return { seen: origin.requests[origin.requests.length - 1], viewer };
}

test('by default the origin gets its own Host, Amazon CloudFront as User-Agent, and no viewer extras', async () => {
  const { seen, viewer } = await viaEdge('/plain?q=1');
  assert.equal(seen.url, '/plain'); // CachingDisabled forwards no query string
  assert.equal(seen.headers.host, 'app.internal');
  assert.equal(seen.headers['user-agent'], 'Amazon CloudFront');
  assert.equal(seen.headers['accept-language'], undefined);
  assert.equal(seen.headers.referer, undefined);
  assert.equal(seen.headers.authorization, undefined); // GET: only when the cache policy names it
  assert.equal(seen.headers.cookie, undefined);
  assert.equal(seen.headers.origin, undefined);
  assert.equal(seen.headers['x-version'], undefined);
  assert.equal(seen.headers['x-edge-secret'], undefined);
  assert.equal(seen.headers['x-real-ip'], undefined);
  assert.equal(seen.headers['accept-encoding'], undefined); // no compression flags: an ordinary header
  assert.equal(seen.headers['x-origin-verify'], 'secret');
  assert.equal(seen.headers['x-forwarded-for'], '203.0.113.9,127.0.0.1');
  assert.match(
    String(seen.headers.via),
    /^1\.1 corporate-proxy, 1\.1 [0-9a-f]{32}\.cloudfront\.net \(CloudFront\)$/,
  );
  assert.match(String(seen.headers['x-amz-cf-id']), /^[A-Za-z0-9_-]{54}==$/);
  assert.equal(seen.headers['x-amz-cf-id'], viewer.headers['x-amz-cf-id']);
});

test('the viewer gets CloudFront headers, a replaced Via, no hop-by-hop headers and no Set-Cookie without cookie forwarding', async () => {
  const { viewer } = await viaEdge('/plain');
  assert.equal(viewer.headers['x-cache'], 'Miss from cloudfront');
  assert.equal(viewer.headers['x-amz-cf-pop'], 'DEV50-C1');
  assert.match(String(viewer.headers.via), /^1\.1 [0-9a-f]{32}\.cloudfront\.net \(CloudFront\)$/);
  assert.equal(viewer.headers['keep-alive'], undefined);
  assert.equal(viewer.headers['set-cookie'], undefined);
  assert.equal(viewer.headers['x-origin'], 'yes');
  assert.equal(viewer.headers.vary, 'Accept-Encoding'); // only forwarded names survive in Vary
});

test('a cache policy forwards its headers, cookies and query strings; the ORP adds Origin', async () => {
  const { seen, viewer } = await viaEdge('/policy/list?page=2&sort=asc&page=3');
  assert.equal(seen.url, '/policy/list?page=2&page=3');
  assert.equal(seen.headers['x-version'], '7');
  assert.equal(seen.headers.cookie, 'session=abc');
  assert.equal(seen.headers['accept-encoding'], 'br,gzip');
  assert.equal(seen.headers.origin, 'https://app.example.com');
  assert.equal(seen.headers.host, 'app.internal');
  assert.equal(seen.headers['accept-language'], undefined);
  assert.deepEqual(viewer.headers['set-cookie'], ['a=1; Path=/', 'b=2']); // cookies forwarded ⇒ Set-Cookie passes
  assert.equal(viewer.headers.vary, 'Accept-Encoding, X-Version');
});

test('the AllViewer origin request policy forwards every viewer header, the Host, cookies sorted and the query', async () => {
  const { seen } = await viaEdge('/all/x?b=1&a=2');
  assert.equal(seen.url, '/all/x?b=1&a=2');
  assert.equal(seen.headers.host, 'www.example.com');
  assert.equal(seen.headers['user-agent'], VIEWER_HEADERS['user-agent']);
  assert.equal(seen.headers['accept-language'], 'de');
  assert.equal(seen.headers.referer, 'https://ref.example/');
  assert.equal(seen.headers.authorization, 'Bearer t0ken');
  assert.equal(seen.headers.cookie, 'alpha=1; session=abc; zeta=9');
  assert.equal(seen.headers['x-edge-secret'], undefined); // X-Edge-* never reach an origin
});

test('AllViewerExceptHostHeader (by Managed- name) forwards the viewer headers but not Host', async () => {
  const { seen } = await viaEdge('/except-host/x');
  assert.equal(seen.headers.host, 'app.internal');
  assert.equal(seen.headers['accept-language'], 'de');
});

test('an origin request policy adds the CloudFront-* viewer headers it names', async () => {
  const { seen } = await viaEdge('/cf/x');
  assert.equal(seen.headers['cloudfront-forwarded-proto'], 'http');
  assert.equal(seen.headers['cloudfront-is-mobile-viewer'], 'true');
  assert.equal(seen.headers['cloudfront-is-desktop-viewer'], 'false');
  assert.equal(seen.headers['cloudfront-viewer-http-version'], '1.1');
  assert.match(String(seen.headers['cloudfront-viewer-address']), /^127\.0\.0\.1:\d+$/);
  assert.equal(seen.headers['cloudfront-viewer-country'], undefined);
});

test('CloudFront-* headers sent by a viewer never reach the origin; only generated ones do', async () => {
  const spoof = {
    'cloudfront-viewer-address': '6.6.6.6:1',
    'cloudfront-forwarded-proto': 'https',
    'cloudfront-viewer-country': 'KP',
  };
  await httpRequest(edge.url('/all/spoof'), { headers: spoof });
  let seen = origin.requests.at(-1)!;
  assert.equal(seen.headers['cloudfront-viewer-address'], undefined);
  assert.equal(seen.headers['cloudfront-viewer-country'], undefined);
  await httpRequest(edge.url('/cf/spoof'), { headers: spoof });
  seen = origin.requests.at(-1)!;
  assert.equal(seen.headers['cloudfront-forwarded-proto'], 'http');
  assert.match(String(seen.headers['cloudfront-viewer-address']), /^127\.0\.0\.1:/);
});

test('headers named in the viewer Connection header are hop-by-hop and not forwarded', async () => {
  await httpRequest(edge.url('/all/conn'), {
    headers: { connection: 'keep-alive, x-secret', 'x-secret': '1', 'x-kept': '2' },
  });
  const seen = origin.requests.at(-1)!;
  assert.equal(seen.headers['x-secret'], undefined);
  assert.equal(seen.headers['x-kept'], '2');
});

test('a POST with Expect: 100-continue through an all-viewer policy reaches the origin', async () => {
  const res = await httpRequest(edge.url('/all-post/upload'), {
    method: 'POST',
    headers: { expect: '100-continue', 'content-type': 'text/plain' },
    body: 'payload',
  });
  assert.equal(res.status, 200);
  const seen = origin.requests.at(-1)!;
  assert.equal(seen.body, 'payload');
  assert.equal(seen.headers.expect, undefined);
});

test('Authorization reaches the origin for POST whatever the policies say', async () => {
  await httpRequest(edge.url('/all-post/x'), {
    method: 'POST',
    headers: { authorization: 'Bearer p' },
    body: 'x',
  });
  assert.equal(origin.requests.at(-1)!.headers.authorization, 'Bearer p');
});

test('the Via hop names the viewer protocol version, 1.0 for an HTTP/1.0 viewer', async () => {
  const raw = await rawHttp(Number(edge.http.port), 'GET /plain HTTP/1.0\r\nHost: www.example.com\r\n\r\n');
  assert.match(raw, /^HTTP\/1\.1 200 /);
  assert.match(
    String(origin.requests.at(-1)!.headers.via),
    /^1\.0 [0-9a-f]{32}\.cloudfront\.net \(CloudFront\)$/,
  );
});

test('an absolute-form request target is routed and matched by its path', async () => {
  const raw = await rawHttp(
    Number(edge.http.port),
    'GET http://www.example.com/policy/abs?page=1 HTTP/1.1\r\nHost: ignored.example\r\nConnection: close\r\n\r\n',
  );
  assert.match(raw, /^HTTP\/1\.1 200 /);
  const seen = origin.requests.at(-1)!;
  assert.equal(seen.url, '/policy/abs?page=1'); // the /policy/* behavior, origin-form to the origin
});
