/**
 * Distributions through the real `@aws-sdk/client-cloudfront` against `edgefront serve`: created,
 * read, changed and deleted through the API, applied to live traffic without restart, persisted
 * in --state-dir, and every refusal with CloudFront's error code and the state left unchanged.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CreateDistributionCommand,
  CreateDistributionWithTagsCommand,
  DeleteDistributionCommand,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  ListDistributionsCommand,
  UpdateDistributionCommand,
} from '@aws-sdk/client-cloudfront';
import { simpleConfig, tempDir, writeYaml } from '../../helpers/config.js';
import { apiDistributionConfig, startApiEdge, startEmptyApiEdge } from '../../helpers/control-api.js';
import { httpRequest } from '../../helpers/http.js';
import { startOrigin } from '../../helpers/origin.js';

async function setup(t: { after(fn: () => unknown): void }) {
  const origin = await startOrigin((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`origin saw ${req.url}`);
  });
  const dir = await tempDir();
  const config = await writeYaml(dir.dir, 'edgefront.yaml', simpleConfig(origin.port));
  const state = `${dir.dir}/state`;
  const api = await startApiEdge(['--config', config, '--state-dir', state]);
  t.after(async () => {
    await api.edge.close();
    await origin.close();
    await dir.remove();
  });
  return { origin, api, config, state };
}

/** fetch() drops a Host header; the distribution is chosen by it, so a plain node:http request. */
async function viewerGet(
  edgeUrl: string,
  host: string,
  path: string,
): Promise<{ status: number; text: string }> {
  const res = await httpRequest(new URL(path, edgeUrl).href, { headers: { host } });
  return { status: res.status, text: res.body };
}

test('a config-file distribution is listed and readable through the API, with a stable ETag', async (t) => {
  const { api } = await setup(t);
  const list = await api.cf.send(new ListDistributionsCommand({}));
  assert.equal(list.DistributionList?.Quantity, 1);
  assert.equal(list.DistributionList?.Items?.[0].Id, 'E1TEST');
  const got = await api.cf.send(new GetDistributionCommand({ Id: 'E1TEST' }));
  assert.match(got.ETag ?? '', /^E[A-Z0-9]{13}$/);
  assert.equal(got.Distribution?.Status, 'Deployed');
  assert.equal(got.Distribution?.DistributionConfig?.Origins?.Items?.[0].Id, 'app');
  const again = await api.cf.send(new GetDistributionConfigCommand({ Id: 'E1TEST' }));
  assert.equal(again.ETag, got.ETag);
});

test('CreateDistribution answers 201 InProgress and the new distribution serves traffic at once, then reads Deployed', async (t) => {
  const { api, origin } = await setup(t);
  const created = await api.cf.send(
    new CreateDistributionCommand({ DistributionConfig: apiDistributionConfig(origin.port, 'ref-1') }),
  );
  const dist = created.Distribution;
  assert.ok(dist?.Id?.startsWith('E'));
  assert.equal(dist?.Status, 'InProgress');
  assert.ok(created.Location?.endsWith(`/2020-05-31/distribution/${dist?.Id}`));
  assert.match(created.ETag ?? '', /^E/);
  const domain = dist?.DomainName as string;
  const res = await viewerGet(api.edge.http.href, domain, '/hello');
  assert.equal(res.status, 200);
  assert.equal(res.text, 'origin saw /hello');
  const got = await api.cf.send(new GetDistributionCommand({ Id: dist?.Id }));
  assert.equal(got.Distribution?.Status, 'Deployed');
  assert.equal(got.ETag, created.ETag);
});

test('UpdateDistribution needs the current ETag, replaces the config and reaches live traffic', async (t) => {
  const { api, origin } = await setup(t);
  const created = await api.cf.send(
    new CreateDistributionCommand({ DistributionConfig: apiDistributionConfig(origin.port, 'ref-u') }),
  );
  const id = created.Distribution?.Id as string;
  const domain = created.Distribution?.DomainName as string;
  const config = apiDistributionConfig(origin.port, 'ref-u');
  (config.Origins?.Items ?? [])[0].OriginPath = '/v2';

  await assert.rejects(api.cf.send(new UpdateDistributionCommand({ Id: id, DistributionConfig: config })), {
    name: 'InvalidIfMatchVersion',
  });
  await assert.rejects(
    api.cf.send(
      new UpdateDistributionCommand({ Id: id, DistributionConfig: config, IfMatch: 'ESTALEETAG00000' }),
    ),
    {
      name: 'PreconditionFailed',
    },
  );
  const updated = await api.cf.send(
    new UpdateDistributionCommand({ Id: id, DistributionConfig: config, IfMatch: created.ETag }),
  );
  assert.notEqual(updated.ETag, created.ETag);
  assert.equal(updated.Distribution?.Status, 'InProgress');
  assert.equal((await viewerGet(api.edge.http.href, domain, '/x')).text, 'origin saw /v2/x');
  await assert.rejects(
    api.cf.send(
      new UpdateDistributionCommand({
        Id: id,
        DistributionConfig: { ...config, CallerReference: 'other' },
        IfMatch: updated.ETag,
      }),
    ),
    { name: 'IllegalUpdate' },
  );
});

