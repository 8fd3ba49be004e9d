import assert from 'node:assert/strict';
import test from 'node:test';
import { tempDir, writeYaml } from '../../helpers/config.js';
import { startEdgeProcess } from '../../helpers/edge-process.js';
import { startOrigin } from '../../helpers/origin.js';

test('--s3-endpoint sends S3 REST origin requests path-style to the endpoint', async (t) => {
  const s3 = await startOrigin((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', etag: '"abc"', server: 'AmazonS3' });
    res.end('object body');
  });
  const tmp = await tempDir();
  const config = await writeYaml(tmp.dir, 'edgefront.yaml', {
    Distributions: [
      {
        Id: 'E1S3ENDPOINT',
        DistributionConfig: {
          Enabled: true,
          Origins: [
            {
              Id: 'bucket',
              DomainName: 'media-bucket.s3.eu-west-1.amazonaws.com',
              OriginPath: '/v2',
              S3OriginConfig: { OriginAccessIdentity: '' },
            },
          ],
          DefaultCacheBehavior: {
            TargetOriginId: 'bucket',
            ViewerProtocolPolicy: 'allow-all',
            CachePolicyId: 'CachingOptimized',
          },
        },
      },
    ],
  });
  const edge = await startEdgeProcess(['--config', config, '--s3-endpoint', s3.url]);
  t.after(() => Promise.all([edge.close(), s3.close(), tmp.remove()]));
  const res = await fetch(edge.url('/img/cat.jpg?size=large'));
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'object body');
  const seen = s3.requests.at(-1)!;
  assert.equal(seen.url, '/media-bucket/v2/img/cat.jpg'); // path-style, OriginPath kept, no query (CachingOptimized)
  assert.equal(seen.headers.host, `127.0.0.1:${s3.port}`);
  assert.equal(seen.headers['user-agent'], 'Amazon CloudFront');
});
