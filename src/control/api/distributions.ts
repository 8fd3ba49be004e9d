/**
 * Distributions (reference/control-api.md §2 "Distributions", §2.1): Create (with tags), Get,
 * GetConfig, Update (If-Match, full replacement, CallerReference fixed), Delete (only when
 * disabled), List (Marker/MaxItems), Copy (staging) and UpdateDistributionWithStagingConfig.
 * Config-file distributions are visible and changeable here too (views.ts).
 */
import type { Obj } from '../../config/issues.js';
import { ApiError } from '../../errors.js';
import type { DistributionModel } from '../../model/types.js';
import { distributionConfigToApi } from '../api-shape.js';
import type { ControlPlane } from '../control-plane.js';
import {
  type ApiRequest,
  type ApiResponse,
  apiList,
  checkETag,
  pageOf,
  type Route,
  requireIfMatch,
} from '../router.js';
import { type ControlState, newETag, newOpaqueId } from '../state.js';
import { parseXmlBody } from '../xml/codec.js';
import { checkedTags } from './tags.js';
import { allResources, findResource, type ResourceView, storeResource } from './views.js';

/** CloudFront's quota on distributions per account (control-api.md §6). */
const MAX_DISTRIBUTIONS = 500;

const fileCallerReference = (id: string) => `edgefront-config-${id}`;

/** Config-file distributions in the API's shape, by id (state-held ones are skipped by views.ts). */
function distributionsFromFiles(cp: ControlPlane): ReadonlyMap<string, Obj> {
  const out = new Map<string, Obj>();
  for (const dist of cp.host.model().distributions) {
    if (cp.state.distributions[dist.Id]) continue;
    out.set(
      dist.Id,
      distributionConfigToApi(dist.DistributionConfig as unknown as Obj, {
        CallerReference: fileCallerReference(dist.Id),
      }),
    );
  }
  return out;
}

export function findDistribution(cp: ControlPlane, id: string): ResourceView {
  const view = findResource(cp, 'distributions', id, () => distributionsFromFiles(cp));
  if (!view) throw new ApiError('NoSuchDistribution', `The specified distribution does not exist: ${id}`);
  return view;
}

export function distributionArn(cp: ControlPlane, id: string): string {
  return `arn:aws:cloudfront::${cp.accountId}:distribution/${id}`;
}

function modelOf(cp: ControlPlane, id: string): DistributionModel | undefined {
  return cp.host.model().distributions.find((d) => d.Id === id);
}

function inProgressInvalidations(cp: ControlPlane, id: string): number {
  // CloudFront's count: edgefront's tag invalidations are not batches CloudFront knows.
  return (cp.state.invalidations[id] ?? []).filter(
    (i) => !i.Tags && cp.invalidationStatus(i) === 'InProgress',
  ).length;
}

/** The `Distribution` element: the config plus what CloudFront reports about it. */
export function distributionBody(
  cp: ControlPlane,
  view: ResourceView,
  status?: 'InProgress' | 'Deployed',
): Obj {
  const model = modelOf(cp, view.Id);
  const keyGroups = trustedKeyGroupsOf(view.Config);
  return {
    Id: view.Id,
    ARN: distributionArn(cp, view.Id),
    Status: status ?? cp.deploymentStatus(view.version),
    LastModifiedTime: view.LastModifiedTime,
    InProgressInvalidationBatches: inProgressInvalidations(cp, view.Id),
    DomainName: model?.DomainName ?? `${view.Id.toLowerCase()}.edgefront.localhost`,
    ActiveTrustedSigners: { Enabled: false, Quantity: 0 },
    ActiveTrustedKeyGroups: keyGroups.length
      ? {
          Enabled: true,
          ...apiList(
            keyGroups.map((KeyGroupId) => ({ KeyGroupId, KeyPairIds: keyPairIdsOf(cp, KeyGroupId) })),
          ),
        }
      : { Enabled: false, Quantity: 0 },
    DistributionConfig: view.Config,
  };
}

function trustedKeyGroupsOf(config: Obj): string[] {
  const behaviors = [
    config.DefaultCacheBehavior,
    ...(((config.CacheBehaviors as Obj)?.Items as Obj[]) ?? []),
  ];
  const ids = new Set<string>();
  for (const b of behaviors) {
    const groups = (b as Obj | undefined)?.TrustedKeyGroups as Obj | undefined;
    for (const id of (groups?.Items as string[] | undefined) ?? []) ids.add(id);
  }
  return [...ids];
}

function keyPairIdsOf(cp: ControlPlane, keyGroupId: string): Obj {
  const group = cp.state.keyGroups[keyGroupId]?.Config;
  return apiList((group?.Items as string[] | undefined) ?? []);
}