test('a config CloudFront would refuse is InvalidArgument naming the field, and nothing changes', async (t) => {
  const { api, origin } = await setup(t);
  const before = await api.cf.send(new GetDistributionCommand({ Id: 'E1TEST' }));
  const bad = apiDistributionConfig(origin.port, 'edgefront-config-E1TEST');
  bad.DefaultCacheBehavior = {
    ...bad.DefaultCacheBehavior,
    TargetOriginId: 'nowhere',
  } as typeof bad.DefaultCacheBehavior;
  await assert.rejects(
    api.cf.send(
      new UpdateDistributionCommand({ Id: 'E1TEST', DistributionConfig: bad, IfMatch: before.ETag }),
    ),
    (err: Error) => {
      assert.equal(err.name, 'InvalidArgument');
      assert.match(err.message, /TargetOriginId/);
      return true;
    },
  );
  const after = await api.cf.send(new GetDistributionCommand({ Id: 'E1TEST' }));
  assert.equal(after.ETag, before.ETag);
  const create = apiDistributionConfig(origin.port, 'ref-bad');
  create.DefaultCacheBehavior = {
    ...create.DefaultCacheBehavior,
    TargetOriginId: 'nowhere',
  } as typeof create.DefaultCacheBehavior;
  await assert.rejects(api.cf.send(new CreateDistributionCommand({ DistributionConfig: create })), {
    name: 'InvalidArgument',
  });
  const list = await api.cf.send(new ListDistributionsCommand({}));
  assert.equal(list.DistributionList?.Quantity, 1);
});

test('CallerReference and aliases are unique: DistributionAlreadyExists and CNAMEAlreadyExists', async (t) => {
  const { api, origin } = await setup(t);
  await api.cf.send(
    new CreateDistributionCommand({
      DistributionConfig: apiDistributionConfig(origin.port, 'ref-a', {
        Aliases: { Quantity: 1, Items: ['www.example.com'] },
      }),
    }),
  );
  await assert.rejects(
    api.cf.send(
      new CreateDistributionCommand({ DistributionConfig: apiDistributionConfig(origin.port, 'ref-a') }),
    ),
    {
      name: 'DistributionAlreadyExists',
    },
  );
  await assert.rejects(
    api.cf.send(
      new CreateDistributionCommand({
        DistributionConfig: apiDistributionConfig(origin.port, 'ref-b', {
          Aliases: { Quantity: 1, Items: ['WWW.example.com'] },
        }),
      }),
    ),
    { name: 'CNAMEAlreadyExists' },
  );
});

test('DeleteDistribution refuses an enabled distribution and deletes a disabled one', async (t) => {
  const { api, origin } = await setup(t);
  const created = await api.cf.send(
    new CreateDistributionCommand({ DistributionConfig: apiDistributionConfig(origin.port, 'ref-d') }),
  );
  const id = created.Distribution?.Id as string;
  await assert.rejects(api.cf.send(new DeleteDistributionCommand({ Id: id, IfMatch: created.ETag })), {
    name: 'DistributionNotDisabled',
  });
  const disabled = await api.cf.send(
    new UpdateDistributionCommand({
      Id: id,
      IfMatch: created.ETag,
      DistributionConfig: apiDistributionConfig(origin.port, 'ref-d', { Enabled: false }),
    }),
  );
  const domain = created.Distribution?.DomainName as string;
  assert.equal((await viewerGet(api.edge.http.href, domain, '/')).status, 403);
  await api.cf.send(new DeleteDistributionCommand({ Id: id, IfMatch: disabled.ETag }));
  await assert.rejects(api.cf.send(new GetDistributionCommand({ Id: id })), { name: 'NoSuchDistribution' });
});

