import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'node:test';
import { createEdge, ManualClock } from '../../../src/index.js';
import { distributionOver, tempDir } from '../../helpers/config.js';
import { startOrigin } from '../../helpers/origin.js';

/** Handlers by event, each in its own file; one behavior per handler at /<name>/*. */
const HANDLERS: Record<string, { event: string; code: string; includeBody?: boolean }> = {
  addheader: {
    event: 'viewer-request',
    code: `exports.handler = async (event) => {
      const request = event.Records[0].cf.request;
      request.headers['x-added'] = [{ key: 'X-Added', value: 'by-lambda' }];
      // AWS's A/B sample adds a cookie line: lines of one Cookie header join with '; '.
      (request.headers.cookie = request.headers.cookie || []).push({ key: 'Cookie', value: 'experiment=A' });
      return request;
    };`,
  },
  generate: {
    event: 'viewer-request',
    code: `exports.handler = (event, context, callback) => {
      callback(null, { status: '302', statusDescription: 'Found',
        headers: { location: [{ key: 'Location', value: 'https://example.com/moved' }] } });
    };`,
  },
  rewrite: {
    event: 'origin-request',
    code: `exports.handler = async (event) => {
      const request = event.Records[0].cf.request;
      request.uri = '/rewritten' + request.uri;
      request.headers['x-origin-saw'] = [{ key: 'X-Origin-Saw', value: request.origin.custom.domainName }];
      return request;
    };`,
  },
  answer: {
    event: 'origin-request',
    code: `let calls = 0;
    exports.handler = async () => ({ status: '200', headers: {
      'cache-control': [{ value: 'max-age=60' }], 'content-type': [{ value: 'text/plain' }] },
      body: 'generated ' + (++calls) });`,
  },
  restatus: {
    event: 'origin-response',
    code: `exports.handler = async (event) => {
      const response = event.Records[0].cf.response;
      response.headers['x-from-origin-response'] = [{ value: response.status }];
      return response;
    };`,
  },
  fails: { event: 'viewer-request', code: `exports.handler = async () => { throw new Error('broken'); };` },
  readonly: {
    event: 'viewer-request',
    code: `exports.handler = async (event) => {
      const request = event.Records[0].cf.request;
      request.headers.host = [{ key: 'Host', value: 'evil.example' }];
      return request;
    };`,
  },
};

test('Lambda@Edge handlers run at their four points with CloudFront’s results and errors', async (t) => {
  const dir = await tempDir();
  const origin = await startOrigin((req, res) => {
    res.writeHead(200, {
      'content-type': 'text/plain',
      'cache-control': 'max-age=60',
      'x-seen-added': String(req.headers['x-added'] ?? ''),
      'x-seen-saw': String(req.headers['x-origin-saw'] ?? ''),
      'x-seen-cookie': String(req.headers.cookie ?? ''),
      'x-seen-cf-id': String(req.headers['x-amz-cf-id'] ?? ''),
    });
    res.end(`origin ${req.url}`);
  });
  const names = Object.keys(HANDLERS);
  for (const name of names) await writeFile(join(dir.dir, `${name}.js`), HANDLERS[name].code);
  const arn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}:1`;
  const edge = await createEdge({
    clock: new ManualClock(),
    functionLog: () => {},
    baseDir: dir.dir,
    config: {
      LambdaFunctions: names.map((name) => ({ Arn: arn(name), Handler: `${name}.handler`, Code: dir.dir })),
      Distributions: [
        distributionOver(
          'E1LAMBDA',
          origin.port,
          names.map((name) => ({
            PathPattern: `/${name}/*`,
            CachePolicyId: 'CachingOptimized',
            LambdaFunctionAssociations: [{ EventType: HANDLERS[name].event, LambdaFunctionARN: arn(name) }],
            // Headers a handler adds reach the origin only when a policy forwards them.
            ...(name === 'addheader' ? { OriginRequestPolicyId: 'AllViewer' } : {}),
          })),
        ),
      ],
    },
  });
  t.after(async () => {
    await Promise.all([edge.close(), origin.close()]);
    await dir.remove();
  });
  const get = (path: string) => edge.fetch(`http://site.example${path}`, { redirect: 'manual' });

  const added = await edge.fetch('http://site.example/addheader/a', { headers: { cookie: 'a=1' } });
  assert.equal(added.headers.get('x-seen-added'), 'by-lambda');
  assert.equal(added.headers.get('x-seen-cookie'), 'a=1; experiment=A');

  const generated = await get('/generate/a');
  assert.equal(generated.status, 302);
  assert.equal(generated.headers.get('location'), 'https://example.com/moved');
  assert.equal(generated.headers.get('x-cache'), 'LambdaGeneratedResponse from cloudfront');

  const rewritten = await get('/rewrite/a');
  assert.equal(await rewritten.text(), 'origin /rewritten/rewrite/a');
  assert.equal(rewritten.headers.get('x-seen-saw'), '127.0.0.1');
  assert.match(rewritten.headers.get('x-seen-cf-id') ?? '', /==$/, 'X-Amz-Cf-Id still reaches the origin');

  const first = await get('/answer/a');
  assert.equal(await first.text(), 'generated 1');
  const second = await get('/answer/a');
  assert.equal(second.headers.get('x-cache'), 'Hit from cloudfront', 'an origin-request answer is cached');
  assert.equal(await second.text(), 'generated 1');

  const restatus = await get('/restatus/a');
  assert.equal(restatus.headers.get('x-from-origin-response'), '200');
  const restatusHit = await get('/restatus/a');
  assert.equal(restatusHit.headers.get('x-cache'), 'Hit from cloudfront');
  assert.equal(restatusHit.headers.get('x-from-origin-response'), '200', 'cached as the handler left it');

  const fails = await get('/fails/a');
  assert.equal(fails.status, 503);
  assert.equal(fails.headers.get('x-cache'), 'LambdaExecutionError from cloudfront');

  const readonly = await get('/readonly/a');
  assert.equal(readonly.status, 502);
  assert.equal(readonly.headers.get('x-cache'), 'LambdaValidationError from cloudfront');
});
