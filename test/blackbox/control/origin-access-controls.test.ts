/**
 * Origin access controls through the real `@aws-sdk/client-cloudfront` against `edgefront serve`:
 * every operation, config-file OACs visible and changeable, each refusal with CloudFront's error
 * code and the state left unchanged, and persistence in --state-dir.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type CloudFrontClient,
  CreateDistributionCommand,
  CreateOriginAccessControlCommand,
  DeleteOriginAccessControlCommand,
  GetOriginAccessControlCommand,
  GetOriginAccessControlConfigCommand,
  ListOriginAccessControlsCommand,
  type OriginAccessControlConfig,
  UpdateOriginAccessControlCommand,
} from '@aws-sdk/client-cloudfront';
import { tempDir, writeYaml } from '../../helpers/config.js';
import { apiDistributionConfig, startApiEdge } from '../../helpers/control-api.js';
import { startOrigin } from '../../helpers/origin.js';

/** Used by the config file's distribution; FILE_SPARE by nothing. */
const FILE_OAC = 'E1FILEOACUSED';
const FILE_SPARE = 'E1FILEOACSPARE';

function oacConfig(name: string, extra: Partial<OriginAccessControlConfig> = {}): OriginAccessControlConfig {
  return {
    Name: name,
    Description: 'signs requests to a function URL',
    SigningProtocol: 'sigv4',
    SigningBehavior: 'always',
    OriginAccessControlOriginType: 'lambda',
    ...extra,
  };
}

function origin(port: number, oac?: string) {
  return {
    Id: 'fn',
    DomainName: '127.0.0.1',
    CustomOriginConfig: { HTTPPort: port, OriginProtocolPolicy: 'http-only' },
    ...(oac ? { OriginAccessControlId: oac } : {}),
  };
}

async function setup(t: { after(fn: () => unknown): void }) {
  const upstream = await startOrigin();
  const dir = await tempDir();
  const config = await writeYaml(dir.dir, 'edgefront.yaml', {
    OriginAccessControls: [
      { Id: FILE_OAC, OriginAccessControlConfig: oacConfig('file-oac') },
      { Id: FILE_SPARE, OriginAccessControlConfig: oacConfig('file-spare', { SigningBehavior: 'never' }) },
    ],
    Distributions: [
      {
        Id: 'E1OAC',
        DistributionConfig: {
          Enabled: true,
          Origins: [origin(upstream.port, FILE_OAC)],
          DefaultCacheBehavior: {
            TargetOriginId: 'fn',
            ViewerProtocolPolicy: 'allow-all',
            CachePolicyId: 'CachingDisabled',
          },
        },
      },
    ],
  });
  const state = `${dir.dir}/state`;
  const edge = await startApiEdge(['--config', config, '--state-dir', state]);
  t.after(async () => {
    await edge.edge.close();
    await upstream.close();
    await dir.remove();
  });
  return { upstream, edge, cf: edge.cf, config, state };
}

const get = (cf: CloudFrontClient, Id: string) => cf.send(new GetOriginAccessControlCommand({ Id }));
const create = (cf: CloudFrontClient, config: OriginAccessControlConfig) =>
  cf.send(new CreateOriginAccessControlCommand({ OriginAccessControlConfig: config }));

/** Every OAC with its ETag: what "state unchanged" is compared on. */
async function snapshot(cf: CloudFrontClient): Promise<string[]> {
  const list = await cf.send(new ListOriginAccessControlsCommand({ MaxItems: 1000 }));
  const items = list.OriginAccessControlList?.Items ?? [];
  return Promise.all(items.map(async (o) => `${o.Id} ${(await get(cf, o.Id as string)).ETag}`));
}

test('config-file origin access controls are listed and readable, with a stable ETag', async (t) => {
  const { cf } = await setup(t);
  const list = await cf.send(new ListOriginAccessControlsCommand({}));
  assert.equal(list.OriginAccessControlList?.Quantity, 2);
  assert.equal(list.OriginAccessControlList?.IsTruncated, false);
  const summary = list.OriginAccessControlList?.Items?.find((o) => o.Id === FILE_OAC);
  assert.deepEqual(summary, { Id: FILE_OAC, ...oacConfig('file-oac') });
  const got = await get(cf, FILE_OAC);
  assert.match(got.ETag ?? '', /^E[A-Z0-9]{13}$/);
  assert.deepEqual(got.OriginAccessControl, {
    Id: FILE_OAC,
    OriginAccessControlConfig: oacConfig('file-oac'),
  });
  const config = await cf.send(new GetOriginAccessControlConfigCommand({ Id: FILE_OAC }));
  assert.equal(config.ETag, got.ETag);
  assert.deepEqual(config.OriginAccessControlConfig, oacConfig('file-oac'));
});

