/**
 * Key value stores, control plane (reference/control-api.md §2 "Key value stores", §2.1 "KVS
 * control plane"): Create (optionally importing CloudFront's JSON format from a bucket edgefront
 * serves locally), Describe, Update (Comment only, If-Match), Delete (If-Match; refused while a
 * function is associated) and List, addressed by Name. Config-file stores are visible here too
 * (kvs-stores.ts); their keys and values go through the data-plane API (kvs-data-plane.ts).
 */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import type { Obj } from '../../config/issues.js';
import { FUNCTION_NAME } from '../../config/schema/functions.js';
import { ApiError } from '../../errors.js';
import { KeyValueStoreError, parseKeyValueStoreImport } from '../../functions/cloudfront/kvs.js';
import { KVS_MAX_TOTAL_BYTES } from '../../functions/cloudfront/limits.js';
import type { ControlPlane } from '../control-plane.js';
import {
  adoptStore,
  allKeyValueStores,
  discardData,
  findStoreByName,
  functionsUsing,
  type KeyValueStoreView,
  newStoreId,
  readData,
  stateView,
  writeData,
} from '../kvs-stores.js';
import type { ApiRequest, ApiResponse, Route } from '../router.js';
import { checkETag, nextMarkerList, requireIfMatch } from '../router.js';
import { newETag, type StoredKeyValueStore } from '../state.js';
import { parseXmlBody } from '../xml/codec.js';

/** CloudFront's quotas (control-api.md §6, §2.1). */
const MAX_KEY_VALUE_STORES = 50;
const MAX_COMMENT_LENGTH = 128;
/** The only status edgefront's stores have: imports finish before Create answers. */
const STATUS = 'READY';

function findStore(cp: ControlPlane, name: string): KeyValueStoreView {
  const view = findStoreByName(cp, name);
  if (!view) throw new ApiError('EntityNotFound', `The key value store ${name} does not exist.`);
  return view;
}

function storeBody(view: KeyValueStoreView): Obj {
  return {
    Name: view.Name,
    Id: view.Id,
    Comment: view.Comment,
    ARN: view.ARN,
    Status: STATUS,
    LastModifiedTime: view.LastModifiedTime,
  };
}

function answer(status: number, view: KeyValueStoreView, headers: Record<string, string> = {}): ApiResponse {
  return { status, root: 'KeyValueStore', body: storeBody(view), headers: { ETag: view.ETag, ...headers } };
}

function commentOf(value: unknown, required: boolean): string {
  if (value === undefined && !required) return '';
  if (typeof value !== 'string')
    throw new ApiError('InvalidArgument', 'Comment is required (it may be empty)');
  if (value.length > MAX_COMMENT_LENGTH)
    throw new ApiError(
      'InvalidArgument',
      `Comment is ${value.length} characters; the limit is ${MAX_COMMENT_LENGTH}`,
    );
  return value;
}

/** Where an import reads from: an object of a bucket this edge serves from a directory. */
interface ImportFile {
  arn: string;
  path: string;
}

/**
 * Deviation from CloudFront: edgefront cannot reach S3, so ImportSource must name an object of a
 * bucket served locally (`--bucket NAME=DIR` or the config's `Buckets:`), read from that directory.
 */
function importFileOf(cp: ControlPlane, source: unknown): ImportFile {
  const { SourceType, SourceARN } = (source ?? {}) as Obj;
  if (SourceType !== 'S3')
    throw new ApiError('InvalidArgument', `ImportSource.SourceType must be S3 (got ${String(SourceType)})`);
  const arn = String(SourceARN ?? '');
  const m = /^arn:aws[a-z-]*:s3:::([^/]+)\/(.+)$/.exec(arn);
  if (!m)
    throw new ApiError(
      'InvalidArgument',
      `ImportSource.SourceARN must be an S3 object ARN, arn:aws:s3:::BUCKET/KEY (got "${arn}")`,
    );
  const [, bucket, key] = m;
  const dir = cp.host.model().buckets.get(bucket);
  if (dir === undefined)
    throw new ApiError(
      'UnsupportedOperation',
      `edgefront cannot read from Amazon S3: to import ${arn}, serve the bucket "${bucket}" from a local directory (serve --bucket ${bucket}=DIR, or Buckets: in the config)`,
    );
  const path = resolve(dir, key);
  const inside = relative(dir, path);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside))
    throw new ApiError(
      'InvalidArgument',
      `ImportSource.SourceARN: "${key}" is not an object key in ${bucket}`,
    );
  return { arn, path };
}

/** The import file's entries: CloudFront's JSON format, ≤ 5 MB, unique keys, each within its limits. */
async function readImport(file: ImportFile): Promise<Map<string, string>> {
  const info = await stat(file.path).catch(() => undefined);
  if (!info?.isFile()) throw new ApiError('InvalidArgument', `ImportSource: ${file.arn} does not exist`);
  if (info.size > KVS_MAX_TOTAL_BYTES)
    throw new ApiError(
      'EntitySizeLimitExceeded',
      `ImportSource: ${file.arn} is ${info.size} bytes; the limit is ${KVS_MAX_TOTAL_BYTES}`,
    );
  try {
    return parseKeyValueStoreImport(await readFile(file.path, 'utf8'));
  } catch (err) {
    if (err instanceof KeyValueStoreError)
      throw new ApiError(err.code, `ImportSource ${file.arn}: ${err.message}`, { cause: err });
    throw err;
  }
}

