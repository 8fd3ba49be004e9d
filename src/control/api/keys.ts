/**
 * Public keys and key groups (reference/control-api.md §2 "Public keys", "Key groups", §2.1): the
 * keys and groups that signed URLs and cookies are checked against (issue #6 enforces them).
 * Create, Get, GetConfig, Update (If-Match, full replacement), Delete (If-Match, refused while in
 * use) and List (Marker/MaxItems) for each, through `storedResourceRoutes`, the route builder
 * continuous deployment policies share.
 *
 * Config-file public keys and key groups are shown as views.ts shows config-file resources: a
 * content-derived ETag, moved into the state by Update, hidden by a tombstone on Delete; they
 * count towards the quotas and uniqueness rules as the API's do.
 */
import { createPublicKey, randomUUID } from 'node:crypto';
import type { Obj } from '../../config/issues.js';
import { ApiError, type ApiErrorCode, ConfigError, type ConfigIssue } from '../../errors.js';
import type { EdgeModel } from '../../model/types.js';
import { keyGroupConfigToApi, publicKeyConfigToApi } from '../api-shape.js';
import type { ControlPlane } from '../control-plane.js';
import type { ApiRequest, ApiResponse, Route } from '../router.js';
import { apiList, checkETag, pageOf, requireIfMatch } from '../router.js';
import { type ControlState, newETag, newOpaqueId, type ResourceList, type StoredResource } from '../state.js';
import { parseXmlBody } from '../xml/codec.js';
import { allResources, findResource, type ResourceView, storeResource } from './views.js';

/** CloudFront's quotas (control-api.md §6). */
const MAX_KEY_GROUPS = 10;
const MAX_KEYS_PER_GROUP = 5;
const MAX_COMMENT_LENGTH = 128;
const MAX_NAME_LENGTH = 128;

type Operation = 'create' | 'update' | 'delete';

/** One kind of state-held, versioned resource and what differs between kinds. */
export interface StoredKind {
  list: ResourceList;
  /** The path segment after `/2020-05-31/`: `public-key`. */
  segment: string;
  /** The resource's element (`PublicKey`); its config is `<root>Config`, its list `<root>List`. */
  root: string;
  /** The operation name of the list call: `ListPublicKeys`. */
  listOperation: string;
  /** Where Update PUTs, after `/<segment>/<Id>`: `/config` for public keys only. */
  updateSuffix: '' | '/config';
  notFound: ApiErrorCode;
  newId(): string;
  /** The resource element (`<PublicKey>`) of a stored record. */
  body(record: StoredResource): Obj;
  /** One item of the list (`<PublicKeySummary>`). */
  summary(record: StoredResource): Obj;
  /** Config-file resources of the kind in the API's shape, by id (state-held ones are skipped). */
  fromModel(model: EdgeModel): ReadonlyMap<string, Obj>;
  /** Field checks on the request body, before any state is read (InvalidArgument & co.). */
  validate(config: Obj): void;
  /** Checks against the state inside the change: uniqueness, quotas, what is in use. */
  check(cp: ControlPlane, draft: ControlState, op: Operation, config: Obj, current?: ResourceView): void;
  /** Config issues from rebuilding the model that CloudFront reports with a code of their own. */
  issueCodes?: readonly IssueCode[];
  /** Whether `CreatedTime` (kept as LastModifiedTime) stays as it was on update. */
  keepsCreatedTime?: boolean;
}

interface IssueCode {
  on: Operation;
  code: ApiErrorCode;
  matches(issue: ConfigIssue): boolean;
}

function invalid(message: string): never {
  throw new ApiError('InvalidArgument', message);
}

/** A required, non-empty string field of a config body. */
function requireString(
  config: Obj,
  field: string,
  root: string,
  maxLength = Number.MAX_SAFE_INTEGER,
): string {
  const value = config[field];
  if (typeof value !== 'string' || value === '') invalid(`${root}.${field} is required`);
  if (value.length > maxLength) invalid(`${root}.${field} is longer than ${maxLength} characters`);
  return value;
}

function checkComment(config: Obj, root: string): void {
  const comment = config.Comment;
  if (comment === undefined) return;
  if (typeof comment !== 'string') invalid(`${root}.Comment must be text`);
  if (comment.length > MAX_COMMENT_LENGTH)
    invalid(`${root}.Comment is longer than ${MAX_COMMENT_LENGTH} characters`);
}

/** Every resource of the kind: the state's and the config files' (views.ts). */
export function allOfKind(cp: ControlPlane, kind: StoredKind): ResourceView[] {
  return allResources(cp, kind.list, () => kind.fromModel(cp.host.model()));
}