/** 201 for Create and Copy: Location, ETag and the distribution, InProgress until it is served. */
function createdAnswer(cp: ControlPlane, view: ResourceView, req: ApiRequest): ApiResponse {
  return {
    status: 201,
    root: 'Distribution',
    body: distributionBody(cp, view, 'InProgress'),
    headers: { ETag: view.ETag, Location: `${req.base}/2020-05-31/distribution/${view.Id}` },
  };
}

const REQUIRED_FIELDS = ['CallerReference', 'Origins', 'DefaultCacheBehavior', 'Comment', 'Enabled'];

function requireFields(config: Obj): void {
  for (const field of REQUIRED_FIELDS) {
    if (config[field] === undefined) {
      throw new ApiError('InvalidArgument', `DistributionConfig.${field} is required`);
    }
  }
  // The config loader never sees CallerReference (an API-only field), so its shape is checked here.
  if (typeof config.CallerReference !== 'string' || config.CallerReference === '') {
    throw new ApiError('InvalidArgument', 'DistributionConfig.CallerReference must be a non-empty string');
  }
}

/** The aliases as written; anything but a string is left to the config loader to refuse. */
function aliasesOf(config: Obj): string[] {
  const items = (config.Aliases as Obj | undefined)?.Items;
  return Array.isArray(items)
    ? items.filter((a): a is string => typeof a === 'string').map((a) => a.toLowerCase())
    : [];
}

/** CNAMEAlreadyExists when another distribution already serves one of `config`'s aliases. */
function checkAliases(cp: ControlPlane, id: string, config: Obj): void {
  const wanted = new Set(aliasesOf(config));
  if (wanted.size === 0) return;
  for (const other of allResources(cp, 'distributions', () => distributionsFromFiles(cp))) {
    if (other.Id === id) continue;
    const taken = aliasesOf(other.Config).find((a) => wanted.has(a));
    if (taken) {
      throw new ApiError(
        'CNAMEAlreadyExists',
        `One or more of the CNAMEs you provided are already associated with a different resource: ${taken} (distribution ${other.Id})`,
      );
    }
  }
}

function checkCallerReference(cp: ControlPlane, config: Obj): void {
  const ref = config.CallerReference;
  for (const other of allResources(cp, 'distributions', () => distributionsFromFiles(cp))) {
    if (other.Config.CallerReference === ref) {
      throw new ApiError(
        'DistributionAlreadyExists',
        `The caller reference that you are using to create a distribution is associated with another distribution: ${other.Id}`,
      );
    }
  }
}

async function createDistribution(
  cp: ControlPlane,
  req: ApiRequest,
  withTags: boolean,
): Promise<ApiResponse> {
  const body = withTags
    ? parseXmlBody(req.body, 'DistributionConfigWithTags')
    : { DistributionConfig: parseXmlBody(req.body, 'DistributionConfig') };
  const config = body.DistributionConfig as Obj | undefined;
  if (!config)
    throw new ApiError('InvalidArgument', 'DistributionConfigWithTags.DistributionConfig is required');
  requireFields(config);
  const tags = withTags ? checkedTags(body.Tags) : undefined;
  const view = await cp.change((draft) => {
    checkCallerReference(cp, config);
    checkAliases(cp, '', config);
    if (allResources(cp, 'distributions', () => distributionsFromFiles(cp)).length >= MAX_DISTRIBUTIONS) {
      throw new ApiError(
        'TooManyDistributions',
        `Your account already has ${MAX_DISTRIBUTIONS} distributions`,
      );
    }
    const id = newOpaqueId('E');
    const record = storeResource(draft, 'distributions', id, config, cp.now(), newETag());
    if (tags) draft.tags[distributionArn(cp, id)] = tags;
    return { ...record, fromFile: false };
  });
  return createdAnswer(cp, view, req);
}

async function updateDistribution(cp: ControlPlane, req: ApiRequest): Promise<ApiResponse> {
  const [id] = req.params;
  const ifMatch = requireIfMatch(req);
  const config = parseXmlBody(req.body, 'DistributionConfig');
  requireFields(config);
  const view = await cp.change((draft) => {
    const current = findDistribution(cp, id);
    checkETag(ifMatch, current.ETag);
    if (config.CallerReference !== current.Config.CallerReference) {
      throw new ApiError('IllegalUpdate', 'The CallerReference of a distribution cannot be changed');
    }
    checkAliases(cp, id, config);
    const record = storeResource(draft, 'distributions', id, config, cp.now(), newETag());
    return { ...record, fromFile: false };
  });
  return {
    status: 200,
    root: 'Distribution',
    body: distributionBody(cp, view, 'InProgress'),
    headers: { ETag: view.ETag },
  };
}

