/**
 * CreateInvalidation through the real SDK purges the running edge's cache (the origin is asked
 * again), records the batch InProgress then Completed, and refuses bad paths and reused caller
 * references as CloudFront does.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CreateInvalidationCommand,
  GetInvalidationCommand,
  ListInvalidationsCommand,
} from '@aws-sdk/client-cloudfront';
import { distributionOver, tempDir, writeYaml } from '../../helpers/config.js';
import { startApiEdge } from '../../helpers/control-api.js';
import { startOrigin } from '../../helpers/origin.js';

async function setup(t: { after(fn: () => unknown): void }) {
  const origin = await startOrigin((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=3600' });
    res.end(`body of ${req.url}`);
  });
  const dir = await tempDir();
  const config = await writeYaml(dir.dir, 'edgefront.yaml', {
    Distributions: [distributionOver('E1INVAL', origin.port, [])],
  });
  const api = await startApiEdge(['--config', config]);
  t.after(async () => {
    await api.edge.close();
    await origin.close();
    await dir.remove();
  });
  return { origin, api };
}

const xCache = async (url: string) => {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.headers.get('x-cache');
};

test('an invalidation purges the cached paths: the next request goes to the origin again', async (t) => {
  const { api, origin } = await setup(t);
  assert.equal(await xCache(api.edge.url('/img/a.png')), 'Miss from cloudfront');
  assert.equal(await xCache(api.edge.url('/img/a.png')), 'Hit from cloudfront');
  assert.equal(await xCache(api.edge.url('/keep.html')), 'Miss from cloudfront');
  const created = await api.cf.send(
    new CreateInvalidationCommand({
      DistributionId: 'E1INVAL',
      InvalidationBatch: { CallerReference: 'release-1', Paths: { Quantity: 1, Items: ['/img/*'] } },
    }),
  );
  const id = created.Invalidation?.Id as string;
  assert.match(id, /^I[A-Z0-9]+$/);
  assert.equal(created.Invalidation?.Status, 'InProgress');
  assert.ok(created.Location?.endsWith(`/distribution/E1INVAL/invalidation/${id}`));
  const got = await api.cf.send(new GetInvalidationCommand({ DistributionId: 'E1INVAL', Id: id }));
  assert.equal(got.Invalidation?.Status, 'Completed');
  assert.deepEqual(got.Invalidation?.InvalidationBatch?.Paths?.Items, ['/img/*']);
  const hitsBefore = origin.hits;
  assert.equal(await xCache(api.edge.url('/img/a.png')), 'Miss from cloudfront');
  assert.equal(await xCache(api.edge.url('/keep.html')), 'Hit from cloudfront');
  assert.equal(origin.hits, hitsBefore + 1);
});

test('the same CallerReference returns the earlier invalidation; other paths with it are refused', async (t) => {
  const { api } = await setup(t);
  const batch = { CallerReference: 'same', Paths: { Quantity: 2, Items: ['/a', '/b'] } };
  const first = await api.cf.send(
    new CreateInvalidationCommand({ DistributionId: 'E1INVAL', InvalidationBatch: batch }),
  );
  const second = await api.cf.send(
    new CreateInvalidationCommand({ DistributionId: 'E1INVAL', InvalidationBatch: batch }),
  );
  assert.equal(second.Invalidation?.Id, first.Invalidation?.Id);
  await assert.rejects(
    api.cf.send(
      new CreateInvalidationCommand({
        DistributionId: 'E1INVAL',
        InvalidationBatch: { CallerReference: 'same', Paths: { Quantity: 1, Items: ['/c'] } },
      }),
    ),
    { name: 'InvalidationBatchAlreadyExists' },
  );
  const list = await api.cf.send(new ListInvalidationsCommand({ DistributionId: 'E1INVAL' }));
  assert.equal(list.InvalidationList?.Quantity, 1);
  assert.equal(list.InvalidationList?.Items?.[0].Status, 'Completed');
});

test('paths the API refuses are InvalidArgument; an unknown distribution is NoSuchDistribution', async (t) => {
  const { api } = await setup(t);
  for (const path of ['no-slash', '/a'.padEnd(4002, 'x')]) {
    await assert.rejects(
      api.cf.send(
        new CreateInvalidationCommand({
          DistributionId: 'E1INVAL',
          InvalidationBatch: { CallerReference: `bad-${path.length}`, Paths: { Quantity: 1, Items: [path] } },
        }),
      ),
      { name: 'InvalidArgument' },
    );
  }
  await assert.rejects(
    api.cf.send(
      new CreateInvalidationCommand({
        DistributionId: 'E1NOSUCH',
        InvalidationBatch: { CallerReference: 'x', Paths: { Quantity: 1, Items: ['/a'] } },
      }),
    ),
    { name: 'NoSuchDistribution' },
  );
  await assert.rejects(
    api.cf.send(new GetInvalidationCommand({ DistributionId: 'E1INVAL', Id: 'INOSUCH' })),
    {
      name: 'NoSuchInvalidation',
    },
  );
  await assert.rejects(
    api.cf.send(
      new CreateInvalidationCommand({
        DistributionId: 'E1INVAL',
        InvalidationBatch: { CallerReference: 'q', Paths: { Quantity: 2, Items: ['/a'] } },
      }),
    ),
    { name: 'InconsistentQuantities' },
  );
});

test('more wildcard paths than CloudFront allows in progress is TooManyInvalidationsInProgress', async (t) => {
  const { api } = await setup(t);
  const paths = Array.from({ length: 16 }, (_, i) => `/w${i}/*`);
  await assert.rejects(
    api.cf.send(
      new CreateInvalidationCommand({
        DistributionId: 'E1INVAL',
        InvalidationBatch: { CallerReference: 'many', Paths: { Quantity: paths.length, Items: paths } },
      }),
    ),
    { name: 'TooManyInvalidationsInProgress' },
  );
});
