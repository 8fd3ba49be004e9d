/**
 * `serve --redis` on the two other deployments it takes, for real: a 3-master Redis Cluster
 * (`redis+cluster://`, every key under one hash tag, so each script runs on one slot) and a
 * master watched by a Sentinel (`redis+sentinel://…/MASTER`). Two `edgefront serve` nodes each:
 * a change through one is served by the other and Deployed on both; an invalidation through the
 * other completes and clears the object on both.
 */
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { CreateInvalidationCommand, GetInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { Redis } from 'ioredis';
import {
  CLUSTER_DISTRIBUTION,
  eventually,
  setOriginPath,
  startCluster,
  statusOn,
  type TestCluster,
} from '../../helpers/cluster.js';
import { type RedisBackend, startRedisCluster, startRedisSentinel } from '../../helpers/redis-server.js';

async function changeAndInvalidate<R extends RedisBackend>(cluster: TestCluster<R>, label: string) {
  const [a, b] = cluster.nodes;
  for (const node of cluster.nodes) {
    await node.get('/cached/a');
    assert.equal((await node.get('/cached/a')).headers['x-cache'], 'Hit from cloudfront');
  }
  await setOriginPath(a, `/${label}`);
  await eventually(`node b serves /${label}`, async () =>
    (await b.get('/live/x')).body.startsWith(`origin saw /${label}/live/x`) ? true : undefined,
  );
  for (const [i, node] of cluster.nodes.entries()) {
    await eventually(`node ${i} says Deployed`, async () =>
      (await statusOn(node)) === 'Deployed' ? true : undefined,
    );
  }
  const created = await b.api.cf.send(
    new CreateInvalidationCommand({
      DistributionId: CLUSTER_DISTRIBUTION,
      InvalidationBatch: { CallerReference: `${label}-inv`, Paths: { Quantity: 1, Items: ['/cached/*'] } },
    }),
  );
  await eventually('the invalidation reads Completed on node a', async () => {
    const got = await a.api.cf.send(
      new GetInvalidationCommand({ DistributionId: CLUSTER_DISTRIBUTION, Id: created.Invalidation?.Id }),
    );
    return got.Invalidation?.Status === 'Completed' ? true : undefined;
  });
  for (const [i, node] of cluster.nodes.entries())
    assert.equal((await node.get('/cached/a')).headers['x-cache'], 'Miss from cloudfront', `node ${i}`);
}

async function started<R extends RedisBackend>(t: TestContext, redis: () => Promise<R>) {
  const cluster = await startCluster(2, { redis });
  t.after(() => cluster.close());
  return cluster;
}

test('Redis Cluster (3 masters): a change is served and Deployed on both nodes, an invalidation completes', async (t) => {
  const cluster = await started(t, startRedisCluster);
  await changeAndInvalidate(cluster, 'on-redis-cluster');
  // The shared state really is in the Redis Cluster: every key on one master, in one slot.
  const byMaster: string[][] = [];
  const slots = new Set<number>();
  for (const node of cluster.redis.nodes) {
    const client = new Redis(node.url, { maxRetriesPerRequest: 1 });
    try {
      const keys = await client.keys('*');
      byMaster.push(keys);
      for (const key of keys) slots.add(Number(await client.cluster('KEYSLOT', key)));
    } finally {
      client.disconnect();
    }
  }
  const holders = byMaster.filter((keys) => keys.length > 0);
  assert.equal(holders.length, 1, JSON.stringify(byMaster));
  assert.ok(holders[0].includes('{edgefront:123456789012}:state'), holders[0].join(' '));
  assert.equal(slots.size, 1);
});

test('Sentinel (one master, quorum 1): a change is served and Deployed on both nodes, an invalidation completes', async (t) => {
  const cluster = await started(t, startRedisSentinel);
  await changeAndInvalidate(cluster, 'on-sentinel');
  // The nodes found the master through the sentinel: the state is on it.
  const master = new Redis(cluster.redis.master.url, { maxRetriesPerRequest: 1 });
  t.after(() => master.disconnect());
  assert.ok(await master.exists('{edgefront:123456789012}:state'));
});
