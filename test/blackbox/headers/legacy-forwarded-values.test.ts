import assert from 'node:assert/strict';
import test from 'node:test';
import { createEdge } from '../../../src/index.js';
import { startOrigin } from '../../helpers/origin.js';

test('legacy ForwardedValues forward every query string, other headers, and only whitelisted special ones', async (t) => {
  const origin = await startOrigin();
  const edge = await createEdge({
    config: {
      Distributions: [
        {
          Id: 'E1LEGACY',
          DistributionConfig: {
            Enabled: true,
            Origins: [
              {
                Id: 'o',
                DomainName: 'app.internal',
                CustomOriginConfig: { HTTPPort: 80, OriginProtocolPolicy: 'http-only' },
              },
            ],
            DefaultCacheBehavior: {
              TargetOriginId: 'o',
              ViewerProtocolPolicy: 'allow-all',
              Compress: true,
              ForwardedValues: {
                QueryString: true,
                QueryStringCacheKeys: ['a'],
                Headers: ['Accept-Language'],
              },
            },
          },
        },
      ],
    },
    originOverrides: { 'app.internal': origin.url },
  });
  t.after(() => Promise.all([edge.close(), origin.close()]));
  await edge.fetch('http://www.example.com/p?a=1&b=2', {
    headers: {
      'x-custom': 'kept',
      'accept-language': 'de',
      referer: 'https://r.example/',
      accept: 'text/html',
      'user-agent': 'curl/8',
      'accept-encoding': 'gzip, br',
    },
  });
  const seen = origin.requests[0];
  assert.equal(seen.url, '/p?a=1&b=2'); // QueryStringCacheKeys keys on `a` but forwards all
  assert.equal(seen.headers['x-custom'], 'kept'); // "other-defined" headers pass on legacy behaviors
  assert.equal(seen.headers['accept-language'], 'de'); // whitelisted
  assert.equal(seen.headers.referer, undefined);
  assert.equal(seen.headers.accept, undefined);
  assert.equal(seen.headers.host, 'app.internal');
  assert.equal(seen.headers['user-agent'], 'Amazon CloudFront');
  assert.equal(seen.headers['accept-encoding'], 'gzip'); // legacy can't do Brotli
});
