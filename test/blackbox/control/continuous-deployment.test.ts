/**
 * Continuous deployment policies through the real `@aws-sdk/client-cloudfront` against
 * `edgefront serve`: every operation, CloudFront's checks on the traffic config and the staging
 * distribution, the policy in use by a primary, persistence in --state-dir (the stored API shape
 * loads through the config loader), each refusal leaving the state unchanged.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import {
  type CloudFrontClient,
  type ContinuousDeploymentPolicyConfig,
  CopyDistributionCommand,
  CreateContinuousDeploymentPolicyCommand,
  DeleteContinuousDeploymentPolicyCommand,
  GetContinuousDeploymentPolicyCommand,
  GetContinuousDeploymentPolicyConfigCommand,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  ListContinuousDeploymentPoliciesCommand,
  type TrafficConfig,
  UpdateContinuousDeploymentPolicyCommand,
  UpdateDistributionCommand,
} from '@aws-sdk/client-cloudfront';
import { simpleConfig, tempDir, writeYaml } from '../../helpers/config.js';
import { startApiEdge } from '../../helpers/control-api.js';

const WEIGHTED: TrafficConfig = {
  Type: 'SingleWeight',
  SingleWeightConfig: { Weight: 0.1, SessionStickinessConfig: { IdleTTL: 300, MaximumTTL: 600 } },
};
const BY_HEADER: TrafficConfig = {
  Type: 'SingleHeader',
  SingleHeaderConfig: { Header: 'aws-cf-cd-canary', Value: 'yes' },
};

async function setup(t: TestContext, doc: object = simpleConfig(8080)) {
  const dir = await tempDir();
  const serve = ['--config', await writeYaml(dir.dir, 'edgefront.yaml', doc)];
  serve.push('--state-dir', join(dir.dir, 'state'));
  const api = await startApiEdge(serve);
  t.after(() => api.edge.close().then(dir.remove));
  return { api, serve };
}

/** A staging copy of the config-file primary E1TEST; its domain name goes in the policy. */
async function stagingDomain(cf: CloudFrontClient, ref: string): Promise<string> {
  const primary = await cf.send(new GetDistributionCommand({ Id: 'E1TEST' }));
  const copy = await cf.send(
    new CopyDistributionCommand({
      PrimaryDistributionId: 'E1TEST',
      CallerReference: ref,
      Staging: true,
      IfMatch: primary.ETag,
    }),
  );
  return copy.Distribution?.DomainName as string;
}

function policy(
  domain: string,
  traffic: TrafficConfig = WEIGHTED,
  enabled = true,
): ContinuousDeploymentPolicyConfig {
  return {
    StagingDistributionDnsNames: { Quantity: 1, Items: [domain] },
    Enabled: enabled,
    TrafficConfig: traffic,
  };
}

/** A staging copy and a policy sending it traffic by `traffic`. */
async function createPolicy(cf: CloudFrontClient, ref: string, traffic: TrafficConfig = WEIGHTED) {
  const domain = await stagingDomain(cf, ref);
  const created = await cf.send(
    new CreateContinuousDeploymentPolicyCommand({
      ContinuousDeploymentPolicyConfig: policy(domain, traffic),
    }),
  );
  return {
    created,
    domain,
    id: created.ContinuousDeploymentPolicy?.Id as string,
    etag: created.ETag as string,
  };
}

const count = async (cf: CloudFrontClient) =>
  (await cf.send(new ListContinuousDeploymentPoliciesCommand({}))).ContinuousDeploymentPolicyList?.Quantity;

