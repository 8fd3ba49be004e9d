/**
 * The one implementation behind cache, origin request and response headers policies and origin
 * access controls (reference/control-api.md §2.1 "Policies", "Origin access control"): named,
 * versioned resources that distributions point at. Create, Update (If-Match, full replacement)
 * and Delete (If-Match) run through the ControlPlane's single writer; names are unique per
 * account, custom resources are capped by a quota, managed ones are read-only, and one a
 * distribution uses cannot be deleted. Each kind (policy-kinds.ts, origin-access-controls.ts)
 * says only what differs: its names, error codes, config-file and managed resources, checks.
 */
import type { Obj } from '../../config/issues.js';
import { ApiError, type ApiErrorCode } from '../../errors.js';
import type { EdgeModel } from '../../model/types.js';
import type { ControlPlane } from '../control-plane.js';
import type { ApiRequest, ApiResponse, Route } from '../router.js';
import { apiList, checkETag, pageOf, requireIfMatch } from '../router.js';
import { newETag } from '../state.js';
import { parseXmlBody } from '../xml/codec.js';
import { allResources, contentETag, findResource, type ResourceView, storeResource } from './views.js';

export interface NamedKind {
  /** The state's list, which is also the config loader's list of the same name. */
  list: 'cachePolicies' | 'originRequestPolicies' | 'responseHeadersPolicies' | 'originAccessControls';
  /** In messages: 'cache policy'. */
  what: string;
  /** The resource's XML element (`CachePolicy`); operation names derive from it. */
  root: string;
  /** `CachePolicies`, for `ListCachePolicies`. */
  plural: string;
  /** The path segment after `/2020-05-31/`: `cache-policy`. */
  path: string;
  /** Update is `PUT /<path>/{Id}/config` (origin access controls) rather than `PUT /<path>/{Id}`. */
  updateAtConfig: boolean;
  /** CloudFront's quota on custom resources of the kind per account (control-api.md §6). */
  maxCustom: number;
  errors: { noSuch: ApiErrorCode; alreadyExists: ApiErrorCode; inUse: ApiErrorCode; tooMany: ApiErrorCode };
  newId(): string;
  /** Config-file resources (managed ones excluded) in the API's shape, by id. */
  fromModel(model: EdgeModel): ReadonlyMap<string, Obj>;
  /** Managed (read-only) resources in the API's shape, by id. */
  managed: ReadonlyMap<string, Obj>;
  /** A name no custom resource may take besides the existing resources' names. */
  isReservedName(name: string): boolean;
  /** Ids of the distributions (config files and API alike) that use resource `id`. */
  usedBy(model: EdgeModel, id: string): string[];
  /** Checks a parsed config as CloudFront's API does (throws ApiError); returns what to store. */
  prepare(config: Obj): Obj;
  /** The resource element's content for a view (`{ Id, LastModifiedTime, CachePolicyConfig }`). */
  body(view: NamedView): Obj;
  /** The `<Root>List` element's content for ListCachePolicies & co. */
  listBody(cp: ControlPlane, req: ApiRequest): Obj;
}

export interface NamedView extends ResourceView {
  managed: boolean;
}

/**
 * Managed resources are AWS's, not this node's: one fixed LastModifiedTime keeps their answers
 * (and their content-derived ETags) the same on every node and across restarts.
 */
const MANAGED_LAST_MODIFIED = '2020-01-01T00:00:00.000Z';

function managedView(id: string, config: Obj): NamedView {
  return {
    Id: id,
    ETag: contentETag(config),
    LastModifiedTime: MANAGED_LAST_MODIFIED,
    Config: config,
    version: 0,
    fromFile: true,
    managed: true,
  };
}

/** 'cache policy' → 'cache policies', 'origin access control' → 'origin access controls'. */
const pluralOf = (what: string) => (what.endsWith('y') ? `${what.slice(0, -1)}ies` : `${what}s`);

const custom = (view: ResourceView): NamedView => ({ ...view, managed: false });

export function findNamed(cp: ControlPlane, kind: NamedKind, id: string): NamedView {
  const managed = kind.managed.get(id);
  if (managed) return managedView(id, managed);
  const view = findResource(cp, kind.list, id, () => kind.fromModel(cp.host.model()));
  if (!view) throw new ApiError(kind.errors.noSuch, `The specified ${kind.what} does not exist: ${id}`);
  return custom(view);
}

/** Managed resources first (in their table's order), then the custom ones. */
export function allNamed(cp: ControlPlane, kind: NamedKind): NamedView[] {
  const managed = [...kind.managed].map(([id, config]) => managedView(id, config));
  const customs = allResources(cp, kind.list, () => kind.fromModel(cp.host.model())).map(custom);
  return [...managed, ...customs];
}

function nameOf(kind: NamedKind, config: Obj): string {
  const name = config.Name;
  if (typeof name !== 'string' || name === '')
    throw new ApiError('InvalidArgument', `${kind.root}Config.Name is required`);
  return name;
}

/** `*AlreadyExists` when another resource of the kind (managed ones included) has the name. */
function checkName(cp: ControlPlane, kind: NamedKind, id: string, name: string): void {
  const other = allNamed(cp, kind).find((v) => v.Id !== id && v.Config.Name === name);
  if (other || kind.isReservedName(name)) {
    throw new ApiError(
      kind.errors.alreadyExists,
      `Another ${kind.what}${other ? ` (${other.Id})` : ''} is already named "${name}"; names are unique per account`,
    );
  }
}

