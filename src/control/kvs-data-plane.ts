/**
 * The KeyValueStore data-plane API (reference/control-api.md §3; rest-json under
 * `/key-value-stores/{KvsARN}`, SigV4A-verified by api-server.ts before it gets here):
 * DescribeKeyValueStore, GetKey, ListKeys, PutKey, DeleteKey and UpdateKeys.
 *
 * Every write names the store's current ETag in If-Match (ConflictException otherwise), runs
 * through `cp.change` so writes and model rebuilds take turns, is acknowledged only once its data
 * file is on disk, and reaches the functions reading the store at once (kvs-stores.ts writeData).
 */
import { KvsApiError } from '../errors.js';
import {
  KVS_MAX_KEY_BYTES,
  KVS_MAX_TOTAL_BYTES,
  KVS_MAX_VALUE_BYTES,
} from '../functions/cloudfront/limits.js';
import { KVS_PATH_PREFIX, type KvsResponse, type RawApiRequest } from './api-server.js';
import type { ControlPlane } from './control-plane.js';
import {
  adoptStore,
  byteSizeOf,
  findStoreByArn,
  type KeyValueData,
  type KeyValueStoreView,
  readData,
  stateView,
  writeData,
} from './kvs-stores.js';

/** UpdateKeys' limits (reference §3). */
const MAX_KEYS_PER_UPDATE = 50;
const MAX_UPDATE_BODY_BYTES = 3 * 1024 * 1024;
/** ListKeys' MaxResults: 1–50, default 10. */
const MAX_RESULTS = 50;
const DEFAULT_RESULTS = 10;
const KVS_ARN = /^arn:aws:cloudfront::\d{12}:key-value-store\/[A-Za-z0-9-]+$/;

interface KvsCall {
  cp: ControlPlane;
  request: RawApiRequest;
  arn: string;
  key?: string;
}

type Operation = (call: KvsCall) => Promise<KvsResponse>;

const invalid = (message: string) => new KvsApiError('ValidationException', message);

function decodeLabel(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalid(`could not decode the path segment "${segment}"`);
  }
}

