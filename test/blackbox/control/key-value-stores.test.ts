/**
 * Key value stores through the real SDKs against `edgefront serve`: the control plane
 * (`@aws-sdk/client-cloudfront`, XML, SigV4) and the data plane
 * (`@aws-sdk/client-cloudfront-keyvaluestore`, JSON, SigV4A). Writes reach a running
 * CloudFront Function at once and survive a restart; every refusal carries CloudFront's error
 * code and leaves the store as it was.
 */
import '@aws-sdk/signature-v4a';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  type CloudFrontClient,
  CreateKeyValueStoreCommand,
  DeleteKeyValueStoreCommand,
  DescribeKeyValueStoreCommand,
  ListKeyValueStoresCommand,
  UpdateKeyValueStoreCommand,
} from '@aws-sdk/client-cloudfront';
import {
  type CloudFrontKeyValueStoreClient,
  DeleteKeyCommand,
  DescribeKeyValueStoreCommand as DescribeDataCommand,
  GetKeyCommand,
  ListKeysCommand,
  PutKeyCommand,
  UpdateKeysCommand,
} from '@aws-sdk/client-cloudfront-keyvaluestore';
import { distributionOver, tempDir, writeYaml } from '../../helpers/config.js';
import { type ApiEdge, startApiEdge, TEST_CREDENTIALS } from '../../helpers/control-api.js';
import { kvsClient } from '../../helpers/kvs-client.js';
import { COLOR_BEHAVIOR, readColorFunction } from '../../helpers/kvs-color-function.js';
import { startOrigin } from '../../helpers/origin.js';

interface Setup {
  api: ApiEdge;
  cf: CloudFrontClient;
  kvs: CloudFrontKeyValueStoreClient;
  dir: string;
  /** Stops the edge and starts it again on the same config and state directory. */
  restart(): Promise<void>;
}

/**
 * `edgefront serve` with a config-file store `flags` ({"color": "red"}) read by the function
 * `read-color` on `/color`, a bucket `imports` served from `<dir>/bucket`, and its own
 * --state-dir.
 */
async function setup(t: { after(fn: () => unknown): void }): Promise<Setup> {
  const origin = await startOrigin();
  const temp = await tempDir();
  const dir = temp.dir;
  await writeImport(join(dir, 'flags.json'), [['color', 'red']]);
  const readColor = await readColorFunction(dir);
  await mkdir(join(dir, 'bucket'));
  const config = await writeYaml(dir, 'edgefront.yaml', {
    ...readColor,
    Distributions: [distributionOver('E1KVS', origin.port, [COLOR_BEHAVIOR])],
  });
  const args = [
    '--config',
    config,
    '--state-dir',
    join(dir, 'state'),
    '--bucket',
    `imports=${join(dir, 'bucket')}`,
  ];
  const s = {} as Setup;
  const start = async () => {
    s.api = await startApiEdge(args);
    s.cf = s.api.cf;
    s.kvs = kvsClient(s.api.edge.admin as URL);
  };
  s.dir = dir;
  s.restart = async () => {
    await s.api.edge.close();
    await start();
  };
  await start();
  t.after(async () => {
    await s.api.edge.close();
    await origin.close();
    await temp.remove();
  });
  return s;
}

/** An import file in CloudFront's format: `{"data":[{"key":…,"value":…}, …]}`. */
function writeImport(file: string, entries: [string, string][]): Promise<void> {
  return writeFile(file, JSON.stringify({ data: entries.map(([key, value]) => ({ key, value })) }));
}

async function rejectsWith(promise: Promise<unknown>, name: string): Promise<void> {
  await assert.rejects(promise, (err: Error) => {
    assert.equal(err.name, name, err.message);
    return true;
  });
}

async function colorSeen(s: Setup): Promise<string | null> {
  const res = await fetch(s.api.edge.url('/color'));
  await res.arrayBuffer();
  return res.headers.get('x-color');
}

async function createStore(s: Setup, Name: string, Comment = '') {
  const out = await s.cf.send(new CreateKeyValueStoreCommand({ Name, Comment }));
  return { arn: out.KeyValueStore?.ARN as string, etag: out.ETag as string, out };
}