test('CreateContinuousDeploymentPolicy answers 201 with a UUID id, Location and ETag; Get, GetConfig and List read it', async (t) => {
  const { api } = await setup(t);
  const { created, domain, id } = await createPolicy(api.cf, 'stage-1');
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.ok(created.Location?.endsWith(`/2020-05-31/continuous-deployment-policy/${id}`));
  assert.match(created.ETag ?? '', /^E[A-Z0-9]{13}$/);
  assert.ok(created.ContinuousDeploymentPolicy?.LastModifiedTime instanceof Date);
  assert.deepEqual(created.ContinuousDeploymentPolicy?.ContinuousDeploymentPolicyConfig, policy(domain));
  const got = await api.cf.send(new GetContinuousDeploymentPolicyCommand({ Id: id }));
  assert.equal(got.ETag, created.ETag);
  assert.deepEqual(got.ContinuousDeploymentPolicy, created.ContinuousDeploymentPolicy);
  const config = await api.cf.send(new GetContinuousDeploymentPolicyConfigCommand({ Id: id }));
  assert.equal(config.ETag, created.ETag);
  assert.deepEqual(config.ContinuousDeploymentPolicyConfig, policy(domain));
  const list = await api.cf.send(new ListContinuousDeploymentPoliciesCommand({}));
  assert.equal(list.ContinuousDeploymentPolicyList?.Quantity, 1);
  assert.deepEqual(
    list.ContinuousDeploymentPolicyList?.Items?.[0].ContinuousDeploymentPolicy,
    got.ContinuousDeploymentPolicy,
  );
  await assert.rejects(api.cf.send(new GetContinuousDeploymentPolicyCommand({ Id: 'no-such-policy' })), {
    name: 'NoSuchContinuousDeploymentPolicy',
  });
});

test('UpdateContinuousDeploymentPolicy needs the current ETag and replaces the config (weight → header)', async (t) => {
  const { api } = await setup(t);
  const { created, domain, id } = await createPolicy(api.cf, 'stage-u');
  const next = policy(domain, BY_HEADER, false);
  await assert.rejects(
    api.cf.send(
      new UpdateContinuousDeploymentPolicyCommand({ Id: id, ContinuousDeploymentPolicyConfig: next }),
    ),
    { name: 'InvalidIfMatchVersion' },
  );
  await assert.rejects(
    api.cf.send(
      new UpdateContinuousDeploymentPolicyCommand({
        Id: id,
        ContinuousDeploymentPolicyConfig: next,
        IfMatch: 'ESTALEETAG00000',
      }),
    ),
    { name: 'PreconditionFailed' },
  );
  const updated = await api.cf.send(
    new UpdateContinuousDeploymentPolicyCommand({
      Id: id,
      ContinuousDeploymentPolicyConfig: next,
      IfMatch: created.ETag,
    }),
  );
  assert.notEqual(updated.ETag, created.ETag);
  assert.deepEqual(updated.ContinuousDeploymentPolicy?.ContinuousDeploymentPolicyConfig, next);
  await assert.rejects(
    api.cf.send(
      new UpdateContinuousDeploymentPolicyCommand({
        Id: 'no-such-policy',
        ContinuousDeploymentPolicyConfig: next,
        IfMatch: updated.ETag,
      }),
    ),
    { name: 'NoSuchContinuousDeploymentPolicy' },
  );
});

test('traffic configs CloudFront refuses are InvalidArgument, and nothing is stored', async (t) => {
  const { api } = await setup(t);
  const domain = await stagingDomain(api.cf, 'stage-bad');
  const weighted = (Weight: number, IdleTTL = 300, MaximumTTL = 600): TrafficConfig => ({
    Type: 'SingleWeight',
    SingleWeightConfig: { Weight, SessionStickinessConfig: { IdleTTL, MaximumTTL } },
  });
  const header = (Header: string): TrafficConfig => ({
    Type: 'SingleHeader',
    SingleHeaderConfig: { Header, Value: 'v' },
  });
  const refused: [string, ContinuousDeploymentPolicyConfig][] = [
    ['weight over 0.15', policy(domain, weighted(0.2))],
    ['a negative weight', policy(domain, weighted(-0.01))],
    ['IdleTTL under 300', policy(domain, weighted(0.1, 299, 600))],
    ['MaximumTTL over 3600', policy(domain, weighted(0.1, 300, 3601))],
    ['IdleTTL over MaximumTTL', policy(domain, weighted(0.1, 900, 600))],
    ['SingleWeight without its config', policy(domain, { Type: 'SingleWeight' })],
    ['a header without the aws-cf-cd- prefix', policy(domain, header('x-canary'))],
    ['SingleHeader without its config', policy(domain, { Type: 'SingleHeader' })],
    ['a DNS name that is no staging distribution', policy('e1test.edgefront.localhost')],
    ['an unknown DNS name', policy('nowhere.example.com')],
    ['no DNS name', { StagingDistributionDnsNames: { Quantity: 0 }, Enabled: true }],
  ];
  for (const [why, config] of refused) {
    await assert.rejects(
      api.cf.send(new CreateContinuousDeploymentPolicyCommand({ ContinuousDeploymentPolicyConfig: config })),
      { name: 'InvalidArgument' },
      why,
    );
  }
  assert.equal(await count(api.cf), 0);
  // The edges of the ranges are allowed.
  await api.cf.send(
    new CreateContinuousDeploymentPolicyCommand({
      ContinuousDeploymentPolicyConfig: policy(domain, weighted(0.15, 3600, 3600)),
    }),
  );
  assert.equal(await count(api.cf), 1);
});

