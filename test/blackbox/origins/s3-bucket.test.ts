import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { tempDir, writeYaml } from '../../helpers/config.js';
import { type EdgeProcess, startEdgeProcess } from '../../helpers/edge-process.js';

let edge: EdgeProcess;
let cleanup: () => Promise<void>;

before(async () => {
  const tmp = await tempDir();
  const bucket = join(tmp.dir, 'bucket');
  await mkdir(join(bucket, 'docs'), { recursive: true });
  await writeFile(join(bucket, 'index.html'), '<h1>home</h1>');
  await writeFile(join(bucket, 'app.js'), 'console.log(1)');
  await writeFile(join(bucket, 'docs', 'index.html'), '<h1>docs</h1>');
  await writeFile(join(bucket, 'digits.txt'), '0123456789');
  const config = await writeYaml(tmp.dir, 'edgefront.yaml', {
    Distributions: [
      {
        Id: 'E1S3',
        DistributionConfig: {
          Enabled: true,
          DefaultRootObject: 'index.html',
          Origins: [
            {
              Id: 'rest',
              DomainName: 'assets.s3.us-east-1.amazonaws.com',
              S3OriginConfig: { OriginAccessIdentity: '' },
            },
            {
              Id: 'website',
              DomainName: 'assets.s3-website-us-east-1.amazonaws.com',
              CustomOriginConfig: { OriginProtocolPolicy: 'http-only' },
            },
          ],
          DefaultCacheBehavior: {
            TargetOriginId: 'rest',
            ViewerProtocolPolicy: 'allow-all',
            CachePolicyId: 'CachingOptimized',
          },
          CacheBehaviors: [
            {
              PathPattern: '/site/*',
              TargetOriginId: 'website',
              ViewerProtocolPolicy: 'allow-all',
              CachePolicyId: 'CachingOptimized',
            },
          ],
        },
      },
    ],
  });
  // The website behavior's paths start with /site/: serve the same directory under that prefix.
  await mkdir(join(bucket, 'site', 'docs'), { recursive: true });
  await writeFile(join(bucket, 'site', 'docs', 'index.html'), '<h1>site docs</h1>');
  edge = await startEdgeProcess(['--config', config, '--bucket', `assets=${bucket}`]);
  cleanup = () => Promise.all([edge.close(), tmp.remove()]).then(() => undefined);
});
after(() => cleanup());

test('an S3 REST origin served from --bucket answers with S3 headers', async () => {
  const res = await fetch(edge.url('/app.js'));
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'console.log(1)');
  assert.match(res.headers.get('content-type') ?? '', /javascript/);
  assert.match(res.headers.get('etag') ?? '', /^"[0-9a-f]{32}"$/);
  assert.ok(res.headers.get('last-modified'));
  assert.equal(res.headers.get('x-cache'), 'Miss from cloudfront');
});

test('the DefaultRootObject serves the bucket root', async () => {
  assert.equal(await (await fetch(edge.url('/'))).text(), '<h1>home</h1>');
});

test('a missing key answers 403 AccessDenied, as S3 does behind OAC', async () => {
  const res = await fetch(edge.url('/nope.txt'));
  assert.equal(res.status, 403);
  assert.match(await res.text(), /<Code>AccessDenied<\/Code>/);
  assert.equal(res.headers.get('x-cache'), 'Error from cloudfront');
});

test('the REST endpoint has no index documents for folders', async () => {
  assert.equal((await fetch(edge.url('/docs/'))).status, 403);
});

test('Range requests get 206 with Content-Range', async () => {
  const res = await fetch(edge.url('/digits.txt'), { headers: { range: 'bytes=2-4' } });
  assert.equal(res.status, 206);
  assert.equal(res.headers.get('content-range'), 'bytes 2-4/10');
  assert.equal(await res.text(), '234');
});

test('a conditional GET with a matching ETag gets 304', async () => {
  const etag = (await fetch(edge.url('/digits.txt'))).headers.get('etag')!;
  const res = await fetch(edge.url('/digits.txt'), { headers: { 'if-none-match': etag } });
  assert.equal(res.status, 304);
});

test('an S3 website origin serves index.html per folder and 404 for missing keys', async () => {
  assert.equal(await (await fetch(edge.url('/site/docs/'))).text(), '<h1>site docs</h1>');
  const missing = await fetch(edge.url('/site/missing.html'));
  assert.equal(missing.status, 404);
});