function findStored(cp: ControlPlane, kind: StoredKind, id: string): ResourceView {
  const view = findResource(cp, kind.list, id, () => kind.fromModel(cp.host.model()));
  if (!view)
    throw new ApiError(
      kind.notFound,
      `The specified ${kind.segment.replaceAll('-', ' ')} does not exist: ${id}`,
    );
  return view;
}

/** Runs a change; a config issue the kind names becomes CloudFront's own code for it. */
async function changeOf<T>(
  cp: ControlPlane,
  kind: StoredKind,
  op: Operation,
  edit: (draft: ControlState) => T,
): Promise<T> {
  try {
    return await cp.change(edit);
  } catch (err) {
    const issues = err instanceof ApiError && err.cause instanceof ConfigError ? err.cause.issues : [];
    const mapped = kind.issueCodes?.find((c) => c.on === op && issues.some((i) => c.matches(i)));
    if (mapped)
      throw new ApiError(mapped.code, (err as ApiError).message, { cause: (err as ApiError).cause });
    throw err;
  }
}

const answer = (
  kind: StoredKind,
  record: StoredResource,
  status = 200,
  headers: Record<string, string> = {},
): ApiResponse => ({
  status,
  root: kind.root,
  body: kind.body(record),
  headers: { ETag: record.ETag, ...headers },
});

async function create(cp: ControlPlane, kind: StoredKind, req: ApiRequest): Promise<ApiResponse> {
  const config = parseXmlBody(req.body, `${kind.root}Config`);
  kind.validate(config);
  const record = await changeOf(cp, kind, 'create', (draft) => {
    kind.check(cp, draft, 'create', config);
    return storeResource(draft, kind.list, kind.newId(), config, cp.now(), newETag());
  });
  return answer(kind, record, 201, { Location: `${req.base}/2020-05-31/${kind.segment}/${record.Id}` });
}

async function update(cp: ControlPlane, kind: StoredKind, req: ApiRequest): Promise<ApiResponse> {
  const [id] = req.params;
  const ifMatch = requireIfMatch(req);
  const config = parseXmlBody(req.body, `${kind.root}Config`);
  kind.validate(config);
  const record = await changeOf(cp, kind, 'update', (draft) => {
    const current = findStored(cp, kind, id);
    checkETag(ifMatch, current.ETag);
    kind.check(cp, draft, 'update', config, current);
    const time = kind.keepsCreatedTime ? new Date(current.LastModifiedTime) : cp.now();
    return storeResource(draft, kind.list, id, config, time, newETag());
  });
  return answer(kind, record);
}

async function remove(cp: ControlPlane, kind: StoredKind, req: ApiRequest): Promise<ApiResponse> {
  const [id] = req.params;
  const ifMatch = requireIfMatch(req);
  await changeOf(cp, kind, 'delete', (draft) => {
    const current = findStored(cp, kind, id);
    checkETag(ifMatch, current.ETag);
    kind.check(cp, draft, 'delete', current.Config, current);
    delete draft[kind.list][id];
    // Always: one moved into the state by an update may still be declared in a config file.
    if (!draft.deleted.includes(`${kind.list}/${id}`)) draft.deleted.push(`${kind.list}/${id}`);
  });
  return { status: 204 };
}

function list(cp: ControlPlane, kind: StoredKind, req: ApiRequest): ApiResponse {
  const { page, nextMarker, maxItems } = pageOf(allOfKind(cp, kind), (r) => r.Id, req.query);
  return {
    status: 200,
    root: `${kind.root}List`,
    body: {
      ...(nextMarker ? { NextMarker: nextMarker } : {}),
      MaxItems: maxItems,
      ...apiList(page.map((r) => kind.summary(r))),
    },
  };
}

/** The six routes of a kind: Create, Get, GetConfig, Update, Delete, List. */
export function storedResourceRoutes(kind: StoredKind): Route[] {
  const collection = new RegExp(`^/${kind.segment}$`);
  const item = new RegExp(`^/${kind.segment}/([^/]+)$`);
  const config = new RegExp(`^/${kind.segment}/([^/]+)/config$`);
  return [
    {
      operation: `Create${kind.root}`,
      method: 'POST',
      path: collection,
      handle: (cp, req) => create(cp, kind, req),
    },
    {
      operation: kind.listOperation,
      method: 'GET',
      path: collection,
      handle: (cp, req) => list(cp, kind, req),
    },
    {
      operation: `Get${kind.root}`,
      method: 'GET',
      path: item,
      handle: (cp, req) => answer(kind, findStored(cp, kind, req.params[0])),
    },
    {
      operation: `Get${kind.root}Config`,
      method: 'GET',
      path: config,
      handle: (cp, req) => {
        const record = findStored(cp, kind, req.params[0]);
        return {
          status: 200,
          root: `${kind.root}Config`,
          body: record.Config,
          headers: { ETag: record.ETag },
        };
      },
    },
    {
      operation: `Update${kind.root}`,
      method: 'PUT',
      path: kind.updateSuffix ? config : item,
      handle: (cp, req) => update(cp, kind, req),
    },
    {
      operation: `Delete${kind.root}`,
      method: 'DELETE',
      path: item,
      handle: (cp, req) => remove(cp, kind, req),
    },
  ];
}

