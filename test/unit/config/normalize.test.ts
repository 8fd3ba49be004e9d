/**
 * config/normalize.ts for continuous deployment policies: the API's (SDK's) shape, which the
 * control plane stores and lays over the config files, loads like CloudFormation's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfigObject } from '../../../src/config/load.js';
import { normalizeContinuousDeploymentPolicyConfig } from '../../../src/config/normalize.js';
import { assertIssue, issuesOf, nativeDoc } from './helpers.js';

const TRAFFIC = {
  Type: 'SingleWeight',
  SingleWeightConfig: { Weight: 0.1, SessionStickinessConfig: { IdleTTL: 300, MaximumTTL: 600 } },
};
const CDP = ['ContinuousDeploymentPolicies', 0, 'ContinuousDeploymentPolicyConfig'];

test('StagingDistributionDnsNames { Quantity, Items } becomes the list CloudFormation writes', () => {
  const api = {
    StagingDistributionDnsNames: { Quantity: 1, Items: ['e1stage.edgefront.localhost'] },
    Enabled: true,
    TrafficConfig: TRAFFIC,
  };
  const before = structuredClone(api);
  assert.deepEqual(normalizeContinuousDeploymentPolicyConfig(api), {
    StagingDistributionDnsNames: ['e1stage.edgefront.localhost'],
    Enabled: true,
    TrafficConfig: TRAFFIC,
  });
  assert.deepEqual(api, before, 'the input is not changed');
});

test('an empty API list ({ Quantity: 0 }) is an empty list; CloudFormation shapes pass through as they are', () => {
  assert.deepEqual(
    normalizeContinuousDeploymentPolicyConfig({ StagingDistributionDnsNames: { Quantity: 0 } }),
    {
      StagingDistributionDnsNames: [],
    },
  );
  const cfn = { StagingDistributionDnsNames: ['d2.cloudfront.net'], Enabled: false, Type: 'SingleHeader' };
  assert.deepEqual(normalizeContinuousDeploymentPolicyConfig(cfn), cfn);
  assert.equal(normalizeContinuousDeploymentPolicyConfig('not an object'), 'not an object');
});

test('a policy in the API shape loads through the native config (as the control plane lays it over)', () => {
  const policy = {
    Id: 'c0ffee00-0000-4000-a000-000000000001',
    ContinuousDeploymentPolicyConfig: {
      StagingDistributionDnsNames: { Quantity: 1, Items: ['e1stage.edgefront.localhost'] },
      Enabled: true,
      TrafficConfig: TRAFFIC,
    },
  };
  assert.doesNotThrow(() =>
    loadConfigObject(nativeDoc(() => {}, { ContinuousDeploymentPolicies: [policy] })),
  );
});

test('an API-shaped policy without staging DNS names is still refused at StagingDistributionDnsNames', () => {
  const policy = {
    ContinuousDeploymentPolicyConfig: { StagingDistributionDnsNames: { Quantity: 0 }, Enabled: true },
  };
  const issues = issuesOf(nativeDoc(() => {}, { ContinuousDeploymentPolicies: [policy] }));
  assertIssue(issues, [...CDP, 'StagingDistributionDnsNames'], /at least 1/);
});