function tagsOf(body: Obj): Record<string, string> | undefined {
  const items = (body.Tags as { Items?: Obj[] } | undefined)?.Items;
  if (!items?.length) return undefined;
  return Object.fromEntries(items.map((tag) => [String(tag.Key), String(tag.Value ?? '')]));
}

async function createStore(cp: ControlPlane, req: ApiRequest): Promise<ApiResponse> {
  const body = parseXmlBody(req.body, 'CreateKeyValueStoreRequest');
  const name = body.Name;
  if (typeof name !== 'string' || !FUNCTION_NAME.test(name))
    throw new ApiError('InvalidArgument', 'Name must be 1–64 characters of a-z A-Z 0-9 - _');
  const comment = commentOf(body.Comment, false);
  const entries = body.ImportSource ? await readImport(importFileOf(cp, body.ImportSource)) : new Map();
  const id = newStoreId();
  try {
    const view = await cp.change(async (draft) => {
      if (findStoreByName(cp, name))
        throw new ApiError('EntityAlreadyExists', `A key value store named ${name} already exists.`);
      if (allKeyValueStores(cp).length >= MAX_KEY_VALUE_STORES)
        throw new ApiError(
          'EntityLimitExceeded',
          `Your account already has ${MAX_KEY_VALUE_STORES} key value stores`,
        );
      const now = cp.now().toISOString();
      const record: StoredKeyValueStore = {
        Id: id,
        Name: name,
        Comment: comment,
        ETag: newETag(),
        Created: now,
        LastModifiedTime: now,
        version: draft.version,
      };
      draft.keyValueStores[name] = record;
      const view = stateView(cp, record);
      const tags = tagsOf(body);
      if (tags) draft.tags[view.ARN] = tags;
      await writeData(cp, view, entries);
      return view;
    });
    return answer(201, view, { Location: `${req.base}/2020-05-31/key-value-store/${name}` });
  } catch (err) {
    // Refused before the state took it: the data file written for it goes too.
    if (cp.state.keyValueStores[name]?.Id !== id) await discardData(cp, id);
    throw err;
  }
}

async function updateStore(cp: ControlPlane, req: ApiRequest): Promise<ApiResponse> {
  const [name] = req.params;
  const ifMatch = requireIfMatch(req);
  const comment = commentOf(parseXmlBody(req.body, 'UpdateKeyValueStoreRequest').Comment, true);
  const view = await cp.change(async (draft) => {
    const current = findStore(cp, name);
    checkETag(ifMatch, current.ETag);
    const stored = current.fromFile ? adoptStore(draft, current) : draft.keyValueStores[name];
    const record: StoredKeyValueStore = {
      ...stored,
      Comment: comment,
      ETag: newETag(),
      LastModifiedTime: cp.now().toISOString(),
      version: draft.version,
    };
    draft.keyValueStores[name] = record;
    const next = stateView(cp, record);
    if (current.fromFile) {
      const data = await readData(cp, current);
      await writeData(cp, next, data.entries, data);
    }
    return next;
  });
  return answer(200, view);
}

async function deleteStore(cp: ControlPlane, req: ApiRequest): Promise<ApiResponse> {
  const [name] = req.params;
  const ifMatch = requireIfMatch(req);
  const deleted = await cp.change((draft) => {
    const current = findStore(cp, name);
    checkETag(ifMatch, current.ETag);
    const users = functionsUsing(cp, draft, current);
    if (users.length > 0)
      throw new ApiError(
        'CannotDeleteEntityWhileInUse',
        `The key value store ${name} is associated with the function(s) ${users.join(', ')}: remove the association first`,
      );
    delete draft.keyValueStores[name];
    delete draft.tags[current.ARN];
    if (current.fromFile || current.fromConfigFile) draft.deleted.push(`keyValueStores/${current.Id}`);
    return current;
  });
  if (!deleted.fromFile) await discardData(cp, deleted.Id);
  return { status: 204 };
}

function listStores(cp: ControlPlane, req: ApiRequest): ApiResponse {
  const status = req.query.get('Status');
  const stores = status === null || status === STATUS ? allKeyValueStores(cp) : [];
  return nextMarkerList('KeyValueStoreList', stores, (s) => s.Name, req.query, storeBody);
}

const ONE_STORE = /^\/key-value-store\/([^/]+)$/;

export const keyValueStoreRoutes: Route[] = [
  { operation: 'CreateKeyValueStore', method: 'POST', path: /^\/key-value-store$/, handle: createStore },
  { operation: 'ListKeyValueStores', method: 'GET', path: /^\/key-value-store$/, handle: listStores },
  {
    operation: 'DescribeKeyValueStore',
    method: 'GET',
    path: ONE_STORE,
    handle: (cp, req) => answer(200, findStore(cp, req.params[0])),
  },
  { operation: 'UpdateKeyValueStore', method: 'PUT', path: ONE_STORE, handle: updateStore },
  { operation: 'DeleteKeyValueStore', method: 'DELETE', path: ONE_STORE, handle: deleteStore },
];