async function dataETag(s: Setup, KvsARN: string): Promise<string> {
  return (await s.kvs.send(new DescribeDataCommand({ KvsARN }))).ETag as string;
}

test('CreateKeyValueStore answers 201 with a UUID id, the ARN, READY, an ETag and Location; Describe, List and Update follow', async (t) => {
  const s = await setup(t);
  const { out } = await createStore(s, 'redirects', 'old paths');
  const store = out.KeyValueStore!;
  assert.match(store.Id!, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(store.ARN, `arn:aws:cloudfront::123456789012:key-value-store/${store.Id}`);
  assert.equal(store.Status, 'READY');
  assert.equal(store.Comment, 'old paths');
  assert.ok(store.LastModifiedTime instanceof Date);
  assert.match(out.ETag!, /^E[A-Z0-9]{13}$/);
  assert.ok(out.Location?.endsWith('/2020-05-31/key-value-store/redirects'));

  const described = await s.cf.send(new DescribeKeyValueStoreCommand({ Name: 'redirects' }));
  assert.equal(described.ETag, out.ETag);
  assert.deepEqual(described.KeyValueStore, store);

  const listed = await s.cf.send(new ListKeyValueStoresCommand({}));
  assert.deepEqual(
    listed.KeyValueStoreList?.Items?.map((k) => k.Name),
    ['flags', 'redirects'],
    'the config-file store is listed too',
  );
  const page = await s.cf.send(new ListKeyValueStoresCommand({ MaxItems: 1 }));
  assert.deepEqual(
    page.KeyValueStoreList?.Items?.map((k) => k.Name),
    ['flags'],
  );
  const next = await s.cf.send(new ListKeyValueStoresCommand({ Marker: page.KeyValueStoreList?.NextMarker }));
  assert.deepEqual(
    next.KeyValueStoreList?.Items?.map((k) => k.Name),
    ['redirects'],
  );
  assert.equal(next.KeyValueStoreList?.NextMarker, undefined);

  const updated = await s.cf.send(
    new UpdateKeyValueStoreCommand({ Name: 'redirects', Comment: 'new comment', IfMatch: out.ETag }),
  );
  assert.equal(updated.KeyValueStore?.Comment, 'new comment');
  assert.equal(updated.KeyValueStore?.Id, store.Id);
  assert.notEqual(updated.ETag, out.ETag);
  const after = await s.cf.send(new DescribeKeyValueStoreCommand({ Name: 'redirects' }));
  assert.equal(after.KeyValueStore?.Comment, 'new comment');
  assert.equal(after.ETag, updated.ETag);
});

test('a config-file store is described with a stable ETag; a name already used is EntityAlreadyExists, a bad one InvalidArgument', async (t) => {
  const s = await setup(t);
  const flags = await s.cf.send(new DescribeKeyValueStoreCommand({ Name: 'flags' }));
  assert.equal(flags.KeyValueStore?.Status, 'READY');
  assert.equal(flags.KeyValueStore?.Comment, '');
  await rejectsWith(s.cf.send(new CreateKeyValueStoreCommand({ Name: 'flags' })), 'EntityAlreadyExists');
  await createStore(s, 'mine');
  await rejectsWith(s.cf.send(new CreateKeyValueStoreCommand({ Name: 'mine' })), 'EntityAlreadyExists');
  await rejectsWith(s.cf.send(new CreateKeyValueStoreCommand({ Name: 'no spaces' })), 'InvalidArgument');
  await rejectsWith(
    s.cf.send(new CreateKeyValueStoreCommand({ Name: 'long-comment', Comment: 'x'.repeat(129) })),
    'InvalidArgument',
  );
  const listed = await s.cf.send(new ListKeyValueStoresCommand({}));
  assert.deepEqual(
    listed.KeyValueStoreList?.Items?.map((k) => k.Name),
    ['flags', 'mine'],
  );
  await s.restart();
  const again = await s.cf.send(new DescribeKeyValueStoreCommand({ Name: 'flags' }));
  assert.equal(again.ETag, flags.ETag, 'the same config gives the same ETag across restarts');

  // Changed through the API, it moves into the state with its data; functions keep reading it.
  const arn = flags.KeyValueStore?.ARN as string;
  const data = await dataETag(s, arn);
  const updated = await s.cf.send(
    new UpdateKeyValueStoreCommand({ Name: 'flags', Comment: 'now the API’s', IfMatch: flags.ETag }),
  );
  assert.equal(updated.KeyValueStore?.Id, flags.KeyValueStore?.Id);
  assert.equal(updated.KeyValueStore?.Comment, 'now the API’s');
  assert.equal(await dataETag(s, arn), data, 'the data is unchanged');
  assert.equal((await s.kvs.send(new GetKeyCommand({ KvsARN: arn, Key: 'color' }))).Value, 'red');
  assert.equal(await colorSeen(s), 'red');
});

test('two writes with the same ETag: one is applied, the other is ConflictException', async (t) => {
  const s = await setup(t);
  const { arn } = await createStore(s, 'race');
  const etag = await dataETag(s, arn);
  const results = await Promise.allSettled(
    ['a', 'b', 'c'].map((Value) =>
      s.kvs.send(new PutKeyCommand({ KvsARN: arn, Key: 'k', Value, IfMatch: etag })),
    ),
  );
  const won = results.filter((r) => r.status === 'fulfilled');
  const lost = results.filter((r) => r.status === 'rejected');
  assert.equal(won.length, 1);
  for (const r of lost) assert.equal((r.reason as Error).name, 'ConflictException');
  const winner = results.findIndex((r) => r.status === 'fulfilled');
  const got = await s.kvs.send(new GetKeyCommand({ KvsARN: arn, Key: 'k' }));
  assert.equal(got.Value, ['a', 'b', 'c'][winner]);
  assert.equal(await dataETag(s, arn), (won[0] as PromiseFulfilledResult<{ ETag?: string }>).value.ETag);
});

test('the 51st key value store of the account is EntityLimitExceeded', async (t) => {
  const s = await setup(t);
  for (let i = 1; i < 50; i++) await createStore(s, `store-${String(i).padStart(2, '0')}`);
  await rejectsWith(
    s.cf.send(new CreateKeyValueStoreCommand({ Name: 'one-too-many' })),
    'EntityLimitExceeded',
  );
  const listed = await s.cf.send(new ListKeyValueStoresCommand({}));
  assert.equal(listed.KeyValueStoreList?.Quantity, 50);
  await rejectsWith(s.cf.send(new DescribeKeyValueStoreCommand({ Name: 'one-too-many' })), 'EntityNotFound');
});

test('Update and Delete need the current ETag: none is InvalidIfMatchVersion, a stale one PreconditionFailed; an unknown name EntityNotFound', async (t) => {
  const s = await setup(t);
  const { etag } = await createStore(s, 'versions', 'v1');
  const update = (IfMatch?: string, Name = 'versions') =>
    s.cf.send(new UpdateKeyValueStoreCommand({ Name, Comment: 'v2', IfMatch }));
  await rejectsWith(update(undefined), 'InvalidIfMatchVersion');
  await rejectsWith(update('E0STALE0000000'), 'PreconditionFailed');
  await rejectsWith(update(etag, 'nope'), 'EntityNotFound');
  await rejectsWith(
    s.cf.send(new DeleteKeyValueStoreCommand({ Name: 'versions', IfMatch: undefined })),
    'InvalidIfMatchVersion',
  );
  await rejectsWith(
    s.cf.send(new DeleteKeyValueStoreCommand({ Name: 'versions', IfMatch: 'E0STALE0000000' })),
    'PreconditionFailed',
  );
  await rejectsWith(
    s.cf.send(new DeleteKeyValueStoreCommand({ Name: 'nope', IfMatch: etag })),
    'EntityNotFound',
  );
  await rejectsWith(s.cf.send(new DescribeKeyValueStoreCommand({ Name: 'nope' })), 'EntityNotFound');
  const unchanged = await s.cf.send(new DescribeKeyValueStoreCommand({ Name: 'versions' }));
  assert.equal(unchanged.ETag, etag);
  assert.equal(unchanged.KeyValueStore?.Comment, 'v1');
});

test('a store a function is associated with is CannotDeleteEntityWhileInUse; an unused one is deleted with its keys', async (t) => {
  const s = await setup(t);
  const flags = await s.cf.send(new DescribeKeyValueStoreCommand({ Name: 'flags' }));
  await rejectsWith(
    s.cf.send(new DeleteKeyValueStoreCommand({ Name: 'flags', IfMatch: flags.ETag })),
    'CannotDeleteEntityWhileInUse',
  );
  assert.equal((await s.cf.send(new DescribeKeyValueStoreCommand({ Name: 'flags' }))).ETag, flags.ETag);
  assert.equal(await colorSeen(s), 'red');

  const { arn, etag } = await createStore(s, 'scratch');
  await s.kvs.send(new PutKeyCommand({ KvsARN: arn, Key: 'k', Value: 'v', IfMatch: await dataETag(s, arn) }));
  await s.cf.send(new DeleteKeyValueStoreCommand({ Name: 'scratch', IfMatch: etag }));
  await rejectsWith(s.cf.send(new DescribeKeyValueStoreCommand({ Name: 'scratch' })), 'EntityNotFound');
  await rejectsWith(s.kvs.send(new GetKeyCommand({ KvsARN: arn, Key: 'k' })), 'ResourceNotFoundException');
  // The name is free again, for a new store with a new id and no keys.
  const second = await createStore(s, 'scratch');
  assert.notEqual(second.arn, arn);
  const list = await s.kvs.send(new ListKeysCommand({ KvsARN: second.arn }));
  assert.deepEqual(list.Items, []);
});

test('ImportSource reads CloudFront’s JSON format from a bucket served with --bucket; other buckets are UnsupportedOperation, over 5 MB EntitySizeLimitExceeded', async (t) => {
  const s = await setup(t);
  const bucket = join(s.dir, 'bucket');
  await writeImport(join(bucket, 'redirects.json'), [
    ['/old', '/new'],
    ['/a', '/b'],
  ]);
  const created = await s.cf.send(
    new CreateKeyValueStoreCommand({
      Name: 'imported',
      ImportSource: { SourceType: 'S3', SourceARN: 'arn:aws:s3:::imports/redirects.json' },
    }),
  );
  const arn = created.KeyValueStore?.ARN as string;
  const got = await s.kvs.send(new GetKeyCommand({ KvsARN: arn, Key: '/old' }));
  assert.equal(got.Value, '/new');
  assert.equal(got.ItemCount, 2);

  const importFrom = (Name: string, SourceARN: string) =>
    s.cf.send(new CreateKeyValueStoreCommand({ Name, ImportSource: { SourceType: 'S3', SourceARN } }));
  await rejectsWith(
    importFrom('elsewhere', 'arn:aws:s3:::not-served/redirects.json'),
    'UnsupportedOperation',
  );
  await writeImport(join(bucket, 'dupes.json'), [
    ['a', '1'],
    ['a', '2'],
  ]);
  await rejectsWith(importFrom('dupes', 'arn:aws:s3:::imports/dupes.json'), 'InvalidArgument');
  await rejectsWith(importFrom('missing', 'arn:aws:s3:::imports/missing.json'), 'InvalidArgument');
  await writeImport(join(bucket, 'big.json'), [['k', 'v'.repeat(6 * 1024 * 1024)]]);
  await rejectsWith(importFrom('big', 'arn:aws:s3:::imports/big.json'), 'EntitySizeLimitExceeded');
  const listed = await s.cf.send(new ListKeyValueStoresCommand({}));
  assert.deepEqual(
    listed.KeyValueStoreList?.Items?.map((k) => k.Name),
    ['flags', 'imported'],
  );
});

test('PutKey, GetKey, ListKeys, DeleteKey and UpdateKeys through the SigV4A client; each write answers a new ETag with ItemCount and TotalSizeInBytes', async (t) => {
  const s = await setup(t);
  const { arn } = await createStore(s, 'data');
  const described = await s.kvs.send(new DescribeDataCommand({ KvsARN: arn }));
  assert.equal(described.KvsARN, arn);
  assert.equal(described.ItemCount, 0);
  assert.equal(described.TotalSizeInBytes, 0);
  assert.ok(described.Created instanceof Date);
  assert.equal(described.Status, 'READY');

  const put = await s.kvs.send(
    new PutKeyCommand({ KvsARN: arn, Key: 'greeting', Value: 'héllo', IfMatch: described.ETag }),
  );
  assert.notEqual(put.ETag, described.ETag);
  assert.equal(put.ItemCount, 1);
  assert.equal(put.TotalSizeInBytes, Buffer.byteLength('greeting') + Buffer.byteLength('héllo'));
  const got = await s.kvs.send(new GetKeyCommand({ KvsARN: arn, Key: 'greeting' }));
  assert.deepEqual(
    { Key: got.Key, Value: got.Value, ItemCount: got.ItemCount },
    { Key: 'greeting', Value: 'héllo', ItemCount: 1 },
  );
  assert.equal(await dataETag(s, arn), put.ETag);

  // A key with a slash and spaces travels percent-encoded in the path.
  const updated = await s.kvs.send(
    new UpdateKeysCommand({
      KvsARN: arn,
      IfMatch: put.ETag,
      Puts: Array.from({ length: 24 }, (_, i) => ({
        Key: `k${String(i).padStart(2, '0')}`,
        Value: `v${i}`,
      })).concat([{ Key: '/path/with space', Value: 'slashed' }]),
      Deletes: [{ Key: 'greeting' }],
    }),
  );
  assert.equal(updated.ItemCount, 25);
  assert.equal(
    (await s.kvs.send(new GetKeyCommand({ KvsARN: arn, Key: '/path/with space' }))).Value,
    'slashed',
  );
  await rejectsWith(
    s.kvs.send(new GetKeyCommand({ KvsARN: arn, Key: 'greeting' })),
    'ResourceNotFoundException',
  );

  const keys: string[] = [];
  let NextToken: string | undefined;
  let pages = 0;
  do {
    const page = await s.kvs.send(new ListKeysCommand({ KvsARN: arn, NextToken }));
    keys.push(...(page.Items ?? []).map((i) => i.Key as string));
    NextToken = page.NextToken;
    pages++;
  } while (NextToken);
  assert.equal(pages, 3, 'ten keys a page by default');
  assert.equal(keys.length, 25);
  assert.deepEqual(keys, [...keys].sort());
  const five = await s.kvs.send(new ListKeysCommand({ KvsARN: arn, MaxResults: 5 }));
  assert.equal(five.Items?.length, 5);
  assert.deepEqual(five.Items?.[0], { Key: '/path/with space', Value: 'slashed' });

  const deleted = await s.kvs.send(new DeleteKeyCommand({ KvsARN: arn, Key: 'k00', IfMatch: updated.ETag }));
  assert.equal(deleted.ItemCount, 24);
  assert.notEqual(deleted.ETag, updated.ETag);
  await rejectsWith(s.kvs.send(new GetKeyCommand({ KvsARN: arn, Key: 'k00' })), 'ResourceNotFoundException');
});

test('a stale If-Match is ConflictException, an unknown store or key ResourceNotFoundException, bad input ValidationException; the data is unchanged', async (t) => {
  const s = await setup(t);
  const { arn } = await createStore(s, 'guarded');
  const first = await s.kvs.send(
    new PutKeyCommand({ KvsARN: arn, Key: 'a', Value: '1', IfMatch: await dataETag(s, arn) }),
  );
  const stale = first.ETag as string;
  const second = await s.kvs.send(new PutKeyCommand({ KvsARN: arn, Key: 'b', Value: '2', IfMatch: stale }));
  const etag = await dataETag(s, arn);
  assert.equal(etag, second.ETag);

  // The ETag of an earlier version is used up.
  await rejectsWith(
    s.kvs.send(new PutKeyCommand({ KvsARN: arn, Key: 'a', Value: 'x', IfMatch: stale })),
    'ConflictException',
  );
  await rejectsWith(
    s.kvs.send(new DeleteKeyCommand({ KvsARN: arn, Key: 'a', IfMatch: stale })),
    'ConflictException',
  );
  await rejectsWith(
    s.kvs.send(new UpdateKeysCommand({ KvsARN: arn, IfMatch: stale, Deletes: [{ Key: 'a' }] })),
    'ConflictException',
  );
  await rejectsWith(
    s.kvs.send(new DeleteKeyCommand({ KvsARN: arn, Key: 'zz', IfMatch: etag })),
    'ResourceNotFoundException',
  );
  const unknownStore = arn.replace(/[0-9a-f]{12}$/, '000000000000');
  await rejectsWith(
    s.kvs.send(new DescribeDataCommand({ KvsARN: unknownStore })),
    'ResourceNotFoundException',
  );
  await rejectsWith(s.kvs.send(new GetKeyCommand({ KvsARN: arn, Key: 'zz' })), 'ResourceNotFoundException');

  await rejectsWith(
    s.kvs.send(new PutKeyCommand({ KvsARN: arn, Key: 'a', Value: 'x', IfMatch: undefined })),
    'ValidationException',
  );
  const put = (Key: string, Value: string) =>
    s.kvs.send(new PutKeyCommand({ KvsARN: arn, Key, Value, IfMatch: etag }));
  await rejectsWith(put('k'.repeat(513), 'v'), 'ValidationException');
  await rejectsWith(put('k', 'v'.repeat(1025)), 'ValidationException');
  await rejectsWith(
    s.kvs.send(
      new UpdateKeysCommand({
        KvsARN: arn,
        IfMatch: etag,
        Puts: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })),
      }),
    ),
    'ValidationException',
  );
  // All or nothing: one bad put refuses the whole batch.
  await rejectsWith(
    s.kvs.send(
      new UpdateKeysCommand({
        KvsARN: arn,
        IfMatch: etag,
        Puts: [
          { Key: 'ok', Value: 'fine' },
          { Key: 'bad', Value: 'v'.repeat(1025) },
        ],
        Deletes: [{ Key: 'a' }],
      }),
    ),
    'ValidationException',
  );
  await rejectsWith(s.kvs.send(new ListKeysCommand({ KvsARN: arn, MaxResults: 51 })), 'ValidationException');
  await rejectsWith(s.kvs.send(new ListKeysCommand({ KvsARN: arn, NextToken: '!!' })), 'ValidationException');

  const after = await s.kvs.send(new DescribeDataCommand({ KvsARN: arn }));
  assert.equal(after.ETag, etag);
  assert.equal(after.ItemCount, 2);
  const all = await s.kvs.send(new ListKeysCommand({ KvsARN: arn }));
  assert.deepEqual(all.Items, [
    { Key: 'a', Value: '1' },
    { Key: 'b', Value: '2' },
  ]);
});