test('distributions created through the API survive a restart with the same --state-dir', async (t) => {
  const { api, origin, config, state } = await setup(t);
  const created = await api.cf.send(
    new CreateDistributionWithTagsCommand({
      DistributionConfigWithTags: {
        DistributionConfig: apiDistributionConfig(origin.port, 'ref-p'),
        Tags: { Items: [{ Key: 'team', Value: 'web' }] },
      },
    }),
  );
  await api.edge.close();
  const again = await startApiEdge(['--config', config, '--state-dir', state]);
  t.after(() => again.edge.close());
  const got = await again.cf.send(new GetDistributionCommand({ Id: created.Distribution?.Id }));
  assert.equal(got.ETag, created.ETag);
  assert.equal(got.Distribution?.Status, 'Deployed');
  const res = await viewerGet(again.edge.http.href, created.Distribution?.DomainName as string, '/back');
  assert.equal(res.text, 'origin saw /back');
});

test('ListDistributions pages with MaxItems and Marker', async (t) => {
  const { api, origin } = await setup(t);
  for (const ref of ['p1', 'p2']) {
    await api.cf.send(
      new CreateDistributionCommand({ DistributionConfig: apiDistributionConfig(origin.port, ref) }),
    );
  }
  const first = await api.cf.send(new ListDistributionsCommand({ MaxItems: 2 }));
  assert.equal(first.DistributionList?.Quantity, 2);
  assert.equal(first.DistributionList?.IsTruncated, true);
  const second = await api.cf.send(
    new ListDistributionsCommand({ MaxItems: 2, Marker: first.DistributionList?.NextMarker }),
  );
  assert.equal(second.DistributionList?.Quantity, 1);
  assert.equal(second.DistributionList?.IsTruncated, false);
  const ids = [...(first.DistributionList?.Items ?? []), ...(second.DistributionList?.Items ?? [])].map(
    (d) => d.Id,
  );
  assert.equal(new Set(ids).size, 3);
});

test('a request signed with the wrong secret is refused with SignatureDoesNotMatch; an unknown key with InvalidClientTokenId', async (t) => {
  const { api } = await setup(t);
  const wrong = api.client({ accessKeyId: 'AKIDEDGEFRONTTEST01', secretAccessKey: 'not-the-secret' });
  await assert.rejects(wrong.send(new ListDistributionsCommand({})), { name: 'SignatureDoesNotMatch' });
  const unknown = api.client({ accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' });
  await assert.rejects(unknown.send(new ListDistributionsCommand({})), { name: 'InvalidClientTokenId' });
});

test('serve with no config file starts empty, like a new account, and serves what the API creates', async (t) => {
  const { api, origin } = await startEmptyApiEdge(t);
  assert.match(api.edge.stderr(), /no --config given/);
  const empty = await api.cf.send(new ListDistributionsCommand({}));
  assert.equal(empty.DistributionList?.Quantity, 0);
  const created = await api.cf.send(
    new CreateDistributionCommand({ DistributionConfig: apiDistributionConfig(origin.port, 'first') }),
  );
  const res = await viewerGet(api.edge.http.href, created.Distribution?.DomainName as string, '/new');
  assert.equal(res.text, 'origin saw /new');
});

test('a config-file distribution changed and then deleted through the API stays deleted after a restart', async (t) => {
  const { api, config, state } = await setup(t);
  const current = await api.cf.send(new GetDistributionConfigCommand({ Id: 'E1TEST' }));
  const disabled = await api.cf.send(
    new UpdateDistributionCommand({
      Id: 'E1TEST',
      IfMatch: current.ETag,
      DistributionConfig: {
        ...current.DistributionConfig,
        Enabled: false,
      } as typeof current.DistributionConfig,
    }),
  );
  await api.cf.send(new DeleteDistributionCommand({ Id: 'E1TEST', IfMatch: disabled.ETag }));
  await api.edge.close();
  const again = await startApiEdge(['--config', config, '--state-dir', state]);
  t.after(() => again.edge.close());
  await assert.rejects(again.cf.send(new GetDistributionCommand({ Id: 'E1TEST' })), {
    name: 'NoSuchDistribution',
  });
  const list = await again.cf.send(new ListDistributionsCommand({}));
  assert.equal(list.DistributionList?.Quantity, 0);
});