test('one policy per staging distribution (StagingDistributionInUse), 20 per account (TooManyContinuousDeploymentPolicies)', async (t) => {
  const { api } = await setup(t);
  const { created, domain: first } = await createPolicy(api.cf, 'stage-0');
  await assert.rejects(
    api.cf.send(
      new CreateContinuousDeploymentPolicyCommand({
        ContinuousDeploymentPolicyConfig: policy(first, BY_HEADER),
      }),
    ),
    { name: 'StagingDistributionInUse' },
  );
  // Updating a policy keeps its own staging distribution.
  await api.cf.send(
    new UpdateContinuousDeploymentPolicyCommand({
      Id: created.ContinuousDeploymentPolicy?.Id,
      IfMatch: created.ETag,
      ContinuousDeploymentPolicyConfig: policy(first, BY_HEADER),
    }),
  );
  for (let i = 1; i < 20; i++) {
    await createPolicy(api.cf, `stage-${i}`);
  }
  const extra = await stagingDomain(api.cf, 'stage-20');
  await assert.rejects(
    api.cf.send(
      new CreateContinuousDeploymentPolicyCommand({ ContinuousDeploymentPolicyConfig: policy(extra) }),
    ),
    { name: 'TooManyContinuousDeploymentPolicies' },
  );
  assert.equal(await count(api.cf), 20);
  const page = await api.cf.send(new ListContinuousDeploymentPoliciesCommand({ MaxItems: 15 }));
  assert.equal(page.ContinuousDeploymentPolicyList?.Quantity, 15);
  const rest = await api.cf.send(
    new ListContinuousDeploymentPoliciesCommand({ Marker: page.ContinuousDeploymentPolicyList?.NextMarker }),
  );
  assert.equal(rest.ContinuousDeploymentPolicyList?.Quantity, 5);
});

test('a policy a distribution names is ContinuousDeploymentPolicyInUse; detached, it deletes with its ETag', async (t) => {
  const { api } = await setup(t);
  const { created, id } = await createPolicy(api.cf, 'stage-d');
  const primary = await api.cf.send(new GetDistributionConfigCommand({ Id: 'E1TEST' }));
  const attached = await api.cf.send(
    new UpdateDistributionCommand({
      Id: 'E1TEST',
      IfMatch: primary.ETag,
      DistributionConfig: { ...primary.DistributionConfig!, ContinuousDeploymentPolicyId: id },
    }),
  );
  await assert.rejects(api.cf.send(new DeleteContinuousDeploymentPolicyCommand({ Id: id })), {
    name: 'InvalidIfMatchVersion',
  });
  await assert.rejects(
    api.cf.send(new DeleteContinuousDeploymentPolicyCommand({ Id: id, IfMatch: 'ESTALEETAG00000' })),
    {
      name: 'PreconditionFailed',
    },
  );
  await assert.rejects(
    api.cf.send(new DeleteContinuousDeploymentPolicyCommand({ Id: id, IfMatch: created.ETag })),
    {
      name: 'ContinuousDeploymentPolicyInUse',
    },
  );
  assert.equal((await api.cf.send(new GetContinuousDeploymentPolicyCommand({ Id: id }))).ETag, created.ETag);
  await api.cf.send(
    new UpdateDistributionCommand({
      Id: 'E1TEST',
      IfMatch: attached.ETag,
      DistributionConfig: primary.DistributionConfig,
    }),
  );
  await api.cf.send(new DeleteContinuousDeploymentPolicyCommand({ Id: id, IfMatch: created.ETag }));
  await assert.rejects(api.cf.send(new GetContinuousDeploymentPolicyCommand({ Id: id })), {
    name: 'NoSuchContinuousDeploymentPolicy',
  });
  assert.equal(await count(api.cf), 0);
});