test('a write that would take the store past 5 MB is ServiceQuotaExceededException and changes nothing', async (t) => {
  const s = await setup(t);
  // Near the limit through an import: 512-byte keys with 1 KB values.
  await writeImport(
    join(s.dir, 'bucket', 'full.json'),
    Array.from({ length: 3360 }, (_, i) => [String(i).padStart(512, 'k'), 'v'.repeat(1024)]),
  );
  const created = await s.cf.send(
    new CreateKeyValueStoreCommand({
      Name: 'full',
      ImportSource: { SourceType: 'S3', SourceARN: 'arn:aws:s3:::imports/full.json' },
    }),
  );
  const arn = created.KeyValueStore?.ARN as string;
  const batch = (from: number) =>
    Array.from({ length: 30 }, (_, i) => ({
      Key: `extra-${from + i}`.padEnd(512, 'x'),
      Value: 'v'.repeat(1024),
    }));
  const before = await s.kvs.send(new DescribeDataCommand({ KvsARN: arn }));
  assert.equal(before.TotalSizeInBytes, 3360 * 1536);
  const ok = await s.kvs.send(new UpdateKeysCommand({ KvsARN: arn, IfMatch: before.ETag, Puts: batch(0) }));
  assert.equal(ok.TotalSizeInBytes, 3390 * 1536);
  await rejectsWith(
    s.kvs.send(new UpdateKeysCommand({ KvsARN: arn, IfMatch: ok.ETag, Puts: batch(30) })),
    'ServiceQuotaExceededException',
  );
  const after = await s.kvs.send(new DescribeDataCommand({ KvsARN: arn }));
  assert.equal(after.ETag, ok.ETag);
  assert.equal(after.ItemCount, 3390);
});

