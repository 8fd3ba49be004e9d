/**
 * Origin groups through a real `edgefront serve` (reference/origins.md §5–6): primaries that
 * answer each failover status, refuse, reset, hang, and stall their body, against one
 * secondary. Small timeouts (ConnectionTimeout 1, OriginReadTimeout 1) keep every case to a
 * few seconds; the oracles are what the origins saw and CloudFront's headers.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { type IncomingHttpHeaders, request } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { tempDir, writeYaml } from '../../helpers/config.js';
import { type EdgeProcess, startEdgeProcess } from '../../helpers/edge-process.js';
import { httpRequest } from '../../helpers/http.js';
import { startOrigin, type TestOrigin } from '../../helpers/origin.js';
import { closedPort, startTcpOrigin, type TestServer } from '../../unit/origin/helpers.js';

const FAILOVER_CODES = [400, 403, 404, 416, 500, 502, 503, 504];
const ALL_METHODS = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'];
const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:which-origin:1';

/** An origin-request handler naming the origin in its event; an origin-response one the status. */
const LAMBDA_CODE = `exports.request = async (event) => {
  const request = event.Records[0].cf.request;
  request.headers['x-event-origin-port'] = [{ key: 'X-Event-Origin-Port', value: String(request.origin.custom.port) }];
  return request;
};
exports.response = async (event) => {
  const response = event.Records[0].cf.response;
  response.headers['x-origin-response-saw'] = [{ key: 'X-Origin-Response-Saw', value: response.status }];
  return response;
};`;

let edge: EdgeProcess;
let statusOrigin: TestOrigin; // answers the status named by the path's second segment
let secondary: TestOrigin;
let stall: TestOrigin;
let hang: TestServer;
let reset: TestServer;
let cleanup: () => Promise<void>;

function origin(Id: string, port: number, extra: Record<string, unknown> = {}, readTimeout = 1) {
  return {
    Id,
    DomainName: '127.0.0.1',
    ConnectionAttempts: 2,
    ConnectionTimeout: 1,
    CustomOriginConfig: { HTTPPort: port, OriginProtocolPolicy: 'http-only', OriginReadTimeout: readTimeout },
    ...extra,
  };
}

function group(Id: string, primary: string, codes: number[], second = 'secondary') {
  return {
    Id,
    FailoverCriteria: { StatusCodes: { Quantity: codes.length, Items: codes } },
    Members: { Quantity: 2, Items: [{ OriginId: primary }, { OriginId: second }] },
  };
}

function behavior(prefix: string, target: string, extra: Record<string, unknown> = {}) {
  return {
    PathPattern: `/${prefix}/*`,
    TargetOriginId: target,
    ViewerProtocolPolicy: 'allow-all',
    CachePolicyId: 'CachingOptimized',
    AllowedMethods: ALL_METHODS,
    ...extra,
  };
}

function cloudFrontFunction(Name: string, body: string) {
  return {
    Name,
    FunctionConfig: { Runtime: 'cloudfront-js-2.0', Comment: '' },
    FunctionCode: `import cf from 'cloudfront';\nasync function handler(event) {\n${body}\nreturn event.request;\n}`,
  };
}

