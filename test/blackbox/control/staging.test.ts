/**
 * Continuous deployment's distribution side through the real SDK: CopyDistribution makes a
 * staging copy of a primary, and UpdateDistributionWithStagingConfig promotes the staging config
 * onto the primary, which keeps its identity (CallerReference, aliases) and serves the promoted
 * config at once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CopyDistributionCommand,
  CreateDistributionCommand,
  GetDistributionConfigCommand,
  UpdateDistributionCommand,
  UpdateDistributionWithStagingConfigCommand,
} from '@aws-sdk/client-cloudfront';
import { apiDistributionConfig, startEmptyApiEdge } from '../../helpers/control-api.js';
import { httpRequest } from '../../helpers/http.js';

test('a staging copy is promoted onto its primary, which keeps its aliases and serves the new config', async (t) => {
  const { api, origin } = await startEmptyApiEdge(t);
  const primary = await api.cf.send(
    new CreateDistributionCommand({
      DistributionConfig: apiDistributionConfig(origin.port, 'primary', {
        Aliases: { Quantity: 1, Items: ['www.example.test'] },
      }),
    }),
  );
  const primaryId = primary.Distribution?.Id as string;

  await assert.rejects(
    api.cf.send(
      new CopyDistributionCommand({
        PrimaryDistributionId: primaryId,
        CallerReference: 'copy-1',
        Staging: true,
      }),
    ),
    { name: 'InvalidIfMatchVersion' },
  );
  const copy = await api.cf.send(
    new CopyDistributionCommand({
      PrimaryDistributionId: primaryId,
      CallerReference: 'copy-1',
      Staging: true,
      IfMatch: primary.ETag,
    }),
  );
  const stagingId = copy.Distribution?.Id as string;
  assert.notEqual(stagingId, primaryId);
  assert.equal(copy.Distribution?.DistributionConfig?.Staging, true);
  assert.equal(copy.Distribution?.DistributionConfig?.Aliases?.Quantity, 0);
  assert.equal(copy.Distribution?.DistributionConfig?.CallerReference, 'copy-1');

  const stagingConfig = (await api.cf.send(new GetDistributionConfigCommand({ Id: stagingId })))
    .DistributionConfig;
  assert.ok(stagingConfig?.Origins?.Items);
  stagingConfig.Origins.Items[0].OriginPath = '/next';
  const staged = await api.cf.send(
    new UpdateDistributionCommand({ Id: stagingId, IfMatch: copy.ETag, DistributionConfig: stagingConfig }),
  );

  await assert.rejects(
    api.cf.send(
      new UpdateDistributionWithStagingConfigCommand({
        Id: primaryId,
        StagingDistributionId: stagingId,
        IfMatch: primary.ETag,
      }),
    ),
    { name: 'InvalidIfMatchVersion' },
  );
  const promoted = await api.cf.send(
    new UpdateDistributionWithStagingConfigCommand({
      Id: primaryId,
      StagingDistributionId: stagingId,
      IfMatch: `${primary.ETag}, ${staged.ETag}`,
    }),
  );
  const config = promoted.Distribution?.DistributionConfig;
  assert.equal(config?.CallerReference, 'primary');
  assert.deepEqual(config?.Aliases?.Items, ['www.example.test']);
  assert.equal(config?.Staging, false);
  assert.equal(config?.Origins?.Items?.[0].OriginPath, '/next');
  const res = await httpRequest(api.edge.url('/page'), { headers: { host: 'www.example.test' } });
  assert.equal(res.body, 'origin saw /next/page');
});
