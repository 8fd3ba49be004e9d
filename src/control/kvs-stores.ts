/**
 * Key value stores as both APIs see them (reference/control-api.md §2.1 "KVS control plane", §3):
 * one view over the stores the control plane keeps (state + `<state-dir>/control/kvs/<Id>.json`)
 * and the stores of config files (`KeyValueStores:` with an optional `Data` file), and their data.
 *
 * A state-held store's data file is CloudFront's import format plus one top-level field the
 * import parser ignores, `edgefront: { ETag, LastModified }`: data and ETag change together in one
 * atomic, durable file write, and a model rebuild (another API change, a restart, `--watch`)
 * reads the same file the data plane last wrote. A config-file store changed through an API
 * moves into the state (its data copied there); the user's own Data file is never written.
 */
import { randomUUID } from 'node:crypto';
import { readFile, stat, unlink } from 'node:fs/promises';
import { keyValueStoreArn } from '../config/raw.js';
import { parseKeyValueStoreImport } from '../functions/cloudfront/kvs.js';
import { contentETag } from './api/views.js';
import type { ControlPlane } from './control-plane.js';
import { type ControlState, kvsDataFile, newOpaqueId, type StoredKeyValueStore } from './state.js';

export interface KeyValueStoreView extends StoredKeyValueStore {
  ARN: string;
  /** Still the config file's store: not changed through an API yet. */
  fromFile: boolean;
  /** Where its data is read from; absent for a config-file store without `Data` (empty). */
  dataFile?: string;
}

/** A store's keys and values as last acknowledged, with the data plane's ETag. */
export interface KeyValueData {
  readonly entries: ReadonlyMap<string, string>;
  /** The keys in ascending order: ListKeys pages through them. */
  readonly keys: readonly string[];
  readonly ETag: string;
  readonly LastModified: string;
  /** Keys and values in UTF-8 bytes, as CloudFront counts TotalSizeInBytes and the 5 MB quota. */
  readonly totalBytes: number;
}

/** The data file's field for what the import format has no place for (kvs.ts reads only `data`). */
const META_FIELD = 'edgefront';

export const newStoreId = (): string => randomUUID();
/** The data plane's ETag: its own token, independent of the control plane's (reference §3). */
const newDataETag = (): string => newOpaqueId('KV');

export function storeArn(cp: ControlPlane, id: string): string {
  return keyValueStoreArn(cp.accountId, id);
}

export function stateView(cp: ControlPlane, stored: StoredKeyValueStore): KeyValueStoreView {
  return {
    ...stored,
    ARN: storeArn(cp, stored.Id),
    fromFile: false,
    dataFile: kvsDataFile(cp.store.dir, stored.Id),
  };
}

/** Config-file stores the state neither holds (same Id) nor deleted. */
function fileViews(cp: ControlPlane): KeyValueStoreView[] {
  const held = new Set(Object.values(cp.state.keyValueStores).map((s) => s.Id));
  const out: KeyValueStoreView[] = [];
  for (const store of cp.host.model().keyValueStores.values()) {
    if (held.has(store.Id) || cp.state.deleted.includes(`keyValueStores/${store.Id}`)) continue;
    const identity = { Name: store.Name, Id: store.Id, Comment: '' };
    out.push({
      ...identity,
      ETag: contentETag(identity),
      Created: cp.startedAt,
      LastModifiedTime: cp.startedAt,
      version: 0,
      ARN: store.ARN,
      fromFile: true,
      dataFile: store.dataFile,
    });
  }
  return out;
}

export function allKeyValueStores(cp: ControlPlane): KeyValueStoreView[] {
  return [...Object.values(cp.state.keyValueStores).map((s) => stateView(cp, s)), ...fileViews(cp)];
}

export function findStoreByName(cp: ControlPlane, name: string): KeyValueStoreView | undefined {
  const stored = cp.state.keyValueStores[name];
  return stored ? stateView(cp, stored) : fileViews(cp).find((s) => s.Name === name);
}

export function findStoreByArn(cp: ControlPlane, arn: string): KeyValueStoreView | undefined {
  return allKeyValueStores(cp).find((s) => s.ARN === arn);
}

/** Makes a config-file store the control plane's (metadata only: the caller writes its data). */
export function adoptStore(draft: ControlState, view: KeyValueStoreView): StoredKeyValueStore {
  const { ARN: _arn, fromFile: _fromFile, dataFile: _dataFile, ...stored } = view;
  const record: StoredKeyValueStore = { ...stored, version: draft.version, fromConfigFile: true };
  draft.keyValueStores[view.Name] = record;
  return record;
}

