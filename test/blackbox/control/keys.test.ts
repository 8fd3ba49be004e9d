/**
 * Public keys and key groups through the real `@aws-sdk/client-cloudfront` against `edgefront
 * serve`: created, read, changed, listed and deleted as CloudFront does, persisted in --state-dir,
 * and every refusal with CloudFront's error code and the state left unchanged.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import {
  type CloudFrontClient,
  CreateKeyGroupCommand,
  CreatePublicKeyCommand,
  DeleteKeyGroupCommand,
  DeletePublicKeyCommand,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  GetKeyGroupCommand,
  GetKeyGroupConfigCommand,
  GetPublicKeyCommand,
  GetPublicKeyConfigCommand,
  ListKeyGroupsCommand,
  ListPublicKeysCommand,
  type PublicKeyConfig,
  UpdateDistributionCommand,
  UpdateKeyGroupCommand,
  UpdatePublicKeyCommand,
} from '@aws-sdk/client-cloudfront';
import { simpleConfig, tempDir, writeYaml } from '../../helpers/config.js';
import { startApiEdge } from '../../helpers/control-api.js';

const pem = (type: 'rsa' | 'ec', options: object) =>
  generateKeyPairSync(type as 'rsa', options as { modulusLength: number }).publicKey.export({
    type: 'spki',
    format: 'pem',
  }) as string;
const RSA_2048 = pem('rsa', { modulusLength: 2048 });
const OTHER_RSA_2048 = pem('rsa', { modulusLength: 2048 });
const EC_P256 = pem('ec', { namedCurve: 'prime256v1' });
/** The config file's key: listed and readable through the API, and a key group may name it. */
const FILE_KEY_ID = 'KFILEKEY000001';

async function setup(t: TestContext, files: object = {}) {
  const dir = await tempDir();
  const config = await writeYaml(dir.dir, 'edgefront.yaml', {
    ...simpleConfig(8080),
    PublicKeys: [{ Id: FILE_KEY_ID, PublicKeyConfig: { Name: 'from-file', EncodedKey: RSA_2048 } }],
    ...files,
  });
  const serve = ['--config', config, '--state-dir', join(dir.dir, 'state')];
  const api = await startApiEdge(serve);
  t.after(() => api.edge.close().then(dir.remove));
  return { api, serve };
}

function keyConfig(ref: string, extra: Partial<PublicKeyConfig> = {}): PublicKeyConfig {
  return {
    CallerReference: ref,
    Name: `key-${ref}`,
    EncodedKey: RSA_2048,
    Comment: 'signs /private',
    ...extra,
  };
}

async function createKey(cf: CloudFrontClient, ref: string) {
  const created = await cf.send(new CreatePublicKeyCommand({ PublicKeyConfig: keyConfig(ref) }));
  return { id: created.PublicKey?.Id as string, etag: created.ETag as string };
}

async function createGroup(cf: CloudFrontClient, name: string, items: string[]) {
  const created = await cf.send(new CreateKeyGroupCommand({ KeyGroupConfig: { Name: name, Items: items } }));
  return { id: created.KeyGroup?.Id as string, etag: created.ETag as string };
}

const keyCount = async (cf: CloudFrontClient) =>
  (await cf.send(new ListPublicKeysCommand({}))).PublicKeyList?.Quantity;
const groupCount = async (cf: CloudFrontClient) =>
  (await cf.send(new ListKeyGroupsCommand({}))).KeyGroupList?.Quantity;