// ---- public keys ----

const PEM_PUBLIC_KEY = /^\s*-----BEGIN PUBLIC KEY-----[A-Za-z0-9+/=\s]+-----END PUBLIC KEY-----\s*$/;

/**
 * CloudFront takes RSA 2048 and ECDSA P-256 public keys for signed URLs and cookies, as a PEM
 * SubjectPublicKeyInfo (`-----BEGIN PUBLIC KEY-----`); anything else is InvalidArgument.
 */
function checkEncodedKey(pem: string): void {
  if (!PEM_PUBLIC_KEY.test(pem))
    invalid(
      'PublicKeyConfig.EncodedKey must be a PEM public key (-----BEGIN PUBLIC KEY----- … -----END PUBLIC KEY-----)',
    );
  let key: ReturnType<typeof createPublicKey>;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    invalid('PublicKeyConfig.EncodedKey is not a valid public key');
  }
  const details = key.asymmetricKeyDetails ?? {};
  const rsa2048 = key.asymmetricKeyType === 'rsa' && details.modulusLength === 2048;
  const p256 = key.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1';
  if (!rsa2048 && !p256) {
    const what =
      key.asymmetricKeyType === 'rsa'
        ? `an RSA ${details.modulusLength}-bit key`
        : `a ${key.asymmetricKeyType} key`;
    invalid(`PublicKeyConfig.EncodedKey is ${what}; CloudFront takes RSA 2048-bit or ECDSA P-256 keys`);
  }
}

/** Line endings and surrounding space aside, the same key material. */
const sameKey = (a: unknown, b: unknown) =>
  String(a).replace(/\r\n/g, '\n').trim() === String(b).replace(/\r\n/g, '\n').trim();

/** Key groups (the state's and config files') that hold the public key `id`. */
function groupsHolding(cp: ControlPlane, id: string): string[] {
  return allOfKind(cp, KEY_GROUPS)
    .filter((g) => ((g.Config.Items as unknown[] | undefined) ?? []).includes(id))
    .map((g) => g.Id);
}

/** A config-file public key has no CallerReference of its own: a stable one from its id. */
const fileCallerReference = (id: string) => `edgefront-config-${id}`;

const inKeyGroupItems = (issue: ConfigIssue) =>
  issue.path.includes('KeyGroupConfig') && issue.path.includes('Items');
const duplicateName = (what: string) => (issue: ConfigIssue) =>
  issue.message.startsWith(`duplicate ${what} Name`);

export const PUBLIC_KEYS: StoredKind = {
  list: 'publicKeys',
  segment: 'public-key',
  root: 'PublicKey',
  listOperation: 'ListPublicKeys',
  updateSuffix: '/config',
  notFound: 'NoSuchPublicKey',
  newId: () => newOpaqueId('K'),
  keepsCreatedTime: true,
  body: (r) => ({ Id: r.Id, CreatedTime: r.LastModifiedTime, PublicKeyConfig: r.Config }),
  summary: (r) => ({
    Id: r.Id,
    Name: r.Config.Name,
    CreatedTime: r.LastModifiedTime,
    EncodedKey: r.Config.EncodedKey,
    Comment: r.Config.Comment,
  }),
  validate(config) {
    requireString(config, 'CallerReference', 'PublicKeyConfig');
    requireString(config, 'Name', 'PublicKeyConfig', MAX_NAME_LENGTH);
    checkEncodedKey(requireString(config, 'EncodedKey', 'PublicKeyConfig'));
    checkComment(config, 'PublicKeyConfig');
  },
  fromModel(model) {
    const out = new Map<string, Obj>();
    for (const [id, config] of model.publicKeyConfigs)
      out.set(id, publicKeyConfigToApi({ ...config }, { CallerReference: fileCallerReference(id) }));
    return out;
  },
  check(cp, _draft, op, config, current) {
    if (op === 'update' && current) {
      const changed = ['CallerReference', 'Name', 'EncodedKey'].filter((f) =>
        f === 'EncodedKey' ? !sameKey(config[f], current.Config[f]) : config[f] !== current.Config[f],
      );
      if (changed.length)
        throw new ApiError(
          'CannotChangeImmutablePublicKeyFields',
          `Only the Comment of a public key can change; ${changed.join(', ')} cannot`,
        );
      return;
    }
    if (op === 'delete') {
      const groups = groupsHolding(cp, String(current?.Id));
      if (groups.length)
        throw new ApiError('PublicKeyInUse', `The public key is in use by key group ${groups.join(', ')}`);
      return;
    }
    for (const other of allOfKind(cp, PUBLIC_KEYS)) {
      if (other.Config.CallerReference === config.CallerReference)
        throw new ApiError(
          'PublicKeyAlreadyExists',
          `A public key with this CallerReference already exists: ${other.Id}`,
        );
      if (other.Config.Name === config.Name)
        throw new ApiError(
          'PublicKeyAlreadyExists',
          `A public key named ${String(config.Name)} already exists: ${other.Id}`,
        );
    }
  },
  issueCodes: [
    // A key group in a config file names the key being deleted.
    { on: 'delete', code: 'PublicKeyInUse', matches: inKeyGroupItems },
    { on: 'create', code: 'PublicKeyAlreadyExists', matches: duplicateName('public key') },
  ],
};

