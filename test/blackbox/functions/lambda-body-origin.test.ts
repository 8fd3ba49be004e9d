import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'node:test';
import { createEdge } from '../../../src/index.js';
import { distributionOver, tempDir } from '../../helpers/config.js';
import { startOrigin } from '../../helpers/origin.js';

const HANDLERS: Record<string, { event: string; code: string; includeBody?: boolean; timeout?: number }> = {
  // IncludeBody, read-only: the handler sees the body (base64); the origin gets the original.
  peek: {
    event: 'origin-request',
    includeBody: true,
    code: `exports.handler = async (event) => {
      const request = event.Records[0].cf.request;
      const seen = Buffer.from(request.body.data, 'base64');
      const shown = seen.length > 20 ? seen.length + ' bytes' : seen.toString();
      request.headers['x-body-seen'] = [{ key: 'X-Body-Seen', value: shown + '|' + request.body.inputTruncated }];
      request.body.data = Buffer.from('ignored').toString('base64');
      return request;
    };`,
  },
  // IncludeBody, replace: the origin gets the handler's body.
  replace: {
    event: 'viewer-request',
    includeBody: true,
    code: `exports.handler = async (event) => {
      const request = event.Records[0].cf.request;
      request.body.action = 'replace';
      request.body.encoding = 'text';
      request.body.data = 'replaced by lambda';
      return request;
    };`,
  },
  // Origin switching: another custom origin named by the handler.
  switch: {
    event: 'origin-request',
    code: `exports.handler = async (event) => {
      const request = event.Records[0].cf.request;
      request.origin = { custom: { domainName: 'other.example', port: 80, protocol: 'http', path: '/switched',
        sslProtocols: ['TLSv1.2'], readTimeout: 30, keepaliveTimeout: 5,
        customHeaders: { 'x-secret': [{ key: 'X-Secret', value: 'from-lambda' }] } } };
      request.headers.host = [{ key: 'Host', value: 'other.example' }];
      return request;
    };`,
  },
  hang: {
    event: 'viewer-request',
    timeout: 1,
    code: `exports.handler = () => new Promise(() => { setInterval(() => {}, 1000); });`,
  },
};

test('Lambda@Edge through the pipeline: IncludeBody read-only and replace, origin switching, timeouts', async (t) => {
  const dir = await tempDir();
  const echo = (name: string) =>
    startOrigin((req, res, seen) => {
      res.writeHead(200, {
        'content-type': 'text/plain',
        'x-body-seen': String(req.headers['x-body-seen'] ?? ''),
      });
      res.end(`${name} ${req.method} ${req.url} body=${seen.body} secret=${req.headers['x-secret'] ?? ''}`);
    });
  const [main, other] = await Promise.all([echo('main'), echo('other')]);
  const names = Object.keys(HANDLERS);
  for (const name of names) await writeFile(join(dir.dir, `${name}.js`), HANDLERS[name].code);
  const arn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}:1`;
  const edge = await createEdge({
    functionLog: () => {},
    baseDir: dir.dir,
    originOverrides: { 'other.example': `http://127.0.0.1:${other.port}` },
    config: {
      LambdaFunctions: names.map((name) => ({
        Arn: arn(name),
        Handler: `${name}.handler`,
        Code: dir.dir,
        ...(HANDLERS[name].timeout ? { Timeout: HANDLERS[name].timeout } : {}),
      })),
      Distributions: [
        distributionOver(
          'E1BODY',
          main.port,
          names.map((name) => ({
            PathPattern: `/${name}/*`,
            AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
            CachePolicyId: 'CachingDisabled',
            OriginRequestPolicyId: 'AllViewer',
            LambdaFunctionAssociations: [
              {
                EventType: HANDLERS[name].event,
                LambdaFunctionARN: arn(name),
                IncludeBody: HANDLERS[name].includeBody === true,
              },
            ],
          })),
          'CachingDisabled',
        ),
      ],
    },
  });
  t.after(async () => {
    await Promise.all([edge.close(), main.close(), other.close()]);
    await dir.remove();
  });
  const post = (path: string, body: string) =>
    edge.fetch(`http://site.example${path}`, { method: 'POST', body });

  const peek = await post('/peek/a', 'hello body');
  assert.equal(peek.headers.get('x-body-seen'), 'hello body|false', 'the handler saw the body');
  assert.match(
    await peek.text(),
    /^main POST \/peek\/a body=hello body /,
    'read-only: the original body went on',
  );

  // Past the origin-request limit (1 MB): the handler sees 1 MB, cut; the origin gets every byte.
  const big = 'x'.repeat(1_500_000);
  const bigPeek = await post('/peek/big', big);
  assert.equal(bigPeek.headers.get('x-body-seen'), '1048576 bytes|true');
  assert.equal(main.requests.at(-1)!.bodyBytes, 1_500_000);
  await bigPeek.text();

  const replaced = await post('/replace/a', 'original');
  assert.match(await replaced.text(), /body=replaced by lambda /);

  const switched = await edge.fetch('http://site.example/switch/a');
  assert.equal(await switched.text(), 'other GET /switched/switch/a body= secret=from-lambda');

  const hung = await edge.fetch('http://site.example/hang/a');
  assert.equal(hung.status, 503);
  assert.equal(hung.headers.get('x-cache'), 'LambdaLimitExceeded from cloudfront');
});