test('Create answers 201 with Location and ETag; Get, GetConfig, Update (If-Match) and Delete (If-Match) work', async (t) => {
  const { cf } = await setup(t);
  const created = await create(cf, oacConfig('made-here'));
  const id = created.OriginAccessControl?.Id as string;
  assert.match(id, /^E[A-Z0-9]{13}$/);
  assert.ok(created.Location?.endsWith(`/2020-05-31/origin-access-control/${id}`));
  assert.match(created.ETag ?? '', /^E[A-Z0-9]{13}$/);
  assert.deepEqual(created.OriginAccessControl?.OriginAccessControlConfig, oacConfig('made-here'));
  assert.equal((await get(cf, id)).ETag, created.ETag);

  const changed = oacConfig('made-here', { SigningBehavior: 'no-override', Description: 'changed' });
  const update = (IfMatch?: string) =>
    cf.send(new UpdateOriginAccessControlCommand({ Id: id, IfMatch, OriginAccessControlConfig: changed }));
  await assert.rejects(update(), { name: 'InvalidIfMatchVersion' });
  await assert.rejects(update('ESTALEETAG0000'), { name: 'PreconditionFailed' });
  assert.equal((await get(cf, id)).ETag, created.ETag);
  const updated = await update(created.ETag);
  assert.notEqual(updated.ETag, created.ETag);
  assert.deepEqual(updated.OriginAccessControl?.OriginAccessControlConfig, changed);
  const config = await cf.send(new GetOriginAccessControlConfigCommand({ Id: id }));
  assert.deepEqual(config.OriginAccessControlConfig, changed);
  assert.equal(config.ETag, updated.ETag);

  const remove = (IfMatch?: string) => cf.send(new DeleteOriginAccessControlCommand({ Id: id, IfMatch }));
  await assert.rejects(remove(), { name: 'InvalidIfMatchVersion' });
  await assert.rejects(remove(created.ETag), { name: 'PreconditionFailed' });
  assert.equal((await get(cf, id)).ETag, updated.ETag);
  await remove(updated.ETag);
  await assert.rejects(get(cf, id), { name: 'NoSuchOriginAccessControl' });
  await assert.rejects(cf.send(new GetOriginAccessControlConfigCommand({ Id: id })), {
    name: 'NoSuchOriginAccessControl',
  });
  await assert.rejects(update(updated.ETag), { name: 'NoSuchOriginAccessControl' });
  await assert.rejects(remove(updated.ETag), { name: 'NoSuchOriginAccessControl' });
});

test('names are unique: OriginAccessControlAlreadyExists on Create and Update', async (t) => {
  const { cf } = await setup(t);
  const before = await snapshot(cf);
  await assert.rejects(create(cf, oacConfig('file-oac')), { name: 'OriginAccessControlAlreadyExists' });
  assert.deepEqual(await snapshot(cf), before);
  const mine = await create(cf, oacConfig('mine'));
  const id = mine.OriginAccessControl?.Id as string;
  await assert.rejects(
    cf.send(
      new UpdateOriginAccessControlCommand({
        Id: id,
        IfMatch: mine.ETag,
        OriginAccessControlConfig: oacConfig('file-spare'),
      }),
    ),
    { name: 'OriginAccessControlAlreadyExists' },
  );
  assert.equal((await get(cf, id)).ETag, mine.ETag);
});

test('an origin access control an origin uses cannot be deleted: OriginAccessControlInUse', async (t) => {
  const { cf, upstream } = await setup(t);
  const file = await get(cf, FILE_OAC);
  await assert.rejects(cf.send(new DeleteOriginAccessControlCommand({ Id: FILE_OAC, IfMatch: file.ETag })), {
    name: 'OriginAccessControlInUse',
    message: /E1OAC/,
  });
  assert.equal((await get(cf, FILE_OAC)).ETag, file.ETag);

  const mine = await create(cf, oacConfig('for-an-api-distribution'));
  const id = mine.OriginAccessControl?.Id as string;
  const config = apiDistributionConfig(upstream.port, 'uses-an-oac');
  Object.assign(config.Origins?.Items?.[0] ?? {}, { OriginAccessControlId: id });
  await cf.send(new CreateDistributionCommand({ DistributionConfig: config }));
  await assert.rejects(cf.send(new DeleteOriginAccessControlCommand({ Id: id, IfMatch: mine.ETag })), {
    name: 'OriginAccessControlInUse',
  });
  // One no origin uses goes, a config-file one included.
  const spare = await get(cf, FILE_SPARE);
  await cf.send(new DeleteOriginAccessControlCommand({ Id: FILE_SPARE, IfMatch: spare.ETag }));
  await assert.rejects(get(cf, FILE_SPARE), { name: 'NoSuchOriginAccessControl' });
});

