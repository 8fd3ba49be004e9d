/**
 * The three policy kinds as NamedKinds (policy-resources.ts): cache, origin request and response
 * headers policies differ only in names, error codes, where their config-file and managed
 * policies come from, which behaviour field points at them and their body checks.
 * Managed policies carry their API names (reference/control-api.md §5): `Managed-<Name>`, except
 * the two UseOriginCacheControlHeaders cache policies, which AWS named without the prefix.
 */
import { randomUUID } from 'node:crypto';
import type { Obj } from '../../config/issues.js';
import { MANAGED_RESPONSE_HEADERS_POLICIES } from '../../config/managed-response-headers.js';
import { withTtlDefaults } from '../../config/resolve-policies.js';
import { ApiError } from '../../errors.js';
import type { CachePolicyConfig } from '../../model/cloudfront.js';
import {
  findManagedId,
  MANAGED_CACHE_POLICIES,
  MANAGED_ORIGIN_REQUEST_POLICIES,
} from '../../model/managed-policies.js';
import type { EdgeModel } from '../../model/types.js';
import {
  cachePolicyConfigToApi,
  originRequestPolicyConfigToApi,
  responseHeadersPolicyConfigToApi,
} from '../api-shape.js';
import type { ControlPlane } from '../control-plane.js';
import { type ApiRequest, apiList, pageOf } from '../router.js';
import { checkNameLists, checkResponseHeadersPolicy } from './policy-checks.js';
import { allNamed, type NamedKind } from './policy-resources.js';

/** CloudFront's quota on custom policies of each kind per account (control-api.md §6). */
const MAX_CUSTOM_POLICIES = 20;

export function managedApiName(name: string): string {
  return name.startsWith('UseOriginCacheControlHeaders') ? name : `Managed-${name}`;
}

type Converter = (cfn: Record<string, unknown>) => Record<string, unknown>;

function managedInApiShape(table: Record<string, { Name: string }>, toApi: Converter): Map<string, Obj> {
  return new Map(
    Object.entries(table).map(([id, config]) => [
      id,
      toApi({ ...config, Name: managedApiName(config.Name) }),
    ]),
  );
}

/** Config-file policies of the model (managed ones left out) in the API's shape. */
function customInApiShape(
  policies: ReadonlyMap<string, { Config: object }>,
  managed: Record<string, unknown>,
  toApi: Converter,
): Map<string, Obj> {
  const out = new Map<string, Obj>();
  for (const [id, policy] of policies)
    if (!Object.hasOwn(managed, id)) out.set(id, toApi(policy.Config as Obj));
  return out;
}

/** ListCachePolicies & co.: `?Type=managed|custom`, pages of `{ Type, CachePolicy }` summaries. */
function listPolicies(cp: ControlPlane, req: ApiRequest, kind: NamedKind): Obj {
  const type = req.query.get('Type');
  if (type !== null && type !== 'managed' && type !== 'custom')
    throw new ApiError('InvalidArgument', `Type must be managed or custom (got "${type}")`);
  const all = allNamed(cp, kind);
  const wanted = type === null ? all : all.filter((v) => v.managed === (type === 'managed'));
  const { page, nextMarker, maxItems } = pageOf(wanted, (v) => v.Id, req.query);
  return {
    ...(nextMarker ? { NextMarker: nextMarker } : {}),
    MaxItems: maxItems,
    ...apiList(page.map((v) => ({ Type: v.managed ? 'managed' : 'custom', [kind.root]: kind.body(v) }))),
  };
}

interface PolicySpec {
  list: 'cachePolicies' | 'originRequestPolicies' | 'responseHeadersPolicies';
  what: string;
  root: string;
  path: string;
  /** The cache behaviour field that points at a policy of this kind. */
  behaviorField: 'CachePolicyId' | 'OriginRequestPolicyId' | 'ResponseHeadersPolicyId';
  errors: NamedKind['errors'];
  managed: Record<string, { Name: string }>;
  toApi: Converter;
  models(model: EdgeModel): ReadonlyMap<string, { Config: object }>;
  prepare(config: Obj): Obj;
}