before(async () => {
  statusOrigin = await startOrigin((req, res) => {
    const status = Number(req.url?.split('/')[2]) || 200;
    res.writeHead(status, { 'content-type': 'text/plain', 'x-served-by': 'primary' });
    res.end(`primary ${status}`);
  });
  secondary = await startOrigin((req, res) => {
    const missing = req.url?.startsWith('/pages/') && !req.url.endsWith('oops.html');
    res.writeHead(missing ? 404 : 200, {
      'content-type': 'text/plain',
      'cache-control': 'max-age=60',
      'x-served-by': 'secondary',
      'x-saw-event-origin-port': String(req.headers['x-event-origin-port'] ?? ''),
    });
    res.end(req.url?.startsWith('/pages/') ? 'custom error page' : `secondary ${req.method} ${req.url}`);
  });
  stall = await startOrigin((_req, res) => {
    res.writeHead(200, {
      'content-type': 'text/plain',
      'content-length': '10',
      'cache-control': 'max-age=60',
    });
    res.write('abc'); // and never the other 7 bytes
  });
  hang = await startTcpOrigin((socket) => socket.resume()); // accepts, reads, never answers
  reset = await startTcpOrigin((socket) => socket.once('data', () => socket.destroy()));
  const refused = await closedPort();

  const dir = await tempDir();
  await writeFile(join(dir.dir, 'which-origin.js'), LAMBDA_CODE);
  const config = await writeYaml(dir.dir, 'edgefront.yaml', {
    LambdaFunctions: [
      { Arn: ARN, Handler: 'which-origin.request', Code: dir.dir },
      { Arn: `${ARN.slice(0, -1)}2`, Handler: 'which-origin.response', Code: dir.dir },
    ],
    Functions: [
      cloudFrontFunction(
        'ad-hoc-group',
        `cf.createRequestOriginGroup({ originIds: [{ originId: 'status' }, { originId: 'secondary' }],
           failoverCriteria: { statusCodes: [500] } });`,
      ),
      cloudFrontFunction(
        'refused-primary',
        `cf.updateRequestOrigin({ customOriginConfig: { port: ${refused}, protocol: 'http', sslProtocols: ['TLSv1.2'] } });`,
      ),
    ],
    Distributions: [
      {
        Id: 'E1FAILOVER',
        DistributionConfig: {
          Enabled: true,
          Origins: [
            origin('status', statusOrigin.port),
            origin('secondary', secondary.port),
            origin('refused', refused),
            origin('hang', hang.port),
            origin('hang-once', hang.port, { ConnectionAttempts: 1 }),
            origin('reset', reset.port, { ConnectionAttempts: 3 }),
            origin('stall', stall.port),
            // Lambda@Edge accepts readTimeout 4–60 in the origin it returns (lambda-edge.md).
            origin('status-4s', statusOrigin.port, {}, 4),
            origin('secondary-4s', secondary.port, {}, 4),
          ],
          OriginGroups: {
            Quantity: 10,
            Items: [
              group('all-codes', 'status', FAILOVER_CODES),
              group('only-500', 'status', [500]),
              group('refused-503', 'refused', [503]),
              group('refused-504', 'refused', [500, 502, 504]),
              group('hang-504', 'hang', [504]),
              group('hang-503', 'hang-once', [503]),
              group('reset-503', 'reset', [503]),
              group('stall-all', 'stall', FAILOVER_CODES),
              group('both-down', 'refused', [503], 'refused'),
              group('for-lambda', 'status-4s', FAILOVER_CODES, 'secondary-4s'),
            ],
          },
          DefaultCacheBehavior: {
            TargetOriginId: 'status',
            ViewerProtocolPolicy: 'allow-all',
            CachePolicyId: 'CachingOptimized',
          },
          CacheBehaviors: [
            behavior('all', 'all-codes'),
            behavior('only500', 'only-500'),
            behavior('refused', 'refused-503'),
            behavior('refused504', 'refused-504'),
            behavior('hang', 'hang-504'),
            behavior('hang503', 'hang-503'),
            behavior('reset', 'reset-503'),
            behavior('stall', 'stall-all'),
            behavior('down', 'both-down'),
            behavior('pages', 'secondary'),
            behavior('lambda', 'for-lambda', {
              CachePolicyId: 'CachingDisabled',
              LambdaFunctionAssociations: [
                { EventType: 'origin-request', LambdaFunctionARN: ARN },
                { EventType: 'origin-response', LambdaFunctionARN: `${ARN.slice(0, -1)}2` },
              ],
            }),
            behavior('adhoc', 'secondary', {
              CachePolicyId: 'CachingDisabled',
              FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: 'ad-hoc-group' }],
            }),
            behavior('updated', 'all-codes', {
              CachePolicyId: 'CachingDisabled',
              FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: 'refused-primary' }],
            }),
          ],
          CustomErrorResponses: [{ ErrorCode: 502, ResponsePagePath: '/pages/oops.html', ResponseCode: 502 }],
        },
      },
    ],
  });
  edge = await startEdgeProcess(['--config', config]);
  cleanup = async () => {
    await edge.close();
    await Promise.all([statusOrigin, secondary, stall, hang, reset].map((o) => o.close()));
    await dir.remove();
  };
});
after(() => cleanup());

const hitsOf = (o: TestOrigin, prefix: string) => o.requests.filter((r) => r.url.startsWith(prefix)).length;