test('PutKey reaches a running CloudFront Function on the next viewer request, and the data survives a restart', async (t) => {
  const s = await setup(t);
  assert.equal(await colorSeen(s), 'red');
  const flags = await s.cf.send(new DescribeKeyValueStoreCommand({ Name: 'flags' }));
  const arn = flags.KeyValueStore?.ARN as string;
  const before = await s.kvs.send(new DescribeDataCommand({ KvsARN: arn }));
  assert.equal(before.ItemCount, 1);
  const put = await s.kvs.send(
    new PutKeyCommand({ KvsARN: arn, Key: 'color', Value: 'blue', IfMatch: before.ETag }),
  );
  assert.equal(await colorSeen(s), 'blue', 'seen without a restart');
  // Another API change rebuilds the model: it reads the data the data plane wrote.
  await createStore(s, 'unrelated');
  assert.equal(await colorSeen(s), 'blue');
  const removed = await s.kvs.send(new DeleteKeyCommand({ KvsARN: arn, Key: 'color', IfMatch: put.ETag }));
  assert.equal(await colorSeen(s), 'none');
  const back = await s.kvs.send(
    new UpdateKeysCommand({ KvsARN: arn, IfMatch: removed.ETag, Puts: [{ Key: 'color', Value: 'green' }] }),
  );
  assert.equal(await colorSeen(s), 'green');

  await s.restart();
  assert.equal(await colorSeen(s), 'green');
  const described = await s.kvs.send(new DescribeDataCommand({ KvsARN: arn }));
  assert.equal(described.ETag, back.ETag, 'the ETag is kept with the data');
  assert.equal((await s.kvs.send(new GetKeyCommand({ KvsARN: arn, Key: 'color' }))).Value, 'green');
  assert.equal(
    (await s.cf.send(new DescribeKeyValueStoreCommand({ Name: 'flags' }))).KeyValueStore?.Id,
    flags.KeyValueStore?.Id,
  );
});

