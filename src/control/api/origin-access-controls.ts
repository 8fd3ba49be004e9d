/**
 * Origin access controls (reference/control-api.md §2 "Origin access controls", §2.1): Create,
 * Get, GetConfig, Update (`PUT …/config`, If-Match), Delete (If-Match) and List (Marker/MaxItems)
 * through the same implementation as the policies (policy-resources.ts). Names are unique
 * (OriginAccessControlAlreadyExists), 100 per account (TooManyOriginAccessControls), and one an
 * origin uses cannot be deleted (OriginAccessControlInUse). The config loader checks the fields:
 * SigningProtocol sigv4, SigningBehavior never|always|no-override, OriginAccessControlOriginType
 * s3|mediastore|mediapackagev2|lambda, anything else InvalidArgument naming the field.
 */
import type { Obj } from '../../config/issues.js';
import { originAccessControlConfigToApi } from '../api-shape.js';
import type { Route } from '../router.js';
import { newOpaqueId } from '../state.js';
import { allNamed, markedPage, type NamedKind, namedRoutes } from './policy-resources.js';

/** CloudFront's quota on origin access controls per account (control-api.md §6). */
const MAX_ORIGIN_ACCESS_CONTROLS = 100;

const ORIGIN_ACCESS_CONTROL: NamedKind = {
  list: 'originAccessControls',
  what: 'origin access control',
  root: 'OriginAccessControl',
  plural: 'OriginAccessControls',
  path: 'origin-access-control',
  updateAtConfig: true,
  maxCustom: MAX_ORIGIN_ACCESS_CONTROLS,
  errors: {
    noSuch: 'NoSuchOriginAccessControl',
    alreadyExists: 'OriginAccessControlAlreadyExists',
    inUse: 'OriginAccessControlInUse',
    tooMany: 'TooManyOriginAccessControls',
  },
  newId: () => newOpaqueId('E'),
  fromModel(model) {
    const out = new Map<string, Obj>();
    for (const [id, oac] of model.originAccessControls)
      out.set(id, originAccessControlConfigToApi(oac.Config as unknown as Obj));
    return out;
  },
  managed: new Map(),
  isReservedName: () => false,
  usedBy: (model, id) =>
    model.distributions
      .filter((d) => [...d.origins.values()].some((o) => o.config.OriginAccessControlId === id))
      .map((d) => d.Id),
  prepare: (config) => config,
  body: (view) => ({ Id: view.Id, OriginAccessControlConfig: view.Config }),
  listBody: (cp, req) =>
    markedPage(
      allNamed(cp, ORIGIN_ACCESS_CONTROL),
      (v) => v.Id,
      req.query,
      (v) => ({
        Id: v.Id,
        Description: '',
        ...v.Config,
      }),
    ),
};

export const originAccessControlRoutes: Route[] = namedRoutes(ORIGIN_ACCESS_CONTROL);