test('GET fails over to the secondary on each FailoverCriteria status: 400, 403, 404, 416, 500, 502, 503, 504', async () => {
  for (const code of FAILOVER_CODES) {
    const res = await httpRequest(edge.url(`/all/${code}/object`));
    assert.equal(res.status, 200, `primary answered ${code}`);
    assert.equal(res.body, `secondary GET /all/${code}/object`);
    assert.equal(res.headers['x-cache'], 'Miss from cloudfront');
    assert.equal(hitsOf(statusOrigin, `/all/${code}/object`), 1, 'the primary was asked first');
  }
});

test('a status not in FailoverCriteria is the primary’s answer (Error from cloudfront); the secondary is not asked', async () => {
  for (const code of [404, 503]) {
    const res = await httpRequest(edge.url(`/only500/${code}/x`));
    assert.equal(res.status, code);
    assert.equal(res.body, `primary ${code}`);
    assert.equal(res.headers['x-cache'], 'Error from cloudfront');
  }
  const ok = await httpRequest(edge.url('/only500/200/x'));
  assert.equal(ok.body, 'primary 200');
  assert.equal(hitsOf(secondary, '/only500/'), 0);
  assert.equal((await httpRequest(edge.url('/only500/500/x'))).body, 'secondary GET /only500/500/x');
});

test('HEAD and OPTIONS fail over as GET does', async () => {
  const head = await httpRequest(edge.url('/all/503/head'), { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers['x-served-by'], 'secondary');
  const options = await httpRequest(edge.url('/all/503/options'), { method: 'OPTIONS' });
  assert.equal(options.status, 200);
  assert.equal(options.body, 'secondary OPTIONS /all/503/options');
});

test('an OPTIONS whose body already went to the primary gets the primary’s answer (the body cannot be sent twice)', async () => {
  const res = await httpRequest(edge.url('/all/503/options-body'), {
    method: 'OPTIONS',
    headers: { 'content-length': '9' }, // node's client frames no OPTIONS body by itself
    body: 'preflight',
  });
  assert.equal(res.status, 503);
  assert.equal(statusOrigin.requests.find((r) => r.url === '/all/503/options-body')?.body, 'preflight');
  assert.equal(hitsOf(secondary, '/all/503/options-body'), 0);
});

test('PUT, PATCH, POST and DELETE never fail over: the viewer gets the primary’s answer', async () => {
  for (const method of ['PUT', 'PATCH', 'POST', 'DELETE']) {
    const path = `/all/503/${method.toLowerCase()}`;
    const res = await httpRequest(edge.url(path), { method, body: 'payload' });
    assert.equal(res.status, 503, method);
    assert.equal(res.body, 'primary 503');
    assert.equal(res.headers['x-cache'], 'Error from cloudfront');
    assert.equal(hitsOf(secondary, path), 0, `${method} reached the secondary`);
  }
});

test('the secondary’s cacheable answer is cached: the next request is a Hit and reaches neither origin', async () => {
  const first = await httpRequest(edge.url('/all/500/cached'));
  assert.equal(first.headers['x-cache'], 'Miss from cloudfront');
  const second = await httpRequest(edge.url('/all/500/cached'));
  assert.equal(second.headers['x-cache'], 'Hit from cloudfront');
  assert.equal(second.body, 'secondary GET /all/500/cached');
  assert.equal(hitsOf(statusOrigin, '/all/500/cached'), 1, 'the primary’s error was not cached');
  assert.equal(hitsOf(secondary, '/all/500/cached'), 1);
  // No stickiness: the next miss goes to the primary first again.
  assert.equal((await httpRequest(edge.url('/all/200/fresh'))).body, 'primary 200');
});

test('a primary that refuses connections fails over when 503 is listed; without 503 the viewer gets 502', async () => {
  const failedOver = await httpRequest(edge.url('/refused/x'));
  assert.equal(failedOver.status, 200);
  assert.equal(failedOver.body, 'secondary GET /refused/x');
  const notListed = await httpRequest(edge.url('/refused504/x'));
  assert.equal(notListed.status, 502, 'OriginConnectError');
  assert.equal(notListed.headers['x-cache'], 'Error from cloudfront');
  assert.equal(hitsOf(secondary, '/refused504/'), 0);
});

test('a primary that resets every connection is tried ConnectionAttempts times, then the secondary answers', async () => {
  const before = reset.count();
  const res = await httpRequest(edge.url('/reset/get'));
  assert.equal(res.body, 'secondary GET /reset/get');
  assert.equal(reset.count() - before, 3, 'ConnectionAttempts: 3');
});

test('a POST to a primary that resets is sent once and answered 502, never failed over', async () => {
  const before = reset.count();
  const res = await httpRequest(edge.url('/reset/post'), { method: 'POST', body: 'a=1' });
  assert.equal(res.status, 502);
  assert.equal(reset.count() - before, 1, 'a POST may have reached the origin: no retry');
  assert.equal(hitsOf(secondary, '/reset/post'), 0);
});

test('a primary that never answers is tried ConnectionAttempts times for OriginReadTimeout each, then fails over (504 listed)', async () => {
  const before = hang.count();
  const res = await httpRequest(edge.url('/hang/x'));
  assert.equal(res.status, 200);
  assert.equal(res.body, 'secondary GET /hang/x');
  assert.equal(hang.count() - before, 2, 'ConnectionAttempts: 2, each waited OriginReadTimeout');
});

test('without 504 listed, a primary that never answers is 504 from CloudFront', async () => {
  const res = await httpRequest(edge.url('/hang503/x'));
  assert.equal(res.status, 504, 'OriginCommError');
  assert.equal(res.headers['x-cache'], 'Error from cloudfront');
  assert.equal(hitsOf(secondary, '/hang503/'), 0);
});

/** A GET that reports whether its body arrived whole (a cut response errors or ends early). */
function getWhole(url: string): Promise<{ status: number; headers: IncomingHttpHeaders; complete: boolean }> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      const done = () => resolve({ status: res.statusCode!, headers: res.headers, complete: res.complete });
      res.on('error', done);
      res.on('close', done);
      res.resume();
    })
      .on('error', reject)
      .end();
  });
}