/** A staging distribution still attached to a primary through a continuous deployment policy. */
function primaryUsingStaging(cp: ControlPlane, draft: ControlState, stagingId: string): string | undefined {
  const stagingDomain = modelOf(cp, stagingId)?.DomainName;
  for (const dist of allResources(cp, 'distributions', () => distributionsFromFiles(cp))) {
    const policyId = dist.Config.ContinuousDeploymentPolicyId as string | undefined;
    if (!policyId) continue;
    const policy = draft.continuousDeploymentPolicies[policyId]?.Config;
    const names =
      ((policy?.StagingDistributionDnsNames as Obj | undefined)?.Items as string[] | undefined) ?? [];
    if (stagingDomain && names.includes(stagingDomain)) return dist.Id;
  }
  return undefined;
}

async function deleteDistribution(cp: ControlPlane, req: ApiRequest): Promise<ApiResponse> {
  const [id] = req.params;
  const ifMatch = requireIfMatch(req);
  await cp.change((draft) => {
    const current = findDistribution(cp, id);
    checkETag(ifMatch, current.ETag);
    if (current.Config.Enabled !== false) {
      throw new ApiError(
        'DistributionNotDisabled',
        'The distribution you are trying to delete has not been disabled: update it with Enabled false first',
      );
    }
    const primary = primaryUsingStaging(cp, draft, id);
    if (primary) {
      throw new ApiError(
        'StagingDistributionInUse',
        `The staging distribution is in use by the continuous deployment policy of ${primary}`,
      );
    }
    delete draft.distributions[id];
    // A config file may still declare it (even once the API changed it): the tombstone hides it.
    if (!draft.deleted.includes(`distributions/${id}`)) draft.deleted.push(`distributions/${id}`);
    delete draft.invalidations[id];
    delete draft.tags[distributionArn(cp, id)];
  });
  return { status: 204 };
}

/** The fields of a DistributionSummary (ListDistributions items). */
function summaryOf(cp: ControlPlane, view: ResourceView): Obj {
  const c = view.Config;
  const model = modelOf(cp, view.Id);
  return {
    Id: view.Id,
    ARN: distributionArn(cp, view.Id),
    ETag: view.ETag,
    Status: cp.deploymentStatus(view.version),
    LastModifiedTime: view.LastModifiedTime,
    DomainName: model?.DomainName ?? `${view.Id.toLowerCase()}.edgefront.localhost`,
    Aliases: c.Aliases ?? { Quantity: 0 },
    Origins: c.Origins,
    OriginGroups: c.OriginGroups ?? { Quantity: 0 },
    DefaultCacheBehavior: c.DefaultCacheBehavior,
    CacheBehaviors: c.CacheBehaviors ?? { Quantity: 0 },
    CustomErrorResponses: c.CustomErrorResponses ?? { Quantity: 0 },
    Comment: c.Comment ?? '',
    PriceClass: c.PriceClass ?? 'PriceClass_All',
    Enabled: c.Enabled,
    ViewerCertificate: c.ViewerCertificate ?? { CloudFrontDefaultCertificate: true },
    Restrictions: c.Restrictions ?? { GeoRestriction: { RestrictionType: 'none', Quantity: 0 } },
    WebACLId: c.WebACLId ?? '',
    HttpVersion: c.HttpVersion ?? 'http2',
    IsIPV6Enabled: c.IsIPV6Enabled ?? false,
    Staging: c.Staging ?? false,
  };
}

function listDistributions(cp: ControlPlane, req: ApiRequest): ApiResponse {
  const all = allResources(cp, 'distributions', () => distributionsFromFiles(cp));
  const { page, marker, nextMarker, maxItems } = pageOf(all, (d) => d.Id, req.query);
  return {
    status: 200,
    root: 'DistributionList',
    body: {
      Marker: marker,
      ...(nextMarker ? { NextMarker: nextMarker } : {}),
      MaxItems: maxItems,
      IsTruncated: nextMarker !== undefined,
      ...apiList(page.map((d) => summaryOf(cp, d))),
    },
  };
}

/** CopyDistribution: a staging copy of a primary (Staging: true header, If-Match: the primary's ETag). */
async function copyDistribution(cp: ControlPlane, req: ApiRequest): Promise<ApiResponse> {
  const [primaryId] = req.params;
  const ifMatch = requireIfMatch(req);
  const body = parseXmlBody(req.body, 'CopyDistributionRequest');
  if (typeof body.CallerReference !== 'string' || body.CallerReference === '') {
    throw new ApiError('InvalidArgument', 'CopyDistributionRequest.CallerReference is required');
  }
  const staging = String(req.headers.staging ?? 'false').toLowerCase() === 'true';
  const view = await cp.change((draft) => {
    const primary = findDistribution(cp, primaryId);
    checkETag(ifMatch, primary.ETag);
    const config: Obj = {
      ...structuredClone(primary.Config),
      CallerReference: body.CallerReference,
      Aliases: { Quantity: 0 }, // a staging distribution serves only its own domain name
      Staging: staging,
      Enabled: body.Enabled ?? primary.Config.Enabled,
    };
    delete config.ContinuousDeploymentPolicyId;
    checkCallerReference(cp, config);
    const id = newOpaqueId('E');
    return { ...storeResource(draft, 'distributions', id, config, cp.now(), newETag()), fromFile: false };
  });
  return createdAnswer(cp, view, req);
}

