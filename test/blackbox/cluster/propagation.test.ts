/**
 * Three real `edgefront serve --redis` processes on one redis-server (test/helpers/cluster.ts):
 * a change, a key value store write and an invalidation through one node's API reach all three,
 * concurrent writes through different nodes lose nothing, and Deployed / Completed mean every
 * node serves the change; a tag invalidation (edgefront's API) does the same.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CreateInvalidationCommand,
  DescribeKeyValueStoreCommand,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  GetInvalidationCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UpdateDistributionCommand,
} from '@aws-sdk/client-cloudfront';
import {
  DescribeKeyValueStoreCommand as DescribeDataCommand,
  PutKeyCommand,
} from '@aws-sdk/client-cloudfront-keyvaluestore';
import {
  CLUSTER_DISTRIBUTION,
  type ClusterMember,
  eventually,
  setOriginPath,
  startCluster,
  statusOn,
  type TestCluster,
} from '../../helpers/cluster.js';
import { createTagInvalidation, getTagInvalidation } from '../../helpers/tag-invalidation.js';

let cluster: TestCluster;
before(async () => {
  cluster = await startCluster(3);
});
after(() => cluster?.close());

/** Waits until every node serves `/live/x` through `originPath`. */
async function servedEverywhere(originPath: string): Promise<void> {
  for (const [i, node] of cluster.nodes.entries()) {
    await eventually(`node ${i} serves ${originPath}`, async () => {
      const res = await node.get('/live/x');
      return res.body.startsWith(`origin saw ${originPath}/live/x`) ? true : undefined;
    });
  }
}

test('a change through one node is served by all three, and every node reports it Deployed', async () => {
  const [a] = cluster.nodes;
  const etag = await setOriginPath(a, '/v1');
  await servedEverywhere('/v1');
  for (const [i, node] of cluster.nodes.entries()) {
    await eventually(`node ${i} says Deployed`, async () =>
      (await statusOn(node)) === 'Deployed' ? true : undefined,
    );
    // Every node answers the same ETag for it: one shared state.
    const got = await node.api.cf.send(new GetDistributionConfigCommand({ Id: CLUSTER_DISTRIBUTION }));
    assert.equal(got.ETag, etag);
    assert.equal(got.DistributionConfig?.Origins?.Items?.[0].OriginPath, '/v1');
  }
});

test('two nodes updating with the same ETag at once: one wins, the other is PreconditionFailed, all serve the winner', async () => {
  const [a, b] = cluster.nodes;
  const current = await a.api.cf.send(new GetDistributionConfigCommand({ Id: CLUSTER_DISTRIBUTION }));
  const update = (node: ClusterMember, originPath: string) => {
    const config = structuredClone(current.DistributionConfig!);
    config.Origins!.Items![0].OriginPath = originPath;
    return node.api.cf.send(
      new UpdateDistributionCommand({
        Id: CLUSTER_DISTRIBUTION,
        IfMatch: current.ETag,
        DistributionConfig: config,
      }),
    );
  };
  const results = await Promise.allSettled([update(a, '/from-a'), update(b, '/from-b')]);
  const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
  assert.equal(won.length, 1, `exactly one update wins: ${JSON.stringify(results.map((r) => r.status))}`);
  const lost = results[1 - won[0]] as PromiseRejectedResult;
  assert.equal((lost.reason as Error).name, 'PreconditionFailed');
  await servedEverywhere(won[0] === 0 ? '/from-a' : '/from-b');
});

test('concurrent changes through all three nodes lose nothing', async () => {
  const got = await cluster.nodes[0].api.cf.send(new GetDistributionCommand({ Id: CLUSTER_DISTRIBUTION }));
  const arn = got.Distribution?.ARN as string;
  // Each TagResource reads the state, adds one tag and stores it: without a compare-and-set on
  // the shared version, two nodes writing at once would each drop the other's tag.
  await Promise.all(
    cluster.nodes.map(async (node, i) => {
      for (let n = 0; n < 5; n++) {
        await node.api.cf.send(
          new TagResourceCommand({
            Resource: arn,
            Tags: { Items: [{ Key: `node${i}-tag${n}`, Value: 'v' }] },
          }),
        );
      }
    }),
  );
  for (const node of cluster.nodes) {
    const tags = await node.api.cf.send(new ListTagsForResourceCommand({ Resource: arn }));
    const keys = (tags.Tags?.Items ?? []).map((t) => t.Key).sort();
    assert.equal(keys.length, 15, `every tag is kept: ${keys.join(', ')}`);
  }
});

