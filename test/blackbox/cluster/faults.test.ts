/**
 * Faults of a three-node cluster (test/helpers/cluster.ts; liveness window 3 s): a killed node
 * stops blocking Deployed once its heartbeat is stale; a node that was down applies the changes
 * and invalidations it missed before it serves (its disk cache included); while Redis is down
 * the nodes go on serving, writes answer 503 ServiceUnavailable and reads the local copy; a
 * Redis back empty is re-seeded and nothing acknowledged is lost; a node killed in the middle of
 * writing leaves a state every other node can read and build on.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CreateInvalidationCommand,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  GetInvalidationCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
} from '@aws-sdk/client-cloudfront';
import { Redis } from 'ioredis';
import {
  CLUSTER_DISTRIBUTION,
  type ClusterMember,
  eventually,
  setOriginPath,
  startCluster,
  statusOn,
  type TestCluster,
} from '../../helpers/cluster.js';
import { diskCacheEntries } from '../../helpers/disk-cache.js';
import { createTagInvalidation } from '../../helpers/tag-invalidation.js';

let cluster: TestCluster;
before(async () => {
  // A 3 s window: long enough that a change made right after a kill sees the dead node still
  // counted on a loaded machine, short enough to wait out.
  cluster = await startCluster(3, {
    args: ['--cache-disk', '16MiB'],
    env: { EDGEFRONT_CLUSTER_LIVENESS_MS: '3000' },
  });
});
after(() => cluster?.close());

async function servedBy(node: ClusterMember, originPath: string): Promise<void> {
  await eventually(`serves ${originPath}`, async () => {
    const res = await node.get('/live/x');
    return res.body.startsWith(`origin saw ${originPath}/live/x`) ? true : undefined;
  });
}

test('a killed node holds a change InProgress until its heartbeat is older than the window, then stops counting', async () => {
  await cluster.stop(2, { crash: true });
  const [a] = cluster.nodes;
  await setOriginPath(a, '/after-kill');
  // Its last heartbeat (≤ 100 ms before the kill) is still under the 3 s window: it counts, and
  // it does not serve the new version.
  assert.equal(await statusOn(a), 'InProgress');
  await eventually('Deployed once the dead node stops counting', async () =>
    (await statusOn(a)) === 'Deployed' ? true : undefined,
  );
  await cluster.start(2);
  await servedBy(cluster.nodes[2], '/after-kill');
});

test('a node that was down applies what it missed, changes and invalidations (paths and tags), before it serves', async () => {
  const c = cluster.nodes[2];
  for (const path of ['/cached/gone', '/cached/kept', '/tagged/down/x']) {
    await c.get(path);
    assert.equal((await c.get(path)).headers['x-cache'], 'Hit from cloudfront');
  }
  await eventually('both objects written to the disk cache', async () =>
    (await diskCacheEntries(c.stateDir)) >= 3 ? true : undefined,
  );
  await cluster.stop(2);
  const [a] = cluster.nodes;
  await setOriginPath(a, '/while-down');
  const created = await a.api.cf.send(
    new CreateInvalidationCommand({
      DistributionId: CLUSTER_DISTRIBUTION,
      InvalidationBatch: { CallerReference: 'while-down', Paths: { Quantity: 1, Items: ['/cached/gone'] } },
    }),
  );
  // A node that stopped cleanly left the cluster: the invalidation completes without it.
  await eventually('Completed without the stopped node', async () => {
    const got = await a.api.cf.send(
      new GetInvalidationCommand({ DistributionId: CLUSTER_DISTRIBUTION, Id: created.Invalidation?.Id }),
    );
    return got.Invalidation?.Status === 'Completed' ? true : undefined;
  });
  await createTagInvalidation(a.api.edge.admin as URL, CLUSTER_DISTRIBUTION, ['down'], 'tag-while-down');
  const back = await cluster.start(2);
  // The very first requests after it listens: the new config, and the invalidated object is
  // gone from its disk cache while the other one is still a hit there.
  assert.ok((await back.get('/live/x')).body.startsWith('origin saw /while-down/live/x'));
  assert.equal((await back.get('/cached/kept')).headers['x-cache'], 'Hit from cloudfront');
  assert.equal((await back.get('/cached/gone')).headers['x-cache'], 'Miss from cloudfront');
  assert.equal((await back.get('/tagged/down/x')).headers['x-cache'], 'Miss from cloudfront');
});

test('Redis down: nodes serve the last good config, writes answer 503 ServiceUnavailable, reads the local copy; Redis back empty: re-seeded, nothing lost', async () => {
  const [a, b, c] = cluster.nodes;
  const arn = (await a.api.cf.send(new GetDistributionCommand({ Id: CLUSTER_DISTRIBUTION }))).Distribution
    ?.ARN as string;
  await a.api.cf.send(
    new TagResourceCommand({ Resource: arn, Tags: { Items: [{ Key: 'before-outage', Value: 'kept' }] } }),
  );
  await setOriginPath(a, '/before-outage');
  for (const node of cluster.nodes) await servedBy(node, '/before-outage');
  await cluster.redis.stop({ crash: true });

  for (const node of cluster.nodes) {
    assert.ok((await node.get('/live/x')).body.startsWith('origin saw /before-outage/live/x'));
  }
  await assert.rejects(
    setOriginPath(b, '/during-outage'),
    (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(err.name, 'ServiceUnavailable', err.message);
      assert.equal(err.$metadata?.httpStatusCode, 503);
      return true;
    },
  );
  const read = await c.api.cf.send(new GetDistributionConfigCommand({ Id: CLUSTER_DISTRIBUTION }));
  assert.equal(read.DistributionConfig?.Origins?.Items?.[0].OriginPath, '/before-outage');

  await cluster.redis.restart(); // empty: it lost everything
  await eventually(
    'writes work again',
    async () => {
      await setOriginPath(b, '/after-outage');
      return true;
    },
    15_000,
    100,
  );
  for (const node of cluster.nodes) await servedBy(node, '/after-outage');
  // The state Redis holds again is the whole acknowledged one, not just the last change.
  const client = new Redis(cluster.redis.url, { maxRetriesPerRequest: 1 });
  try {
    const keys = await client.keys('*');
    assert.ok(
      keys.some((k) => k.endsWith(':state')),
      keys.join(', '),
    );
  } finally {
    client.disconnect();
  }
  const tags = await c.api.cf.send(new ListTagsForResourceCommand({ Resource: arn }));
  assert.deepEqual(
    tags.Tags?.Items?.map((t) => t.Key),
    ['before-outage'],
  );
});

test('a node killed while writing leaves a state the others read and build on; every acknowledged write is there', async () => {
  const [a, b] = cluster.nodes;
  const arn = (await a.api.cf.send(new GetDistributionCommand({ Id: CLUSTER_DISTRIBUTION }))).Distribution
    ?.ARN as string;
  const acknowledged: string[] = [];
  const writer = (async () => {
    for (let n = 0; n < 200; n++) {
      const Key = `crash-${n}`;
      try {
        await b.api.cf.send(
          new TagResourceCommand({ Resource: arn, Tags: { Items: [{ Key, Value: 'v' }] } }),
        );
      } catch {
        return;
      }
      acknowledged.push(Key);
    }
  })();
  await eventually('some writes acknowledged', async () => (acknowledged.length >= 5 ? true : undefined));
  await cluster.stop(1, { crash: true });
  await writer;
  await setOriginPath(a, '/after-crash');
  await servedBy(cluster.nodes[2], '/after-crash');
  const tags = await a.api.cf.send(new ListTagsForResourceCommand({ Resource: arn }));
  const keys = new Set((tags.Tags?.Items ?? []).map((t) => t.Key));
  for (const key of acknowledged) assert.ok(keys.has(key), `${key} was acknowledged`);
  await cluster.start(1);
  await servedBy(cluster.nodes[1], '/after-crash');
});