function parseConfig(kind: NamedKind, req: ApiRequest): { config: Obj; name: string } {
  const config = kind.prepare(parseXmlBody(req.body, `${kind.root}Config`));
  return { config, name: nameOf(kind, config) };
}

async function createNamed(cp: ControlPlane, kind: NamedKind, req: ApiRequest): Promise<ApiResponse> {
  const { config, name } = parseConfig(kind, req);
  const view = await cp.change((draft) => {
    checkName(cp, kind, '', name);
    const count = allResources(cp, kind.list, () => kind.fromModel(cp.host.model())).length;
    if (count >= kind.maxCustom) {
      throw new ApiError(
        kind.errors.tooMany,
        `Your account already has ${count} ${pluralOf(kind.what)}, the most CloudFront allows (${kind.maxCustom})`,
      );
    }
    return custom({
      ...storeResource(draft, kind.list, kind.newId(), config, cp.now(), newETag()),
      fromFile: false,
    });
  });
  return {
    status: 201,
    root: kind.root,
    body: kind.body(view),
    headers: { ETag: view.ETag, Location: `${req.base}/2020-05-31/${kind.path}/${view.Id}` },
  };
}

async function updateNamed(cp: ControlPlane, kind: NamedKind, req: ApiRequest): Promise<ApiResponse> {
  const [id] = req.params;
  const ifMatch = requireIfMatch(req);
  const { config, name } = parseConfig(kind, req);
  const view = await cp.change((draft) => {
    const current = findNamed(cp, kind, id);
    if (current.managed)
      throw new ApiError('IllegalUpdate', `${id} is a managed ${kind.what}; managed ones cannot be changed`);
    checkETag(ifMatch, current.ETag);
    checkName(cp, kind, id, name);
    return custom({ ...storeResource(draft, kind.list, id, config, cp.now(), newETag()), fromFile: false });
  });
  return { status: 200, root: kind.root, body: kind.body(view), headers: { ETag: view.ETag } };
}

async function deleteNamed(cp: ControlPlane, kind: NamedKind, req: ApiRequest): Promise<ApiResponse> {
  const [id] = req.params;
  const ifMatch = requireIfMatch(req);
  await cp.change((draft) => {
    const current = findNamed(cp, kind, id);
    if (current.managed)
      throw new ApiError('IllegalDelete', `${id} is a managed ${kind.what}; managed ones cannot be deleted`);
    checkETag(ifMatch, current.ETag);
    const users = kind.usedBy(cp.host.model(), id);
    if (users.length > 0) {
      throw new ApiError(
        kind.errors.inUse,
        `The ${kind.what} ${id} is in use by ${users.length === 1 ? 'distribution' : 'distributions'} ${users.join(', ')}`,
      );
    }
    delete draft[kind.list][id];
    if (current.fromFile) draft.deleted.push(`${kind.list}/${id}`);
  });
  return { status: 204 };
}

/** A page in the older list form: Marker, NextMarker, MaxItems, IsTruncated, Quantity, Items. */
export function markedPage<T>(
  items: readonly T[],
  key: (item: T) => string,
  query: URLSearchParams,
  item: (value: T) => unknown,
): Obj {
  const { page, marker, nextMarker, maxItems } = pageOf(items, key, query);
  return {
    Marker: marker,
    ...(nextMarker ? { NextMarker: nextMarker } : {}),
    MaxItems: maxItems,
    IsTruncated: nextMarker !== undefined,
    ...apiList(page.map(item)),
  };
}

type Handler = (cp: ControlPlane, kind: NamedKind, req: ApiRequest) => ApiResponse | Promise<ApiResponse>;

const getNamed: Handler = (cp, kind, req) => {
  const view = findNamed(cp, kind, req.params[0]);
  return { status: 200, root: kind.root, body: kind.body(view), headers: { ETag: view.ETag } };
};

const getNamedConfig: Handler = (cp, kind, req) => {
  const view = findNamed(cp, kind, req.params[0]);
  return { status: 200, root: `${kind.root}Config`, body: view.Config, headers: { ETag: view.ETag } };
};

const listNamed: Handler = (cp, kind, req) => ({
  status: 200,
  root: `${kind.root}List`,
  body: kind.listBody(cp, req),
});

/** The six operations of a kind: Create, List, Get, GetConfig, Update, Delete. */
export function namedRoutes(kind: NamedKind): Route[] {
  const all = new RegExp(`^/${kind.path}$`);
  const one = new RegExp(`^/${kind.path}/([^/]+)$`);
  const config = new RegExp(`^/${kind.path}/([^/]+)/config$`);
  const table: [operation: string, method: string, path: RegExp, handler: Handler][] = [
    [`Create${kind.root}`, 'POST', all, createNamed],
    [`List${kind.plural}`, 'GET', all, listNamed],
    [`Get${kind.root}`, 'GET', one, getNamed],
    [`Get${kind.root}Config`, 'GET', config, getNamedConfig],
    [`Update${kind.root}`, 'PUT', kind.updateAtConfig ? config : one, updateNamed],
    [`Delete${kind.root}`, 'DELETE', one, deleteNamed],
  ];
  return table.map(([operation, method, path, handler]) => ({
    operation,
    method,
    path,
    handle: (cp, req) => handler(cp, kind, req),
  }));
}