/** Copies the staging distribution's config onto the primary; the primary keeps its identity fields. */
async function promoteStaging(cp: ControlPlane, req: ApiRequest): Promise<ApiResponse> {
  const [primaryId] = req.params;
  const stagingId = req.query.get('StagingDistributionId');
  if (!stagingId) throw new ApiError('InvalidArgument', 'StagingDistributionId is required');
  const ifMatch = requireIfMatch(req)
    .split(',')
    .map((s) => s.trim());
  if (ifMatch.length !== 2) {
    throw new ApiError(
      'InvalidIfMatchVersion',
      'If-Match must hold the primary and the staging ETags: "<primary>, <staging>"',
    );
  }
  const view = await cp.change((draft) => {
    const primary = findDistribution(cp, primaryId);
    const staging = findDistribution(cp, stagingId);
    checkETag(ifMatch[0], primary.ETag);
    checkETag(ifMatch[1], staging.ETag);
    if (staging.Config.Staging !== true) {
      throw new ApiError('InvalidArgument', `${stagingId} is not a staging distribution`);
    }
    const config: Obj = {
      ...structuredClone(staging.Config),
      CallerReference: primary.Config.CallerReference,
      Aliases: primary.Config.Aliases ?? { Quantity: 0 },
      Staging: false,
      Enabled: primary.Config.Enabled,
    };
    if (primary.Config.ContinuousDeploymentPolicyId !== undefined) {
      config.ContinuousDeploymentPolicyId = primary.Config.ContinuousDeploymentPolicyId;
      const policy = draft.continuousDeploymentPolicies[String(config.ContinuousDeploymentPolicyId)];
      // Promotion turns the continuous deployment policy off, as CloudFront does.
      if (policy) policy.Config = { ...policy.Config, Enabled: false };
    }
    return {
      ...storeResource(draft, 'distributions', primaryId, config, cp.now(), newETag()),
      fromFile: false,
    };
  });
  return {
    status: 200,
    root: 'Distribution',
    body: distributionBody(cp, view, 'InProgress'),
    headers: { ETag: view.ETag },
  };
}

export const distributionRoutes: Route[] = [
  {
    operation: 'CreateDistributionWithTags',
    method: 'POST',
    path: /^\/distribution$/,
    flag: 'WithTags',
    handle: (cp, req) => createDistribution(cp, req, true),
  },
  {
    operation: 'CreateDistribution',
    method: 'POST',
    path: /^\/distribution$/,
    handle: (cp, req) => createDistribution(cp, req, false),
  },
  { operation: 'ListDistributions', method: 'GET', path: /^\/distribution$/, handle: listDistributions },
  {
    operation: 'GetDistribution',
    method: 'GET',
    path: /^\/distribution\/([^/]+)$/,
    handle: (cp, req) => {
      const view = findDistribution(cp, req.params[0]);
      return {
        status: 200,
        root: 'Distribution',
        body: distributionBody(cp, view),
        headers: { ETag: view.ETag },
      };
    },
  },
  {
    operation: 'GetDistributionConfig',
    method: 'GET',
    path: /^\/distribution\/([^/]+)\/config$/,
    handle: (cp, req) => {
      const view = findDistribution(cp, req.params[0]);
      return { status: 200, root: 'DistributionConfig', body: view.Config, headers: { ETag: view.ETag } };
    },
  },
  {
    operation: 'UpdateDistribution',
    method: 'PUT',
    path: /^\/distribution\/([^/]+)\/config$/,
    handle: updateDistribution,
  },
  {
    operation: 'DeleteDistribution',
    method: 'DELETE',
    path: /^\/distribution\/([^/]+)$/,
    handle: deleteDistribution,
  },
  {
    operation: 'CopyDistribution',
    method: 'POST',
    path: /^\/distribution\/([^/]+)\/copy$/,
    handle: copyDistribution,
  },
  {
    operation: 'UpdateDistributionWithStagingConfig',
    method: 'PUT',
    path: /^\/distribution\/([^/]+)\/promote-staging-config$/,
    handle: promoteStaging,
  },
];