test('CreatePublicKey answers 201 with a K… id, Location and ETag; Get, GetConfig and List read it back', async (t) => {
  const { api } = await setup(t);
  assert.equal(await keyCount(api.cf), 1); // the config file's
  const created = await api.cf.send(new CreatePublicKeyCommand({ PublicKeyConfig: keyConfig('k1') }));
  const key = created.PublicKey;
  assert.match(key?.Id ?? '', /^K[A-Z0-9]{13}$/);
  assert.ok(created.Location?.endsWith(`/2020-05-31/public-key/${key?.Id}`));
  assert.match(created.ETag ?? '', /^E[A-Z0-9]{13}$/);
  assert.ok(key?.CreatedTime instanceof Date);
  assert.equal(key?.PublicKeyConfig?.EncodedKey, RSA_2048);
  const got = await api.cf.send(new GetPublicKeyCommand({ Id: key?.Id }));
  assert.equal(got.ETag, created.ETag);
  assert.deepEqual(got.PublicKey, key);
  const config = await api.cf.send(new GetPublicKeyConfigCommand({ Id: key?.Id }));
  assert.equal(config.ETag, created.ETag);
  assert.deepEqual(config.PublicKeyConfig, keyConfig('k1'));
  const list = await api.cf.send(new ListPublicKeysCommand({}));
  assert.equal(list.PublicKeyList?.Quantity, 2);
  assert.deepEqual(
    list.PublicKeyList?.Items?.find((k) => k.Id === key?.Id),
    {
      Id: key?.Id,
      Name: 'key-k1',
      CreatedTime: key?.CreatedTime,
      EncodedKey: RSA_2048,
      Comment: 'signs /private',
    },
  );
});

test('an ECDSA P-256 public key is accepted, as CloudFront takes them for signed URLs', async (t) => {
  const { api } = await setup(t);
  const created = await api.cf.send(
    new CreatePublicKeyCommand({ PublicKeyConfig: keyConfig('ec', { EncodedKey: EC_P256 }) }),
  );
  assert.equal(created.PublicKey?.PublicKeyConfig?.EncodedKey, EC_P256);
});

