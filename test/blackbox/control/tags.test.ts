/**
 * TagResource, UntagResource and ListTagsForResource through the real `@aws-sdk/client-cloudfront`
 * against `edgefront serve`: distributions (config-file and API ones), functions and key value
 * stores take tags; CloudFront's limits are InvalidTagging; unknown resources NoSuchResource;
 * tags persist in --state-dir and never touch the resource's ETag.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import {
  type CloudFrontClient,
  CreateDistributionWithTagsCommand,
  GetDistributionCommand,
  ListTagsForResourceCommand,
  type Tag,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-cloudfront';
import { simpleConfig, tempDir, writeYaml } from '../../helpers/config.js';
import { apiDistributionConfig, startApiEdge } from '../../helpers/control-api.js';

const ACCOUNT = '123456789012';
const DISTRIBUTION = `arn:aws:cloudfront::${ACCOUNT}:distribution/E1TEST`;
const FUNCTION = `arn:aws:cloudfront::${ACCOUNT}:function/rewrite`;
const KVS_ID = '0a1b2c3d-4e5f-4a7b-8c9d-0e1f2a3b4c5d';
const KEY_VALUE_STORE = `arn:aws:cloudfront::${ACCOUNT}:key-value-store/${KVS_ID}`;

/** E1TEST, the function `rewrite` and the store `flags`, all from the config file. */
const CONFIG = {
  ...simpleConfig(8080),
  Functions: [
    {
      Name: 'rewrite',
      FunctionConfig: { Comment: '', Runtime: 'cloudfront-js-2.0' },
      FunctionCode: 'function handler(event) { return event.request; }',
    },
  ],
  KeyValueStores: [{ Name: 'flags', Id: KVS_ID }],
};

async function setup(t: TestContext) {
  const dir = await tempDir();
  const stateDir = join(dir.dir, 'state');
  const serve = ['--state-dir', stateDir, '--config', await writeYaml(dir.dir, 'edgefront.yaml', CONFIG)];
  const api = await startApiEdge(serve);
  t.after(() => api.edge.close().then(dir.remove));
  return { api, serve };
}

const tagsOf = async (cf: CloudFrontClient, Resource: string) =>
  (await cf.send(new ListTagsForResourceCommand({ Resource }))).Tags?.Items ?? [];

const byKey = (tags: Tag[]) => [...tags].sort((a, b) => String(a.Key).localeCompare(String(b.Key)));

test('a config-file distribution is tagged, retagged and untagged; its ETag never changes', async (t) => {
  const { api } = await setup(t);
  const before = await api.cf.send(new GetDistributionCommand({ Id: 'E1TEST' }));
  assert.deepEqual(await tagsOf(api.cf, DISTRIBUTION), []);
  await api.cf.send(
    new TagResourceCommand({
      Resource: DISTRIBUTION,
      Tags: {
        Items: [
          { Key: 'team', Value: 'web' },
          { Key: 'cost-center', Value: '' },
          { Key: 'Ünïcode key 1', Value: 'a:b/c=d+e@f' },
          { Key: '__proto__', Value: 'just a key' },
        ],
      },
    }),
  );
  assert.deepEqual(byKey(await tagsOf(api.cf, DISTRIBUTION)), [
    { Key: '__proto__', Value: 'just a key' },
    { Key: 'cost-center', Value: '' },
    { Key: 'team', Value: 'web' },
    { Key: 'Ünïcode key 1', Value: 'a:b/c=d+e@f' },
  ]);
  // Tagging again overwrites a key's value and keeps the others.
  await api.cf.send(
    new TagResourceCommand({ Resource: DISTRIBUTION, Tags: { Items: [{ Key: 'team', Value: 'edge' }] } }),
  );
  await api.cf.send(
    new UntagResourceCommand({ Resource: DISTRIBUTION, TagKeys: { Items: ['cost-center', 'never-set'] } }),
  );
  assert.deepEqual(byKey(await tagsOf(api.cf, DISTRIBUTION)), [
    { Key: '__proto__', Value: 'just a key' },
    { Key: 'team', Value: 'edge' },
    { Key: 'Ünïcode key 1', Value: 'a:b/c=d+e@f' },
  ]);
  const after = await api.cf.send(new GetDistributionCommand({ Id: 'E1TEST' }));
  assert.equal(after.ETag, before.ETag);
});

test('CreateDistributionWithTags tags show in ListTagsForResource', async (t) => {
  const { api } = await setup(t);
  const created = await api.cf.send(
    new CreateDistributionWithTagsCommand({
      DistributionConfigWithTags: {
        DistributionConfig: apiDistributionConfig(8080, 'ref-tags'),
        Tags: { Items: [{ Key: 'env', Value: 'ci' }] },
      },
    }),
  );
  assert.deepEqual(await tagsOf(api.cf, created.Distribution?.ARN as string), [{ Key: 'env', Value: 'ci' }]);
});