test('a KeyValueStore PutKey through one node is what a function reads on the others', async () => {
  const [, b, c] = cluster.nodes;
  const store = await b.api.cf.send(new DescribeKeyValueStoreCommand({ Name: 'flags' }));
  const arn = store.KeyValueStore?.ARN as string;
  assert.equal((await c.get('/color')).headers['x-color'], 'red');
  const { ETag } = await b.kvs.send(new DescribeDataCommand({ KvsARN: arn }));
  await b.kvs.send(new PutKeyCommand({ KvsARN: arn, Key: 'color', Value: 'blue', IfMatch: ETag }));
  for (const [i, node] of cluster.nodes.entries()) {
    await eventually(`node ${i}'s function reads blue`, async () =>
      (await node.get('/color')).headers['x-color'] === 'blue' ? true : undefined,
    );
  }
  // The data plane of another node answers the new data and ETag too.
  await eventually('node c describes the new data', async () => {
    const data = await c.kvs.send(new DescribeDataCommand({ KvsARN: arn }));
    return data.ETag !== ETag && data.ItemCount === 1 ? true : undefined;
  });
});

test('an invalidation through one node clears the object on all three and reads Completed', async () => {
  for (const node of cluster.nodes) {
    await node.get('/cached/a');
    const hit = await node.get('/cached/a');
    assert.equal(hit.headers['x-cache'], 'Hit from cloudfront');
  }
  const created = await cluster.nodes[0].api.cf.send(
    new CreateInvalidationCommand({
      DistributionId: CLUSTER_DISTRIBUTION,
      InvalidationBatch: { CallerReference: 'inv-1', Paths: { Quantity: 1, Items: ['/cached/*'] } },
    }),
  );
  const id = created.Invalidation?.Id as string;
  const c = cluster.nodes[2];
  await eventually('the invalidation reads Completed', async () => {
    const got = await c.api.cf.send(
      new GetInvalidationCommand({ DistributionId: CLUSTER_DISTRIBUTION, Id: id }),
    );
    return got.Invalidation?.Status === 'Completed' ? true : undefined;
  });
  // Completed means every node purged it: none answers the old object from its cache.
  for (const [i, node] of cluster.nodes.entries()) {
    const res = await node.get('/cached/a');
    assert.equal(res.headers['x-cache'], 'Miss from cloudfront', `node ${i}`);
  }
});

test('a tag invalidation through one node clears the tagged objects on all three and reads Completed', async () => {
  const paths = ['/tagged/sale/a', '/tagged/other/a', '/untagged/a'];
  for (const node of cluster.nodes) {
    for (const path of paths) {
      await node.get(path);
      assert.equal((await node.get(path)).headers['x-cache'], 'Hit from cloudfront', path);
    }
  }
  const [a, , c] = cluster.nodes;
  const created = await createTagInvalidation(
    a.api.edge.admin as URL,
    CLUSTER_DISTRIBUTION,
    ['sale'],
    'tag-1',
  );
  await eventually('the tag invalidation reads Completed on another node', async () => {
    const got = await getTagInvalidation(c.api.edge.admin as URL, CLUSTER_DISTRIBUTION, created.Id);
    return got.Status === 'Completed' ? true : undefined;
  });
  // Completed means every node purged the tag, and only the tag.
  for (const [i, node] of cluster.nodes.entries()) {
    assert.equal((await node.get('/tagged/sale/a')).headers['x-cache'], 'Miss from cloudfront', `node ${i}`);
    assert.equal((await node.get('/tagged/other/a')).headers['x-cache'], 'Hit from cloudfront', `node ${i}`);
    assert.equal((await node.get('/untagged/a')).headers['x-cache'], 'Hit from cloudfront', `node ${i}`);
  }
});