test('a key that is not a PEM RSA 2048 or P-256 public key is InvalidArgument; a reused CallerReference or Name PublicKeyAlreadyExists', async (t) => {
  const { api } = await setup(t);
  await createKey(api.cf, 'first');
  const privatePem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
  const refused: [string, Partial<PublicKeyConfig>][] = [
    ['not PEM', { EncodedKey: 'not a key' }],
    [
      'garbage inside the PEM armour',
      { EncodedKey: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' },
    ],
    ['a private key', { EncodedKey: privatePem }],
    ['RSA 1024', { EncodedKey: pem('rsa', { modulusLength: 1024 }) }],
    ['P-384', { EncodedKey: pem('ec', { namedCurve: 'secp384r1' }) }],
    ['no Name', { Name: '' }],
    ['a long comment', { Comment: 'x'.repeat(129) }],
  ];
  for (const [why, extra] of refused) {
    await assert.rejects(
      api.cf.send(new CreatePublicKeyCommand({ PublicKeyConfig: keyConfig(`bad-${why}`, extra) })),
      { name: 'InvalidArgument' },
      why,
    );
  }
  await assert.rejects(
    api.cf.send(new CreatePublicKeyCommand({ PublicKeyConfig: keyConfig('first', { Name: 'other' }) })),
    { name: 'PublicKeyAlreadyExists' },
  );
  await assert.rejects(
    api.cf.send(new CreatePublicKeyCommand({ PublicKeyConfig: keyConfig('second', { Name: 'key-first' }) })),
    { name: 'PublicKeyAlreadyExists' },
  );
  // A config-file key's name is taken too.
  await assert.rejects(
    api.cf.send(new CreatePublicKeyCommand({ PublicKeyConfig: keyConfig('third', { Name: 'from-file' }) })),
    { name: 'PublicKeyAlreadyExists' },
  );
  assert.equal(await keyCount(api.cf), 2);
});

test('UpdatePublicKey needs the current ETag and changes only the Comment: the key, Name and CallerReference are immutable', async (t) => {
  const { api } = await setup(t);
  const { id, etag } = await createKey(api.cf, 'u');
  const before = await api.cf.send(new GetPublicKeyCommand({ Id: id }));
  const changed = keyConfig('u', { Comment: 'rotated next month' });
  await assert.rejects(api.cf.send(new UpdatePublicKeyCommand({ Id: id, PublicKeyConfig: changed })), {
    name: 'InvalidIfMatchVersion',
  });
  await assert.rejects(
    api.cf.send(new UpdatePublicKeyCommand({ Id: id, PublicKeyConfig: changed, IfMatch: 'ESTALEETAG00000' })),
    { name: 'PreconditionFailed' },
  );
  for (const immutable of [
    { EncodedKey: OTHER_RSA_2048 },
    { Name: 'renamed' },
    { CallerReference: 'other' },
  ]) {
    await assert.rejects(
      api.cf.send(
        new UpdatePublicKeyCommand({ Id: id, PublicKeyConfig: keyConfig('u', immutable), IfMatch: etag }),
      ),
      { name: 'CannotChangeImmutablePublicKeyFields' },
    );
  }
  const after = await api.cf.send(new GetPublicKeyCommand({ Id: id }));
  assert.deepEqual([after.ETag, after.PublicKey], [before.ETag, before.PublicKey]);
  const updated = await api.cf.send(
    new UpdatePublicKeyCommand({ Id: id, PublicKeyConfig: changed, IfMatch: etag }),
  );
  assert.notEqual(updated.ETag, etag);
  assert.equal(updated.PublicKey?.PublicKeyConfig?.Comment, 'rotated next month');
  assert.deepEqual(updated.PublicKey?.CreatedTime, before.PublicKey?.CreatedTime);
  await assert.rejects(
    api.cf.send(
      new UpdatePublicKeyCommand({ Id: 'KNOSUCHKEY0000', PublicKeyConfig: changed, IfMatch: etag }),
    ),
    { name: 'NoSuchPublicKey' },
  );
});

test('key groups: Create (a UUID id), Get, GetConfig, List and Update with the ETag; a config-file key may be named', async (t) => {
  const { api } = await setup(t);
  const a = await createKey(api.cf, 'a');
  const created = await api.cf.send(
    new CreateKeyGroupCommand({
      KeyGroupConfig: { Name: 'signers', Items: [a.id, FILE_KEY_ID], Comment: 'prod' },
    }),
  );
  const id = created.KeyGroup?.Id as string;
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.ok(created.Location?.endsWith(`/2020-05-31/key-group/${id}`));
  assert.deepEqual(created.KeyGroup?.KeyGroupConfig, {
    Name: 'signers',
    Items: [a.id, FILE_KEY_ID],
    Comment: 'prod',
  });
  const got = await api.cf.send(new GetKeyGroupCommand({ Id: id }));
  assert.equal(got.ETag, created.ETag);
  assert.deepEqual(got.KeyGroup, created.KeyGroup);
  const config = await api.cf.send(new GetKeyGroupConfigCommand({ Id: id }));
  assert.deepEqual(config.KeyGroupConfig, created.KeyGroup?.KeyGroupConfig);
  const list = await api.cf.send(new ListKeyGroupsCommand({}));
  assert.deepEqual(
    list.KeyGroupList?.Items?.map((s) => s.KeyGroup?.Id),
    [id],
  );

  const next = { Name: 'signers', Items: [a.id] };
  await assert.rejects(api.cf.send(new UpdateKeyGroupCommand({ Id: id, KeyGroupConfig: next })), {
    name: 'InvalidIfMatchVersion',
  });
  await assert.rejects(
    api.cf.send(new UpdateKeyGroupCommand({ Id: id, KeyGroupConfig: next, IfMatch: 'ESTALEETAG00000' })),
    { name: 'PreconditionFailed' },
  );
  const updated = await api.cf.send(
    new UpdateKeyGroupCommand({ Id: id, KeyGroupConfig: next, IfMatch: created.ETag }),
  );
  assert.notEqual(updated.ETag, created.ETag);
  assert.deepEqual(updated.KeyGroup?.KeyGroupConfig?.Items, [a.id]);
  await assert.rejects(api.cf.send(new GetKeyGroupCommand({ Id: 'no-such-group' })), {
    name: 'NoSuchResource',
  });
});

test('key group refusals: NoSuchPublicKey, TooManyPublicKeysInKeyGroup, KeyGroupAlreadyExists, TooManyKeyGroups; nothing changes', async (t) => {
  const { api } = await setup(t);
  const a = await createKey(api.cf, 'a');
  const group = await createGroup(api.cf, 'taken', [a.id]);
  await assert.rejects(
    api.cf.send(new CreateKeyGroupCommand({ KeyGroupConfig: { Name: 'g', Items: ['KNOSUCHKEY0000'] } })),
    { name: 'NoSuchPublicKey' },
  );
  await assert.rejects(
    api.cf.send(
      new UpdateKeyGroupCommand({
        Id: group.id,
        IfMatch: group.etag,
        KeyGroupConfig: { Name: 'taken', Items: [a.id, 'KNOSUCHKEY0000'] },
      }),
    ),
    { name: 'NoSuchPublicKey' },
  );
  const six = ['K1', 'K2', 'K3', 'K4', 'K5', 'K6'];
  await assert.rejects(
    api.cf.send(new CreateKeyGroupCommand({ KeyGroupConfig: { Name: 'g', Items: six } })),
    {
      name: 'TooManyPublicKeysInKeyGroup',
    },
  );
  await assert.rejects(api.cf.send(new CreateKeyGroupCommand({ KeyGroupConfig: { Name: 'g', Items: [] } })), {
    name: 'InvalidArgument',
  });
  await assert.rejects(
    api.cf.send(new CreateKeyGroupCommand({ KeyGroupConfig: { Name: 'taken', Items: [a.id] } })),
    {
      name: 'KeyGroupAlreadyExists',
    },
  );
  assert.deepEqual((await api.cf.send(new GetKeyGroupCommand({ Id: group.id }))).ETag, group.etag);
  for (let i = 2; i <= 10; i++) await createGroup(api.cf, `group-${i}`, [a.id]);
  await assert.rejects(
    api.cf.send(new CreateKeyGroupCommand({ KeyGroupConfig: { Name: 'eleven', Items: [a.id] } })),
    {
      name: 'TooManyKeyGroups',
    },
  );
  assert.equal(await groupCount(api.cf), 10);
  const page = await api.cf.send(new ListKeyGroupsCommand({ MaxItems: 4 }));
  assert.equal(page.KeyGroupList?.Quantity, 4);
  const rest = await api.cf.send(new ListKeyGroupsCommand({ Marker: page.KeyGroupList?.NextMarker }));
  assert.equal(rest.KeyGroupList?.Quantity, 6);
  assert.equal(rest.KeyGroupList?.NextMarker, undefined);
});

test('a key in a group is PublicKeyInUse; a group a distribution trusts is ResourceInUse; once free both delete', async (t) => {
  const { api } = await setup(t);
  const key = await createKey(api.cf, 'used');
  const group = await createGroup(api.cf, 'trusted', [key.id]);
  const dist = await api.cf.send(new GetDistributionConfigCommand({ Id: 'E1TEST' }));
  const config = dist.DistributionConfig!;
  const behavior = config.DefaultCacheBehavior!;
  const trusting = await api.cf.send(
    new UpdateDistributionCommand({
      Id: 'E1TEST',
      IfMatch: dist.ETag,
      DistributionConfig: {
        ...config,
        DefaultCacheBehavior: {
          ...behavior,
          TrustedKeyGroups: { Enabled: true, Quantity: 1, Items: [group.id] },
        },
      },
    }),
  );
  const active = (await api.cf.send(new GetDistributionCommand({ Id: 'E1TEST' }))).Distribution
    ?.ActiveTrustedKeyGroups;
  assert.deepEqual(active?.Items?.[0], {
    KeyGroupId: group.id,
    KeyPairIds: { Quantity: 1, Items: [key.id] },
  });

  await assert.rejects(api.cf.send(new DeletePublicKeyCommand({ Id: key.id, IfMatch: key.etag })), {
    name: 'PublicKeyInUse',
  });
  await assert.rejects(api.cf.send(new DeleteKeyGroupCommand({ Id: group.id })), {
    name: 'InvalidIfMatchVersion',
  });
  await assert.rejects(api.cf.send(new DeleteKeyGroupCommand({ Id: group.id, IfMatch: 'ESTALEETAG00000' })), {
    name: 'PreconditionFailed',
  });
  await assert.rejects(api.cf.send(new DeleteKeyGroupCommand({ Id: group.id, IfMatch: group.etag })), {
    name: 'ResourceInUse',
  });
  assert.equal(await groupCount(api.cf), 1);
  assert.equal(await keyCount(api.cf), 2);

  await api.cf.send(
    new UpdateDistributionCommand({ Id: 'E1TEST', IfMatch: trusting.ETag, DistributionConfig: config }),
  );
  await api.cf.send(new DeleteKeyGroupCommand({ Id: group.id, IfMatch: group.etag }));
  await api.cf.send(new DeletePublicKeyCommand({ Id: key.id, IfMatch: key.etag }));
  await assert.rejects(api.cf.send(new GetKeyGroupCommand({ Id: group.id })), { name: 'NoSuchResource' });
  await assert.rejects(api.cf.send(new GetPublicKeyCommand({ Id: key.id })), { name: 'NoSuchPublicKey' });
  await assert.rejects(api.cf.send(new DeletePublicKeyCommand({ Id: key.id, IfMatch: key.etag })), {
    name: 'NoSuchPublicKey',
  });
});

test('public keys and key groups survive a restart with the same --state-dir, ETags unchanged', async (t) => {
  const { api, serve } = await setup(t);
  const key = await createKey(api.cf, 'kept');
  const group = await createGroup(api.cf, 'kept', [key.id, FILE_KEY_ID]);
  await api.edge.close();
  const again = await startApiEdge(serve);
  t.after(() => again.edge.close());
  assert.equal((await again.cf.send(new GetPublicKeyCommand({ Id: key.id }))).ETag, key.etag);
  const got = await again.cf.send(new GetKeyGroupCommand({ Id: group.id }));
  assert.equal(got.ETag, group.etag);
  assert.deepEqual(got.KeyGroup?.KeyGroupConfig?.Items, [key.id, FILE_KEY_ID]);
});

test('config-file public keys and key groups: listed and read with a stable ETag, updated and deleted through the API, across restarts', async (t) => {
  const first = await setup(t, {
    PublicKeys: [
      {
        Id: 'KFILEKEY000002',
        PublicKeyConfig: { Name: 'file-key', EncodedKey: EC_P256, Comment: 'from yaml' },
      },
    ],
    KeyGroups: [
      // The key named by its Name: the API shows its id.
      { KeyGroupConfig: { Name: 'file-signers', Items: ['file-key'], Comment: 'from yaml' } },
      { KeyGroupConfig: { Name: 'file-spare', Items: ['KFILEKEY000002'] } },
    ],
  });
  let api = first.api;
  const restart = async () => {
    await api.edge.close();
    const again = await startApiEdge(first.serve);
    t.after(() => again.edge.close());
    api = again;
  };
  const groupNamed = async (name: string) => {
    const list = await api.cf.send(new ListKeyGroupsCommand({}));
    return list.KeyGroupList?.Items?.find((s) => s.KeyGroup?.KeyGroupConfig?.Name === name)?.KeyGroup;
  };

  const keys = await api.cf.send(new ListPublicKeysCommand({}));
  assert.deepEqual(
    keys.PublicKeyList?.Items?.find((k) => k.Id === 'KFILEKEY000002'),
    {
      Id: 'KFILEKEY000002',
      Name: 'file-key',
      CreatedTime: keys.PublicKeyList?.Items?.[0].CreatedTime,
      EncodedKey: EC_P256,
      Comment: 'from yaml',
    },
  );
  const key = await api.cf.send(new GetPublicKeyConfigCommand({ Id: 'KFILEKEY000002' }));
  assert.match(key.ETag ?? '', /^E[A-Z0-9]{13}$/);
  assert.equal(key.PublicKeyConfig?.CallerReference, 'edgefront-config-KFILEKEY000002');
  const signers = await groupNamed('file-signers');
  const spare = await groupNamed('file-spare');
  assert.deepEqual(signers?.KeyGroupConfig, {
    Name: 'file-signers',
    Items: ['KFILEKEY000002'],
    Comment: 'from yaml',
  });
  const signersETag = (await api.cf.send(new GetKeyGroupCommand({ Id: signers?.Id }))).ETag as string;
  const spareETag = (await api.cf.send(new GetKeyGroupConfigCommand({ Id: spare?.Id }))).ETag as string;
  assert.match(signersETag, /^E[A-Z0-9]{13}$/);
  // Config-file groups hold the key; config-file items count towards the quota and names.
  await assert.rejects(api.cf.send(new DeletePublicKeyCommand({ Id: 'KFILEKEY000002', IfMatch: key.ETag })), {
    name: 'PublicKeyInUse',
  });
  await assert.rejects(
    api.cf.send(
      new CreateKeyGroupCommand({ KeyGroupConfig: { Name: 'file-spare', Items: ['KFILEKEY000002'] } }),
    ),
    { name: 'KeyGroupAlreadyExists' },
  );
  for (let i = 3; i <= 10; i++) await createGroup(api.cf, `group-${i}`, ['KFILEKEY000002']);
  await assert.rejects(
    api.cf.send(new CreateKeyGroupCommand({ KeyGroupConfig: { Name: 'eleven', Items: ['KFILEKEY000002'] } })),
    {
      name: 'TooManyKeyGroups',
    },
  );

  await restart();
  assert.equal((await api.cf.send(new GetKeyGroupCommand({ Id: signers?.Id }))).ETag, signersETag);
  assert.equal((await api.cf.send(new GetPublicKeyCommand({ Id: 'KFILEKEY000002' }))).ETag, key.ETag);

  await assert.rejects(
    api.cf.send(
      new UpdateKeyGroupCommand({
        Id: signers?.Id,
        IfMatch: 'ESTALEETAG00000',
        KeyGroupConfig: { Name: 'file-signers', Items: ['KFILEKEY000002'] },
      }),
    ),
    { name: 'PreconditionFailed' },
  );
  const updated = await api.cf.send(
    new UpdateKeyGroupCommand({
      Id: signers?.Id,
      IfMatch: signersETag,
      KeyGroupConfig: { Name: 'file-signers', Items: ['KFILEKEY000002'], Comment: 'changed' },
    }),
  );
  assert.notEqual(updated.ETag, signersETag);
  const keyUpdated = await api.cf.send(
    new UpdatePublicKeyCommand({
      Id: 'KFILEKEY000002',
      IfMatch: key.ETag,
      PublicKeyConfig: { ...(key.PublicKeyConfig as PublicKeyConfig), Comment: 'rotated' },
    }),
  );
  await api.cf.send(new DeleteKeyGroupCommand({ Id: spare?.Id, IfMatch: spareETag }));
  await assert.rejects(api.cf.send(new GetKeyGroupCommand({ Id: spare?.Id })), { name: 'NoSuchResource' });

  await restart();
  const after = await api.cf.send(new GetKeyGroupCommand({ Id: signers?.Id }));
  assert.equal(after.ETag, updated.ETag);
  assert.equal(after.KeyGroup?.KeyGroupConfig?.Comment, 'changed');
  const keyAfter = await api.cf.send(new GetPublicKeyCommand({ Id: 'KFILEKEY000002' }));
  assert.equal(keyAfter.ETag, keyUpdated.ETag);
  assert.equal(keyAfter.PublicKey?.PublicKeyConfig?.Comment, 'rotated');
  await assert.rejects(api.cf.send(new GetKeyGroupCommand({ Id: spare?.Id })), { name: 'NoSuchResource' });
  assert.equal(await groupNamed('file-spare'), undefined);
  assert.equal(await groupCount(api.cf), 9);
});