// ---- key groups ----

/** Distributions whose cache behaviors trust the key group `id` (config-file ones included). */
function distributionsTrusting(cp: ControlPlane, id: string): string[] {
  return cp.host
    .model()
    .distributions.filter((d) => d.behaviors.some((b) => b.config.TrustedKeyGroups?.includes(id)))
    .map((d) => d.Id);
}

function checkKeyGroupItems(config: Obj): void {
  const items = config.Items;
  if (!Array.isArray(items) || items.length === 0)
    invalid('KeyGroupConfig.Items must name at least one public key');
  if (items.length > MAX_KEYS_PER_GROUP)
    throw new ApiError(
      'TooManyPublicKeysInKeyGroup',
      `A key group holds at most ${MAX_KEYS_PER_GROUP} public keys (got ${items.length})`,
    );
  if (items.some((k) => typeof k !== 'string' || k === ''))
    invalid('KeyGroupConfig.Items holds public key ids');
  if (new Set(items).size !== items.length) invalid('KeyGroupConfig.Items names a public key twice');
}

export const KEY_GROUPS: StoredKind = {
  list: 'keyGroups',
  segment: 'key-group',
  root: 'KeyGroup',
  listOperation: 'ListKeyGroups',
  updateSuffix: '',
  notFound: 'NoSuchResource',
  newId: randomUUID,
  body: (r) => ({ Id: r.Id, LastModifiedTime: r.LastModifiedTime, KeyGroupConfig: r.Config }),
  summary: (r) => ({ KeyGroup: KEY_GROUPS.body(r) }),
  validate(config) {
    requireString(config, 'Name', 'KeyGroupConfig', MAX_NAME_LENGTH);
    checkKeyGroupItems(config);
    checkComment(config, 'KeyGroupConfig');
  },
  fromModel(model) {
    const out = new Map<string, Obj>();
    for (const [id, config] of model.keyGroupConfigs) out.set(id, keyGroupConfigToApi({ ...config }));
    return out;
  },
  check(cp, _draft, op, config, current) {
    if (op === 'delete') {
      const users = distributionsTrusting(cp, String(current?.Id));
      if (users.length)
        throw new ApiError('ResourceInUse', `The key group is trusted by distribution ${users.join(', ')}`);
      return;
    }
    const others = allOfKind(cp, KEY_GROUPS).filter((g) => g.Id !== current?.Id);
    const same = others.find((g) => g.Config.Name === config.Name);
    if (same)
      throw new ApiError(
        'KeyGroupAlreadyExists',
        `A key group named ${String(config.Name)} already exists: ${same.Id}`,
      );
    if (op === 'create' && others.length >= MAX_KEY_GROUPS)
      throw new ApiError('TooManyKeyGroups', `Your account already has ${MAX_KEY_GROUPS} key groups`);
  },
  // Public keys are looked up by the rebuild, which knows those of config files too.
  issueCodes: [
    { on: 'create', code: 'NoSuchPublicKey', matches: inKeyGroupItems },
    { on: 'update', code: 'NoSuchPublicKey', matches: inKeyGroupItems },
    { on: 'create', code: 'KeyGroupAlreadyExists', matches: duplicateName('key group') },
    { on: 'update', code: 'KeyGroupAlreadyExists', matches: duplicateName('key group') },
  ],
};

export const keyRoutes: Route[] = [...storedResourceRoutes(PUBLIC_KEYS), ...storedResourceRoutes(KEY_GROUPS)];