test('functions and key value stores take tags too', async (t) => {
  const { api } = await setup(t);
  for (const Resource of [FUNCTION, KEY_VALUE_STORE]) {
    await api.cf.send(
      new TagResourceCommand({ Resource, Tags: { Items: [{ Key: 'owner', Value: 'platform' }] } }),
    );
    assert.deepEqual(await tagsOf(api.cf, Resource), [{ Key: 'owner', Value: 'platform' }], Resource);
  }
});

test('an ARN naming nothing on this edge is NoSuchResource; one that is no CloudFront ARN is InvalidArgument', async (t) => {
  const { api } = await setup(t);
  const items = { Items: [{ Key: 'k', Value: 'v' }] };
  for (const Resource of [
    `arn:aws:cloudfront::${ACCOUNT}:distribution/ENOSUCH`,
    `arn:aws:cloudfront::999999999999:distribution/E1TEST`,
    `arn:aws:cloudfront::${ACCOUNT}:function/missing`,
    `arn:aws:cloudfront::${ACCOUNT}:cache-policy/658327ea-f89d-4fab-a63d-7e88639e58f6`,
  ]) {
    await assert.rejects(api.cf.send(new TagResourceCommand({ Resource, Tags: items })), {
      name: 'NoSuchResource',
    });
    await assert.rejects(api.cf.send(new UntagResourceCommand({ Resource, TagKeys: { Items: ['k'] } })), {
      name: 'NoSuchResource',
    });
    await assert.rejects(api.cf.send(new ListTagsForResourceCommand({ Resource })), {
      name: 'NoSuchResource',
    });
  }
  await assert.rejects(
    api.cf.send(new TagResourceCommand({ Resource: 'arn:aws:s3:::bucket', Tags: items })),
    {
      name: 'InvalidArgument',
    },
  );
});

test('keys and values CloudFront refuses, and a 51st tag, are InvalidTagging; the tags stay as they were', async (t) => {
  const { api } = await setup(t);
  await api.cf.send(
    new TagResourceCommand({ Resource: DISTRIBUTION, Tags: { Items: [{ Key: 'keep', Value: 'me' }] } }),
  );
  const refused: [string, Tag[]][] = [
    ['an empty key', [{ Key: '', Value: 'v' }]],
    ['a 129-character key', [{ Key: 'k'.repeat(129), Value: 'v' }]],
    ['a 257-character value', [{ Key: 'k', Value: 'v'.repeat(257) }]],
    ['a key with *', [{ Key: 'a*b', Value: 'v' }]],
    ['a value with a semicolon', [{ Key: 'k', Value: 'a;b' }]],
    ['the reserved aws: prefix', [{ Key: 'aws:owner', Value: 'v' }]],
    [
      'a key given twice',
      [
        { Key: 'k', Value: '1' },
        { Key: 'k', Value: '2' },
      ],
    ],
    ['one tag too many', Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: '' }))],
  ];
  for (const [why, Items] of refused) {
    await assert.rejects(
      api.cf.send(new TagResourceCommand({ Resource: DISTRIBUTION, Tags: { Items } })),
      {
        name: 'InvalidTagging',
      },
      why,
    );
  }
  await assert.rejects(
    api.cf.send(new UntagResourceCommand({ Resource: DISTRIBUTION, TagKeys: { Items: ['bad*key'] } })),
    { name: 'InvalidTagging' },
  );
  assert.deepEqual(await tagsOf(api.cf, DISTRIBUTION), [{ Key: 'keep', Value: 'me' }]);
  // 50 in all is the limit, not past it.
  const fortyNine = Array.from({ length: 49 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
  await api.cf.send(new TagResourceCommand({ Resource: DISTRIBUTION, Tags: { Items: fortyNine } }));
  assert.equal((await tagsOf(api.cf, DISTRIBUTION)).length, 50);
});

test('tags survive a restart with the same --state-dir', async (t) => {
  const { api, serve } = await setup(t);
  await api.cf.send(
    new TagResourceCommand({ Resource: DISTRIBUTION, Tags: { Items: [{ Key: 'team', Value: 'web' }] } }),
  );
  await api.cf.send(
    new TagResourceCommand({ Resource: FUNCTION, Tags: { Items: [{ Key: 'stage', Value: 'live' }] } }),
  );
  await api.edge.close();
  const again = await startApiEdge(serve);
  t.after(() => again.edge.close());
  assert.deepEqual(await tagsOf(again.cf, DISTRIBUTION), [{ Key: 'team', Value: 'web' }]);
  assert.deepEqual(await tagsOf(again.cf, FUNCTION), [{ Key: 'stage', Value: 'live' }]);
});