function headerOf(request: RawApiRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

const epochSeconds = (iso: string) => Date.parse(iso) / 1000;

function findStore(call: KvsCall): KeyValueStoreView {
  if (!KVS_ARN.test(call.arn)) throw invalid(`"${call.arn}" is not a key value store ARN`);
  const view = findStoreByArn(call.cp, call.arn);
  if (!view)
    throw new KvsApiError('ResourceNotFoundException', `The key value store ${call.arn} does not exist.`);
  return view;
}

function checkKey(key: unknown, where = 'Key'): string {
  if (typeof key !== 'string' || key === '') throw invalid(`${where} must be a non-empty string`);
  const bytes = Buffer.byteLength(key);
  // The API model allows 1024 characters; CloudFront's quota (and its functions) stop at 512 bytes.
  if (bytes > KVS_MAX_KEY_BYTES)
    throw invalid(`${where} is ${bytes} bytes; the limit is ${KVS_MAX_KEY_BYTES}`);
  return key;
}

function checkValue(value: unknown, key: string): string {
  if (typeof value !== 'string') throw invalid(`the value of ${JSON.stringify(key)} must be a string`);
  const bytes = Buffer.byteLength(value);
  if (bytes > KVS_MAX_VALUE_BYTES)
    throw invalid(
      `the value of ${JSON.stringify(key)} is ${bytes} bytes; the limit is ${KVS_MAX_VALUE_BYTES}`,
    );
  return value;
}

function jsonBody(request: RawApiRequest): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(request.body.toString('utf8') || '{}');
  } catch {
    throw invalid('the request body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalid('the request body must be a JSON object');
  return body as Record<string, unknown>;
}

const sizes = (data: KeyValueData) => ({ ItemCount: data.entries.size, TotalSizeInBytes: data.totalBytes });

/**
 * One write: If-Match against the data's current ETag, `edit` on a copy of the entries, the 5 MB
 * quota, then the durable write. A config-file store moves into the state on its first write (a
 * model rebuild, so the edge reads its data from there from then on).
 */
async function writeKeys(call: KvsCall, edit: (entries: Map<string, string>) => void): Promise<KvsResponse> {
  const ifMatch = headerOf(call.request, 'if-match')?.trim();
  if (!ifMatch) throw invalid('If-Match is required: the ETag from DescribeKeyValueStore or the last write');
  const rebuild = findStore(call).fromFile;
  const data = await call.cp.change(
    async (draft) => {
      const view = findStore(call);
      const current = await readData(call.cp, view);
      if (ifMatch !== current.ETag)
        throw new KvsApiError(
          'ConflictException',
          `Resource is not in expected state: If-Match ${ifMatch} is not the store's current ETag`,
        );
      const entries = new Map(current.entries);
      edit(entries);
      const total = byteSizeOf(entries);
      if (total > KVS_MAX_TOTAL_BYTES)
        throw new KvsApiError(
          'ServiceQuotaExceededException',
          `the store would hold ${total} bytes of keys and values; the limit is ${KVS_MAX_TOTAL_BYTES}`,
        );
      const target = view.fromFile ? stateView(call.cp, adoptStore(draft, view)) : view;
      return writeData(call.cp, target, entries);
    },
    { rebuild },
  );
  return { status: 200, headers: { ETag: data.ETag }, body: sizes(data) };
}

const describeStore: Operation = async (call) => {
  const view = findStore(call);
  const data = await readData(call.cp, view);
  return {
    status: 200,
    headers: { ETag: data.ETag },
    body: {
      ...sizes(data),
      KvsARN: view.ARN,
      Created: epochSeconds(view.Created),
      LastModified: epochSeconds(data.LastModified),
      Status: 'READY',
    },
  };
};

const getKey: Operation = async (call) => {
  const data = await readData(call.cp, findStore(call));
  const key = call.key as string;
  const value = data.entries.get(key);
  if (value === undefined)
    throw new KvsApiError('ResourceNotFoundException', `The key ${JSON.stringify(key)} does not exist.`);
  return { status: 200, body: { Key: key, Value: value, ...sizes(data) } };
};

/** The first index of `keys` (ascending) after `after`. */
function indexAfter(keys: readonly string[], after: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const listKeys: Operation = async (call) => {
  const query = new URLSearchParams(call.request.query);
  const rawMax = query.get('MaxResults');
  const max = rawMax === null ? DEFAULT_RESULTS : Number(rawMax);
  if (!Number.isInteger(max) || max < 1 || max > MAX_RESULTS)
    throw invalid(`MaxResults must be a whole number from 1 to ${MAX_RESULTS} (got "${rawMax}")`);
  const data = await readData(call.cp, findStore(call));
  const token = query.get('NextToken');
  let start = 0;
  if (token !== null) {
    // The token is the last key of the previous page, so pages stay right across writes.
    const after = Buffer.from(token, 'base64url').toString('utf8');
    if (after === '' || Buffer.from(after).toString('base64url') !== token)
      throw invalid('NextToken is not a token ListKeys returned');
    start = indexAfter(data.keys, after);
  }
  const page = data.keys.slice(start, start + max);
  const more = start + max < data.keys.length;
  return {
    status: 200,
    body: {
      Items: page.map((Key) => ({ Key, Value: data.entries.get(Key) })),
      ...(more ? { NextToken: Buffer.from(page[page.length - 1]).toString('base64url') } : {}),
    },
  };
};

const putKey: Operation = (call) => {
  const key = checkKey(call.key);
  const value = checkValue(jsonBody(call.request).Value, key);
  return writeKeys(call, (entries) => entries.set(key, value));
};

const deleteKey: Operation = (call) => {
  const key = checkKey(call.key);
  return writeKeys(call, (entries) => {
    if (!entries.delete(key))
      throw new KvsApiError('ResourceNotFoundException', `The key ${JSON.stringify(key)} does not exist.`);
  });
};

function listOf(body: Record<string, unknown>, name: string): Record<string, unknown>[] {
  const list = body[name] ?? [];
  if (!Array.isArray(list) || list.some((item) => typeof item !== 'object' || item === null))
    throw invalid(`${name} must be a list of objects`);
  return list as Record<string, unknown>[];
}

/** All or nothing: every put and delete is checked before any is applied. */
const updateKeys: Operation = (call) => {
  if (call.request.body.length > MAX_UPDATE_BODY_BYTES)
    throw invalid(`the request body is over ${MAX_UPDATE_BODY_BYTES} bytes`);
  const body = jsonBody(call.request);
  const puts = listOf(body, 'Puts');
  const deletes = listOf(body, 'Deletes');
  const count = puts.length + deletes.length;
  if (count === 0) throw invalid('UpdateKeys needs at least one of Puts and Deletes');
  if (count > MAX_KEYS_PER_UPDATE)
    throw invalid(`UpdateKeys takes at most ${MAX_KEYS_PER_UPDATE} keys (got ${count})`);
  const seen = new Set<string>();
  const once = (key: string) => {
    if (seen.has(key)) throw invalid(`the key ${JSON.stringify(key)} appears more than once`);
    seen.add(key);
    return key;
  };
  const writes = puts.map((p, i) => {
    const key = once(checkKey(p.Key, `Puts[${i}].Key`));
    return [key, checkValue(p.Value, key)] as const;
  });
  const removals = deletes.map((d, i) => once(checkKey(d.Key, `Deletes[${i}].Key`)));
  // A delete of a key the store does not hold is a no-op here [unverified against CloudFront].
  return writeKeys(call, (entries) => {
    for (const [key, value] of writes) entries.set(key, value);
    for (const key of removals) entries.delete(key);
  });
};

/** Operations by method and path shape (`store`, `keys` or `key`). */
const OPERATIONS: Record<string, Operation> = {
  'GET store': describeStore,
  'GET keys': listKeys,
  'POST keys': updateKeys,
  'GET key': getKey,
  'PUT key': putKey,
  'DELETE key': deleteKey,
};

const SHAPES = ['store', 'keys', 'key'];

export async function handleKvsRequest(cp: ControlPlane, request: RawApiRequest): Promise<KvsResponse> {
  const [arn, keys, key, ...rest] = request.path.slice(KVS_PATH_PREFIX.length + 1).split('/');
  const depth = key === undefined ? (keys === undefined ? 0 : 1) : 2;
  const operation =
    arn && rest.length === 0 && (keys === undefined || keys === 'keys')
      ? OPERATIONS[`${request.method} ${SHAPES[depth]}`]
      : undefined;
  if (!operation)
    throw invalid(`${request.method} ${request.path} is not an operation of the KeyValueStore API`);
  return operation({
    cp,
    request,
    arn: decodeLabel(arn),
    ...(key === undefined ? {} : { key: decodeLabel(key) }),
  });
}