test('policies survive a restart with the same --state-dir: the stored API shape loads through the config files', async (t) => {
  const { api, serve } = await setup(t);
  const { created, id } = await createPolicy(api.cf, 'stage-p', BY_HEADER);
  await api.edge.close();
  const again = await startApiEdge(serve);
  t.after(() => again.edge.close());
  const got = await again.cf.send(new GetContinuousDeploymentPolicyCommand({ Id: id }));
  assert.equal(got.ETag, created.ETag);
  assert.deepEqual(got.ContinuousDeploymentPolicy, created.ContinuousDeploymentPolicy);
});

test('a config-file policy naming a config-file staging distribution: listed with a stable ETag, updated and deleted through the API, across restarts', async (t) => {
  const primary = simpleConfig(8080).Distributions[0];
  const staging = { Id: 'E2STAGING', DistributionConfig: { ...primary.DistributionConfig, Staging: true } };
  const { api: first, serve } = await setup(t, {
    Distributions: [primary, staging],
    ContinuousDeploymentPolicies: [
      {
        Id: 'c0ffee00-0000-4000-8000-000000000001',
        ContinuousDeploymentPolicyConfig: {
          StagingDistributionDnsNames: ['e2staging.edgefront.localhost'],
          Enabled: true,
          TrafficConfig: BY_HEADER,
        },
      },
    ],
  });
  let api = first;
  /** The same config file and --state-dir on a new edge. */
  async function restart() {
    await api.edge.close();
    api = await startApiEdge(serve);
    t.after(() => api.edge.close());
  }
  const id = 'c0ffee00-0000-4000-8000-000000000001';
  const expected = policy('e2staging.edgefront.localhost', BY_HEADER);

  const list = await api.cf.send(new ListContinuousDeploymentPoliciesCommand({}));
  assert.equal(list.ContinuousDeploymentPolicyList?.Quantity, 1);
  const item = list.ContinuousDeploymentPolicyList?.Items?.[0].ContinuousDeploymentPolicy;
  assert.equal(item?.Id, id);
  assert.deepEqual(item?.ContinuousDeploymentPolicyConfig, expected);
  const got = await api.cf.send(new GetContinuousDeploymentPolicyConfigCommand({ Id: id }));
  assert.deepEqual(got.ContinuousDeploymentPolicyConfig, expected);
  assert.match(got.ETag ?? '', /^E[A-Z0-9]{13}$/);
  // The config file's policy holds the staging distribution.
  await assert.rejects(
    api.cf.send(new CreateContinuousDeploymentPolicyCommand({ ContinuousDeploymentPolicyConfig: expected })),
    { name: 'StagingDistributionInUse' },
  );

  await restart();
  assert.equal((await api.cf.send(new GetContinuousDeploymentPolicyCommand({ Id: id }))).ETag, got.ETag);
  const updated = await api.cf.send(
    new UpdateContinuousDeploymentPolicyCommand({
      Id: id,
      IfMatch: got.ETag,
      ContinuousDeploymentPolicyConfig: policy('e2staging.edgefront.localhost', WEIGHTED),
    }),
  );
  assert.notEqual(updated.ETag, got.ETag);

  await restart();
  const after = await api.cf.send(new GetContinuousDeploymentPolicyCommand({ Id: id }));
  assert.equal(after.ETag, updated.ETag);
  assert.deepEqual(
    after.ContinuousDeploymentPolicy?.ContinuousDeploymentPolicyConfig?.TrafficConfig,
    WEIGHTED,
  );
  await api.cf.send(new DeleteContinuousDeploymentPolicyCommand({ Id: id, IfMatch: updated.ETag }));

  await restart();
  await assert.rejects(api.cf.send(new GetContinuousDeploymentPolicyCommand({ Id: id })), {
    name: 'NoSuchContinuousDeploymentPolicy',
  });
  assert.equal(await count(api.cf), 0);
});
