/**
 * Origin custom headers through a real `edgefront serve` (reference/origins.md §1.5, §2): the
 * secret-header pattern (an origin that answers only requests carrying a header the CDN adds),
 * on every kind of origin request, and the names CloudFront forbids refused at load.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { tempDir, writeYaml } from '../../helpers/config.js';
import { type EdgeProcess, runCli, startEdgeProcess } from '../../helpers/edge-process.js';
import { httpRequest } from '../../helpers/http.js';
import { type SeenRequest, startOrigin, type TestOrigin } from '../../helpers/origin.js';

const SECRET = 'b7f1c2d9e8a64f0c9d3e2a1b5c6d7e8f';
const ALL_METHODS = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'];

let edge: EdgeProcess;
let guarded: TestOrigin; // refuses anything without the secret, as an origin behind the pattern does
let backup: TestOrigin;
let remove: () => Promise<void>;

function origin(Id: string, port: number, headers: [string, string][]) {
  return {
    Id,
    DomainName: '127.0.0.1',
    OriginCustomHeaders: headers.map(([HeaderName, HeaderValue]) => ({ HeaderName, HeaderValue })),
    CustomOriginConfig: { HTTPPort: port, OriginProtocolPolicy: 'http-only' },
  };
}

before(async () => {
  guarded = await startOrigin((req, res) => {
    if (req.headers['x-origin-verify'] !== SECRET) {
      res.writeHead(403, { 'content-type': 'text/plain' });
      return res.end('direct access refused');
    }
    const status = req.url?.startsWith('/missing') ? 404 : req.url?.startsWith('/down') ? 503 : 200;
    res.writeHead(status, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
    res.end(req.url?.startsWith('/errors/') ? 'custom 404 page' : `guarded ${req.method} ${req.url}`);
  });
  backup = await startOrigin((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`backup ${req.url}`);
  });
  const secretDistribution = {
    Enabled: true,
    Origins: [
      origin('guarded', guarded.port, [
        ['X-Origin-Verify', SECRET],
        ['Referer', 'from-edgefront'],
      ]),
      origin('backup', backup.port, [['X-Member', 'backup']]),
    ],
    OriginGroups: {
      Quantity: 1,
      Items: [
        {
          Id: 'group',
          FailoverCriteria: { StatusCodes: { Quantity: 1, Items: [503] } },
          Members: { Quantity: 2, Items: [{ OriginId: 'guarded' }, { OriginId: 'backup' }] },
        },
      ],
    },
    DefaultCacheBehavior: {
      TargetOriginId: 'guarded',
      ViewerProtocolPolicy: 'allow-all',
      CachePolicyId: 'CachingDisabled',
      OriginRequestPolicyId: 'AllViewer', // every viewer header forwarded, a forged secret too
      AllowedMethods: ALL_METHODS,
    },
    CacheBehaviors: [
      {
        PathPattern: '/down/*',
        TargetOriginId: 'group',
        ViewerProtocolPolicy: 'allow-all',
        CachePolicyId: 'CachingDisabled',
      },
    ],
    CustomErrorResponses: [{ ErrorCode: 404, ResponsePagePath: '/errors/404.html', ResponseCode: 404 }],
  };
  const dir = await tempDir();
  const config = await writeYaml(dir.dir, 'edgefront.yaml', {
    Distributions: [{ Id: 'E1SECRET', DistributionConfig: secretDistribution }],
  });
  edge = await startEdgeProcess(['--config', config]);
  remove = async () => {
    await Promise.all([edge.close(), guarded.close(), backup.close()]);
    await dir.remove();
  };
});
after(() => remove());

const last = (o: TestOrigin, url: string): SeenRequest => o.requests.filter((r) => r.url === url).at(-1)!;

test('the secret-header pattern: the origin refuses direct requests and serves those through the edge', async () => {
  const direct = await httpRequest(`${guarded.url}/page`);
  assert.equal(direct.status, 403);
  const viaEdge = await httpRequest(edge.url('/page'));
  assert.equal(viaEdge.status, 200);
  assert.equal(viaEdge.body, 'guarded GET /page');
  assert.equal(last(guarded, '/page').headers.referer, 'from-edgefront');
});

test('a viewer’s own copy of a custom header is replaced by the configured value, never passed on', async () => {
  const res = await httpRequest(edge.url('/forged'), {
    headers: { 'x-origin-verify': 'forged', referer: 'https://attacker.example/' },
  });
  assert.equal(res.status, 200);
  const seen = last(guarded, '/forged');
  assert.equal(seen.headers['x-origin-verify'], SECRET);
  assert.equal(seen.headers.referer, 'from-edgefront');
  assert.equal(seen.rawHeaders.filter((h) => h.toLowerCase() === 'x-origin-verify').length, 1);
});

test('custom headers go with every method, with the body, and with the custom error page’s request', async () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD']) {
    const path = `/by-${method.toLowerCase()}`;
    const res = await httpRequest(edge.url(path), { method, body: method === 'HEAD' ? undefined : 'a=1' });
    assert.equal(res.status, 200, method);
    assert.equal(last(guarded, path).headers['x-origin-verify'], SECRET, method);
  }
  const missing = await httpRequest(edge.url('/missing'));
  assert.equal(missing.status, 404);
  assert.equal(missing.body, 'custom 404 page', 'the error page request carried the secret too');
});

test('each member of an origin group gets its own origin’s custom headers', async () => {
  const res = await httpRequest(edge.url('/down/x'));
  assert.equal(res.body, 'backup /down/x');
  assert.equal(last(guarded, '/down/x').headers['x-origin-verify'], SECRET);
  const toBackup = last(backup, '/down/x');
  assert.equal(toBackup.headers['x-member'], 'backup');
  assert.equal(toBackup.headers['x-origin-verify'], undefined, 'the primary’s secret stays with the primary');
});

test('a header CloudFront cannot add makes serve exit before listening, naming the field; validate lists every one', async (t) => {
  const dir = await tempDir();
  t.after(() => dir.remove());
  const config = await writeYaml(dir.dir, 'bad.yaml', {
    Distributions: [
      {
        Id: 'E1BAD',
        DistributionConfig: {
          Enabled: true,
          Origins: [
            origin('app', 8080, [
              ['X-Amz-Security-Token', 'x'],
              ['Host', 'evil.example'],
              ['X-Edge-Origin-Shield', 'x'],
              ['X Secret', 'x'],
              ['X-Ok', 'line\r\nX-Injected: 1'],
            ]),
          ],
          DefaultCacheBehavior: {
            TargetOriginId: 'app',
            ViewerProtocolPolicy: 'allow-all',
            CachePolicyId: 'CachingDisabled',
          },
        },
      },
    ],
  });
  await assert.rejects(startEdgeProcess(['--config', config]), (err: Error) => {
    assert.match(err.message, /exited with 1 before listening/);
    assert.match(
      err.message,
      /Origins\[0\]\.OriginCustomHeaders\[0\]\.HeaderName: CloudFront does not allow/,
    );
    return true;
  });
  const result = await runCli(['validate', config]);
  assert.equal(result.code, 1);
  const out = result.stdout + result.stderr;
  for (const [i, field, message] of [
    [0, 'HeaderName', /does not allow/],
    [1, 'HeaderName', /does not allow/],
    [2, 'HeaderName', /does not allow/],
    [3, 'HeaderName', /"X Secret" is not a valid header name/],
    [4, 'HeaderValue', /control character/],
  ] as const) {
    const line = out.split('\n').find((l) => l.includes(`OriginCustomHeaders[${i}].${field}:`));
    assert.ok(line, `no issue for OriginCustomHeaders[${i}].${field} in:\n${out}`);
    assert.match(line, message);
  }
});