test('a primary that answers headers and then stalls its body is cut after OriginReadTimeout: committed, never failed over, not cached', async () => {
  const first = await getWhole(edge.url('/stall/object'));
  assert.equal(first.status, 200, 'the primary’s status and headers were already passed on');
  assert.equal(first.complete, false, 'the body was cut');
  const second = await getWhole(edge.url('/stall/object'));
  assert.equal(second.headers['x-cache'], 'Miss from cloudfront', 'the partial object was not stored');
  assert.equal(hitsOf(stall, '/stall/object'), 2);
  assert.equal(hitsOf(secondary, '/stall/'), 0);
});

test('when the secondary fails too, the viewer gets its error, with the custom error page', async () => {
  const res = await httpRequest(edge.url('/down/x'));
  assert.equal(res.status, 502);
  assert.equal(res.body, 'custom error page');
  assert.equal(res.headers['x-cache'], 'Error from cloudfront');
});

test('an origin-request Lambda@Edge handler runs again for the secondary with the secondary in its event; origin-response sees the answer served', async () => {
  const res = await httpRequest(edge.url('/lambda/502/x'));
  assert.equal(res.body, 'secondary GET /lambda/502/x');
  const [toPrimary] = statusOrigin.requests.filter((r) => r.url === '/lambda/502/x');
  assert.equal(toPrimary.headers['x-event-origin-port'], String(statusOrigin.port));
  assert.equal(res.headers['x-saw-event-origin-port'], String(secondary.port));
  assert.equal(res.headers['x-origin-response-saw'], '200');
});

test('a viewer-request function’s createRequestOriginGroup fails over on its own codes', async () => {
  const failedOver = await httpRequest(edge.url('/adhoc/500/x'));
  assert.equal(failedOver.body, 'secondary GET /adhoc/500/x');
  const notListed = await httpRequest(edge.url('/adhoc/503/x'));
  assert.equal(notListed.status, 503, '503 is not in the function’s failoverCriteria');
  assert.equal(hitsOf(statusOrigin, '/adhoc/'), 2);
});

test('updateRequestOrigin on an origin group changes the primary only: the group’s secondary and codes still apply', async () => {
  const res = await httpRequest(edge.url('/updated/200/x'));
  assert.equal(res.body, 'secondary GET /updated/200/x', 'the updated primary refused: failed over on 503');
  assert.equal(hitsOf(statusOrigin, '/updated/'), 0);
});