test('SigningProtocol, SigningBehavior and OriginAccessControlOriginType outside CloudFront’s values are InvalidArgument naming the field', async (t) => {
  const { cf } = await setup(t);
  const before = await snapshot(cf);
  const cases: [Partial<OriginAccessControlConfig>, RegExp][] = [
    [{ SigningProtocol: 'sigv2' as never }, /SigningProtocol/],
    [{ SigningBehavior: 'sometimes' as never }, /SigningBehavior/],
    [{ OriginAccessControlOriginType: 'ec2' as never }, /OriginAccessControlOriginType/],
  ];
  for (const [extra, field] of cases) {
    await assert.rejects(create(cf, oacConfig('bad', extra)), { name: 'InvalidArgument', message: field });
  }
  const file = await get(cf, FILE_OAC);
  await assert.rejects(
    cf.send(
      new UpdateOriginAccessControlCommand({
        Id: FILE_OAC,
        IfMatch: file.ETag,
        OriginAccessControlConfig: oacConfig('file-oac', { SigningBehavior: 'sometimes' as never }),
      }),
    ),
    { name: 'InvalidArgument' },
  );
  assert.deepEqual(await snapshot(cf), before);
});

test('100 origin access controls are the quota: TooManyOriginAccessControls, config-file ones counted', async (t) => {
  const { cf } = await setup(t);
  for (let i = 2; i < 100; i++) await create(cf, oacConfig(`quota-${i}`));
  const before = await snapshot(cf);
  assert.equal(before.length, 100);
  await assert.rejects(create(cf, oacConfig('one-too-many')), { name: 'TooManyOriginAccessControls' });
  assert.deepEqual(await snapshot(cf), before);
});

test('ListOriginAccessControls pages with MaxItems and Marker', async (t) => {
  const { cf } = await setup(t);
  await create(cf, oacConfig('third'));
  const first = await cf.send(new ListOriginAccessControlsCommand({ MaxItems: 2 }));
  assert.equal(first.OriginAccessControlList?.Quantity, 2);
  assert.equal(first.OriginAccessControlList?.IsTruncated, true);
  const second = await cf.send(
    new ListOriginAccessControlsCommand({ MaxItems: 2, Marker: first.OriginAccessControlList?.NextMarker }),
  );
  assert.equal(second.OriginAccessControlList?.Quantity, 1);
  assert.equal(second.OriginAccessControlList?.IsTruncated, false);
  const ids = [
    ...(first.OriginAccessControlList?.Items ?? []),
    ...(second.OriginAccessControlList?.Items ?? []),
  ];
  assert.equal(new Set(ids.map((o) => o.Id)).size, 3);
});

test('origin access controls created, changed and deleted through the API survive a restart with the same --state-dir', async (t) => {
  const { edge, cf, config, state } = await setup(t);
  const created = await create(cf, oacConfig('kept'));
  const file = await get(cf, FILE_OAC);
  const changed = await cf.send(
    new UpdateOriginAccessControlCommand({
      Id: FILE_OAC,
      IfMatch: file.ETag,
      OriginAccessControlConfig: oacConfig('file-oac', { SigningBehavior: 'no-override' }),
    }),
  );
  const spare = await get(cf, FILE_SPARE);
  await cf.send(new DeleteOriginAccessControlCommand({ Id: FILE_SPARE, IfMatch: spare.ETag }));
  await edge.edge.close();
  const again = await startApiEdge(['--config', config, '--state-dir', state]);
  t.after(() => again.edge.close());
  const kept = await get(again.cf, created.OriginAccessControl?.Id as string);
  assert.equal(kept.ETag, created.ETag);
  assert.deepEqual(kept.OriginAccessControl, created.OriginAccessControl);
  const fileAgain = await get(again.cf, FILE_OAC);
  assert.equal(fileAgain.ETag, changed.ETag);
  assert.equal(fileAgain.OriginAccessControl?.OriginAccessControlConfig?.SigningBehavior, 'no-override');
  await assert.rejects(get(again.cf, FILE_SPARE), { name: 'NoSuchOriginAccessControl' });
});