function policyKind(spec: PolicySpec): NamedKind {
  const kind: NamedKind = {
    list: spec.list,
    what: spec.what,
    root: spec.root,
    plural: `${spec.root.slice(0, -1)}ies`,
    path: spec.path,
    updateAtConfig: false,
    maxCustom: MAX_CUSTOM_POLICIES,
    errors: spec.errors,
    newId: randomUUID,
    fromModel: (model) => customInApiShape(spec.models(model), spec.managed, spec.toApi),
    managed: managedInApiShape(spec.managed, spec.toApi),
    // edgefront's config also resolves managed policies by their bare and `Managed-` names.
    isReservedName: (name) => findManagedId(spec.managed, name) !== undefined,
    usedBy: (model, id) =>
      model.distributions
        .filter((d) => d.behaviors.some((b) => b.config[spec.behaviorField] === id))
        .map((d) => d.Id),
    prepare: spec.prepare,
    body: (view) => ({
      Id: view.Id,
      LastModifiedTime: view.LastModifiedTime,
      [`${spec.root}Config`]: view.Config,
    }),
    listBody: (cp, req) => listPolicies(cp, req, kind),
  };
  return kind;
}

const PARAMETERS = 'CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin';

export const CACHE_POLICY = policyKind({
  list: 'cachePolicies',
  what: 'cache policy',
  root: 'CachePolicy',
  errors: {
    noSuch: 'NoSuchCachePolicy',
    alreadyExists: 'CachePolicyAlreadyExists',
    inUse: 'CachePolicyInUse',
    tooMany: 'TooManyCachePolicies',
  },
  path: 'cache-policy',
  behaviorField: 'CachePolicyId',
  managed: MANAGED_CACHE_POLICIES,
  toApi: cachePolicyConfigToApi,
  models: (model) => model.cachePolicies,
  prepare(config) {
    checkNameLists(config.ParametersInCacheKeyAndForwardedToOrigin, PARAMETERS, {
      Headers: 'TooManyHeadersInCachePolicy',
      Cookies: 'TooManyCookiesInCachePolicy',
      QueryStrings: 'TooManyQueryStringsInCachePolicy',
    });
    // What CloudFront stores and returns when DefaultTTL / MaxTTL are left out (caching.md §2.1).
    if (typeof config.MinTTL !== 'number') return config;
    return withTtlDefaults(config as unknown as CachePolicyConfig) as unknown as Obj;
  },
});

export const ORIGIN_REQUEST_POLICY = policyKind({
  list: 'originRequestPolicies',
  what: 'origin request policy',
  root: 'OriginRequestPolicy',
  errors: {
    noSuch: 'NoSuchOriginRequestPolicy',
    alreadyExists: 'OriginRequestPolicyAlreadyExists',
    inUse: 'OriginRequestPolicyInUse',
    tooMany: 'TooManyOriginRequestPolicies',
  },
  path: 'origin-request-policy',
  behaviorField: 'OriginRequestPolicyId',
  managed: MANAGED_ORIGIN_REQUEST_POLICIES,
  toApi: originRequestPolicyConfigToApi,
  models: (model) => model.originRequestPolicies,
  prepare(config) {
    checkNameLists(config, 'OriginRequestPolicyConfig', {
      Headers: 'TooManyHeadersInOriginRequestPolicy',
      Cookies: 'TooManyCookiesInOriginRequestPolicy',
      QueryStrings: 'TooManyQueryStringsInOriginRequestPolicy',
    });
    return config;
  },
});

export const RESPONSE_HEADERS_POLICY = policyKind({
  list: 'responseHeadersPolicies',
  what: 'response headers policy',
  root: 'ResponseHeadersPolicy',
  errors: {
    noSuch: 'NoSuchResponseHeadersPolicy',
    alreadyExists: 'ResponseHeadersPolicyAlreadyExists',
    inUse: 'ResponseHeadersPolicyInUse',
    tooMany: 'TooManyResponseHeadersPolicies',
  },
  path: 'response-headers-policy',
  behaviorField: 'ResponseHeadersPolicyId',
  managed: MANAGED_RESPONSE_HEADERS_POLICIES,
  toApi: responseHeadersPolicyConfigToApi,
  models: (model) => model.responseHeadersPolicies,
  prepare(config) {
    checkResponseHeadersPolicy(config);
    return config;
  },
});

export const POLICY_KINDS = [CACHE_POLICY, ORIGIN_REQUEST_POLICY, RESPONSE_HEADERS_POLICY] as const;
