import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import test from 'node:test';
import { createEdge } from '../../../src/index.js';
import { startOrigin } from '../../helpers/origin.js';

function groupConfig(primaryPort: number, secondaryPort: number, codes: number[]) {
  const origin = (Id: string, port: number) => ({
    Id,
    DomainName: '127.0.0.1',
    ConnectionAttempts: 1,
    CustomOriginConfig: { HTTPPort: port, OriginProtocolPolicy: 'http-only' },
  });
  return {
    Distributions: [
      {
        Id: 'E1GROUPS',
        DistributionConfig: {
          Enabled: true,
          Origins: [origin('primary', primaryPort), origin('secondary', secondaryPort)],
          OriginGroups: {
            Quantity: 1,
            Items: [
              {
                Id: 'group',
                FailoverCriteria: { StatusCodes: { Quantity: codes.length, Items: codes } },
                Members: { Quantity: 2, Items: [{ OriginId: 'primary' }, { OriginId: 'secondary' }] },
              },
            ],
          },
          DefaultCacheBehavior: {
            TargetOriginId: 'group',
            ViewerProtocolPolicy: 'allow-all',
            CachePolicyId: 'CachingDisabled',
            AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
          },
        },
      },
    ],
  };
}

test('an origin group fails over to the secondary on a FailoverCriteria status, for GET only', async (t) => {
  const primary = await startOrigin((_req, res) => {
    res.writeHead(503, { 'content-type': 'text/plain' });
    res.end('primary down');
  });
  const secondary = await startOrigin((_req, res) => res.end('from secondary'));
  const edge = await createEdge({ config: groupConfig(primary.port, secondary.port, [500, 503]) });
  t.after(() => Promise.all([edge.close(), primary.close(), secondary.close()]));

  const get = await edge.fetch('http://localhost/item');
  assert.equal(await get.text(), 'from secondary');
  assert.equal(primary.hits, 1); // every miss tries the primary first
  const again = await edge.fetch('http://localhost/item');
  assert.equal(await again.text(), 'from secondary');
  assert.equal(primary.hits, 2); // no stickiness

  const post = await edge.fetch('http://localhost/item', { method: 'POST', body: 'x' });
  assert.equal(post.status, 503); // POST never fails over
  assert.equal(secondary.hits, 2);
});

test('a status outside FailoverCriteria is returned from the primary', async (t) => {
  const primary = await startOrigin((_req, res) => {
    res.writeHead(404);
    res.end('not here');
  });
  const secondary = await startOrigin((_req, res) => res.end('secondary'));
  const edge = await createEdge({ config: groupConfig(primary.port, secondary.port, [503]) });
  t.after(() => Promise.all([edge.close(), primary.close(), secondary.close()]));
  const res = await edge.fetch('http://localhost/x');
  assert.equal(res.status, 404);
  assert.equal(secondary.hits, 0);
});

test('a primary that cannot be reached fails over only when 503 is in FailoverCriteria', async (t) => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const deadPort = (closed.address() as { port: number }).port;
  await new Promise((resolve) => closed.close(resolve)); // nothing listens there now
  const secondary = await startOrigin((_req, res) => res.end('secondary'));
  const withFailover = await createEdge({ config: groupConfig(deadPort, secondary.port, [503]) });
  const without = await createEdge({ config: groupConfig(deadPort, secondary.port, [404]) });
  t.after(() => Promise.all([withFailover.close(), without.close(), secondary.close()]));
  assert.equal(await (await withFailover.fetch('http://localhost/x')).text(), 'secondary');
  assert.equal((await without.fetch('http://localhost/x')).status, 502);
});

test('a request that already passed through two CloudFront distributions is refused with 403', async (t) => {
  const origin = await startOrigin();
  const edge = await createEdge({ config: groupConfig(origin.port, origin.port, [503]) });
  t.after(() => Promise.all([edge.close(), origin.close()]));
  const via = '1.1 a.cloudfront.net (CloudFront), 1.1 b.cloudfront.net (CloudFront)';
  assert.equal((await edge.fetch('http://localhost/x', { headers: { via } })).status, 403);
  const once = '1.1 a.cloudfront.net (CloudFront)';
  assert.equal((await edge.fetch('http://localhost/x', { headers: { via: once } })).status, 200);
});
