/**
 * Continuous deployment policies (reference/control-api.md §2 "Continuous deployment policies",
 * §2.1): which staging distribution a primary sends part of its traffic to, and how (a weight
 * with optional session stickiness, or a request header). Create, Get, GetConfig, Update
 * (If-Match), Delete (refused while a distribution names the policy) and List, through the
 * route builder of keys.ts. The config loader reads the stored API shape through
 * config/normalize.ts (normalizeContinuousDeploymentPolicyConfig). Config-file policies are shown
 * as views.ts shows config-file resources and count towards the quota.
 *
 * Deviation from CloudFront: the policy is stored and validated, but the edge does not route
 * traffic to the staging distribution by it yet.
 */
import { randomUUID } from 'node:crypto';
import type { Obj } from '../../config/issues.js';
import { isObj } from '../../config/issues.js';
import { ApiError } from '../../errors.js';
import { continuousDeploymentPolicyConfigToApi } from '../api-shape.js';
import type { ControlPlane } from '../control-plane.js';
import type { Route } from '../router.js';
import type { StoredResource } from '../state.js';
import { allOfKind, type StoredKind, storedResourceRoutes } from './keys.js';

/** CloudFront's quota on continuous deployment policies per account (control-api.md §6). */
const MAX_POLICIES = 20;
const MAX_WEIGHT = 0.15;
const MIN_TTL_SECONDS = 300;
const MAX_TTL_SECONDS = 3600;
/** SingleHeader policies route on a header of this prefix only. */
const HEADER_PREFIX = 'aws-cf-cd-';
const ROOT = 'ContinuousDeploymentPolicyConfig';

function invalid(message: string): never {
  throw new ApiError('InvalidArgument', `${ROOT}.${message}`);
}

function dnsNamesOf(config: Obj): string[] {
  const names = config.StagingDistributionDnsNames;
  return isObj(names) && Array.isArray(names.Items) ? names.Items.map(String) : [];
}

function checkStickiness(stickiness: unknown): void {
  if (stickiness === undefined) return;
  if (!isObj(stickiness))
    invalid('TrafficConfig.SingleWeightConfig.SessionStickinessConfig must hold IdleTTL and MaximumTTL');
  const { IdleTTL: idle, MaximumTTL: max } = stickiness;
  for (const [name, ttl] of [
    ['IdleTTL', idle],
    ['MaximumTTL', max],
  ] as const) {
    if (typeof ttl !== 'number' || ttl < MIN_TTL_SECONDS || ttl > MAX_TTL_SECONDS)
      invalid(
        `TrafficConfig.SingleWeightConfig.SessionStickinessConfig.${name} must be ${MIN_TTL_SECONDS}–${MAX_TTL_SECONDS} seconds`,
      );
  }
  if ((idle as number) > (max as number))
    invalid(
      'TrafficConfig.SingleWeightConfig.SessionStickinessConfig.IdleTTL must not be more than MaximumTTL',
    );
}

/** TrafficConfig: SingleWeight (Weight 0–0.15, optional stickiness) or SingleHeader (aws-cf-cd-…). */
function checkTraffic(traffic: unknown): void {
  if (traffic === undefined) return;
  if (!isObj(traffic)) invalid('TrafficConfig must hold Type and its config');
  const { Type: type, SingleWeightConfig: weight, SingleHeaderConfig: header } = traffic;
  if (type === 'SingleWeight') {
    if (header !== undefined) invalid('TrafficConfig.SingleHeaderConfig goes with Type SingleHeader only');
    if (!isObj(weight)) invalid('TrafficConfig.SingleWeightConfig is required with Type SingleWeight');
    if (typeof weight.Weight !== 'number' || weight.Weight < 0 || weight.Weight > MAX_WEIGHT)
      invalid(`TrafficConfig.SingleWeightConfig.Weight must be from 0 to ${MAX_WEIGHT}`);
    checkStickiness(weight.SessionStickinessConfig);
  } else if (type === 'SingleHeader') {
    if (weight !== undefined) invalid('TrafficConfig.SingleWeightConfig goes with Type SingleWeight only');
    if (!isObj(header)) invalid('TrafficConfig.SingleHeaderConfig is required with Type SingleHeader');
    const name = header.Header;
    if (
      typeof name !== 'string' ||
      !name.toLowerCase().startsWith(HEADER_PREFIX) ||
      name.length === HEADER_PREFIX.length
    )
      invalid(`TrafficConfig.SingleHeaderConfig.Header must start with ${HEADER_PREFIX}`);
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
      invalid('TrafficConfig.SingleHeaderConfig.Header is not a header name');
    if (typeof header.Value !== 'string' || header.Value === '')
      invalid('TrafficConfig.SingleHeaderConfig.Value is required');
  } else {
    invalid(`TrafficConfig.Type must be SingleWeight or SingleHeader (got ${JSON.stringify(type)})`);
  }
}