/** Functions (config files, LIVE and DEVELOPMENT stages) associated with the store. */
export function functionsUsing(cp: ControlPlane, state: ControlState, view: KeyValueStoreView): string[] {
  const names = new Set<string>();
  for (const fn of cp.host.model().functions.values())
    if (fn.KeyValueStoreARNs.includes(view.ARN)) names.add(fn.Name);
  // Native configs may name the store instead of giving its ARN.
  const refs = new Set([view.ARN, view.Name, view.Id]);
  for (const fn of Object.values(state.functions)) {
    for (const stage of [fn.development, fn.live]) {
      const associations = stage?.Config.KeyValueStoreAssociations as { Items?: unknown[] } | undefined;
      const named = (associations?.Items ?? []).map(
        (a) => (a as { KeyValueStoreARN?: unknown }).KeyValueStoreARN,
      );
      if (named.some((ref) => refs.has(String(ref)))) names.add(fn.Name);
    }
  }
  return [...names];
}

export function byteSizeOf(entries: ReadonlyMap<string, string>): number {
  let total = 0;
  for (const [key, value] of entries) total += Buffer.byteLength(key) + Buffer.byteLength(value);
  return total;
}

function dataOf(entries: ReadonlyMap<string, string>, ETag: string, LastModified: string): KeyValueData {
  const keys = [...entries.keys()].sort();
  return {
    entries: new Map(keys.map((k) => [k, entries.get(k) as string])),
    keys,
    ETag,
    LastModified,
    totalBytes: byteSizeOf(entries),
  };
}

interface CachedData {
  data: KeyValueData;
  mtimeMs: number;
  size: number;
}

/** Parsed data files by path, per control plane; a file changed on disk (stat) is read again. */
const caches = new WeakMap<ControlPlane, Map<string, CachedData>>();

function cacheOf(cp: ControlPlane): Map<string, CachedData> {
  const cache = caches.get(cp) ?? new Map<string, CachedData>();
  caches.set(cp, cache);
  return cache;
}

/** The store's current data (throws KeyValueStoreError for a config file's broken Data). */
export async function readData(cp: ControlPlane, view: KeyValueStoreView): Promise<KeyValueData> {
  const file = view.dataFile;
  if (!file) return dataOf(new Map(), `KV${contentETag(view.Id).slice(1)}`, view.Created);
  const cache = cacheOf(cp);
  const info = await stat(file);
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === info.mtimeMs && hit.size === info.size) return hit.data;
  const text = await readFile(file, 'utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    doc = text; // the import parser says what is wrong with it
  }
  const entries = parseKeyValueStoreImport(doc);
  const meta = (doc as Record<string, { ETag?: unknown; LastModified?: unknown }>)[META_FIELD];
  const data = dataOf(
    entries,
    typeof meta?.ETag === 'string' ? meta.ETag : `KV${contentETag(text).slice(1)}`,
    typeof meta?.LastModified === 'string' ? meta.LastModified : info.mtime.toISOString(),
  );
  cache.set(file, { data, mtimeMs: info.mtimeMs, size: info.size });
  return data;
}

/**
 * Writes a state-held store's data durably (data and ETag in one atomic file), then swaps it into
 * the functions reading the store. Run inside `cp.change` so writes and model rebuilds take turns.
 * `keep` carries data over unchanged (a config-file store moving into the state).
 */
export async function writeData(
  cp: ControlPlane,
  view: KeyValueStoreView,
  entries: ReadonlyMap<string, string>,
  keep?: { ETag: string; LastModified: string },
): Promise<KeyValueData> {
  const file = kvsDataFile(cp.store.dir, view.Id);
  const data = dataOf(entries, keep?.ETag ?? newDataETag(), keep?.LastModified ?? cp.now().toISOString());
  const doc = {
    data: data.keys.map((key) => ({ key, value: data.entries.get(key) })),
    [META_FIELD]: { ETag: data.ETag, LastModified: data.LastModified },
  };
  await cp.store.saveFile(file, `${JSON.stringify(doc)}\n`);
  const info = await stat(file);
  cacheOf(cp).set(file, { data, mtimeMs: info.mtimeMs, size: info.size });
  cp.host.keyValueStore(view.ARN)?.replace(data.entries);
  return data;
}

/** Removes a state-held store's data file (the store is gone or was never acknowledged). */
export async function discardData(cp: ControlPlane, id: string): Promise<void> {
  const file = kvsDataFile(cp.store.dir, id);
  cacheOf(cp).delete(file);
  await unlink(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}