test('an API-created store, its comment, keys and ETag survive a restart', async (t) => {
  const s = await setup(t);
  const { arn } = await createStore(s, 'durable', 'kept');
  const put = await s.kvs.send(
    new UpdateKeysCommand({
      KvsARN: arn,
      IfMatch: await dataETag(s, arn),
      Puts: [
        { Key: 'one', Value: '1' },
        { Key: 'two', Value: '2' },
      ],
    }),
  );
  const control = await s.cf.send(new DescribeKeyValueStoreCommand({ Name: 'durable' }));
  await s.restart();
  const again = await s.cf.send(new DescribeKeyValueStoreCommand({ Name: 'durable' }));
  assert.equal(again.ETag, control.ETag);
  assert.equal(again.KeyValueStore?.Comment, 'kept');
  const data = await s.kvs.send(new DescribeDataCommand({ KvsARN: arn }));
  assert.equal(data.ETag, put.ETag);
  assert.equal(data.ItemCount, 2);
  assert.equal((await s.kvs.send(new GetKeyCommand({ KvsARN: arn, Key: 'two' }))).Value, '2');
});

test('a data-plane request signed with a wrong secret is AccessDeniedException and changes nothing', async (t) => {
  const s = await setup(t);
  const { arn } = await createStore(s, 'locked');
  const etag = await dataETag(s, arn);
  const intruder = kvsClient(s.api.edge.admin as URL, {
    accessKeyId: TEST_CREDENTIALS.accessKeyId,
    secretAccessKey: 'not-the-secret-at-all-0123456789abcdefgh',
  });
  await rejectsWith(
    intruder.send(new PutKeyCommand({ KvsARN: arn, Key: 'k', Value: 'v', IfMatch: etag })),
    'AccessDeniedException',
  );
  await rejectsWith(intruder.send(new DescribeDataCommand({ KvsARN: arn })), 'AccessDeniedException');
  const after = await s.kvs.send(new DescribeDataCommand({ KvsARN: arn }));
  assert.equal(after.ETag, etag);
  assert.equal(after.ItemCount, 0);
});