function validate(config: Obj): void {
  const names = config.StagingDistributionDnsNames;
  if (!isObj(names) || dnsNamesOf(config).length === 0)
    invalid('StagingDistributionDnsNames must name the staging distribution');
  if (typeof config.Enabled !== 'boolean') invalid('Enabled is required (true or false)');
  checkTraffic(config.TrafficConfig);
}

/** Each DNS name must be a staging distribution's domain name, in no other policy. */
function checkStaging(cp: ControlPlane, config: Obj, self?: string): void {
  const distributions = cp.host.model().distributions;
  for (const name of dnsNamesOf(config)) {
    const staging = distributions.find((d) => d.DomainName === name.toLowerCase());
    if (staging?.DistributionConfig.Staging !== true)
      invalid(`StagingDistributionDnsNames: ${name} is not the domain name of a staging distribution`);
    const other = allOfKind(cp, CONTINUOUS_DEPLOYMENT_POLICIES).find(
      (p) => p.Id !== self && dnsNamesOf(p.Config).includes(name),
    );
    if (other)
      throw new ApiError(
        'StagingDistributionInUse',
        `The staging distribution ${staging.Id} is already in continuous deployment policy ${other.Id}`,
      );
  }
}

/** Distributions (config-file ones included) whose ContinuousDeploymentPolicyId names `id`. */
function distributionsUsing(cp: ControlPlane, id: string): string[] {
  return cp.host
    .model()
    .distributions.filter((d) => d.DistributionConfig.ContinuousDeploymentPolicyId === id)
    .map((d) => d.Id);
}

const body = (r: StoredResource): Obj => ({
  Id: r.Id,
  LastModifiedTime: r.LastModifiedTime,
  ContinuousDeploymentPolicyConfig: r.Config,
});

export const CONTINUOUS_DEPLOYMENT_POLICIES: StoredKind = {
  list: 'continuousDeploymentPolicies',
  segment: 'continuous-deployment-policy',
  root: 'ContinuousDeploymentPolicy',
  listOperation: 'ListContinuousDeploymentPolicies',
  updateSuffix: '',
  notFound: 'NoSuchContinuousDeploymentPolicy',
  newId: randomUUID,
  body,
  summary: (r) => ({ ContinuousDeploymentPolicy: body(r) }),
  fromModel(model) {
    const out = new Map<string, Obj>();
    for (const [id, config] of model.continuousDeploymentPolicyConfigs)
      out.set(id, continuousDeploymentPolicyConfigToApi({ ...config }));
    return out;
  },
  validate,
  check(cp, _draft, op, config, current) {
    if (op === 'delete') {
      const users = distributionsUsing(cp, String(current?.Id));
      if (users.length)
        throw new ApiError(
          'ContinuousDeploymentPolicyInUse',
          `The continuous deployment policy is attached to distribution ${users.join(', ')}`,
        );
      return;
    }
    if (op === 'create' && allOfKind(cp, CONTINUOUS_DEPLOYMENT_POLICIES).length >= MAX_POLICIES)
      throw new ApiError(
        'TooManyContinuousDeploymentPolicies',
        `Your account already has ${MAX_POLICIES} continuous deployment policies`,
      );
    checkStaging(cp, config, current?.Id);
  },
};

export const continuousDeploymentRoutes: Route[] = storedResourceRoutes(CONTINUOUS_DEPLOYMENT_POLICIES);
