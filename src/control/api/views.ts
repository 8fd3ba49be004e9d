/**
 * One view over the two homes of a resource: the control plane's state (created or changed through
 * the API) and the config files (visible through the API with a content-derived ETag, so the
 * same file gives the same ETag across restarts). A config-file resource changed through the API
 * moves into the state, which then wins; one deleted through the API is hidden by a tombstone.
 */
import { createHash } from 'node:crypto';
import type { Obj } from '../../config/issues.js';
import type { ControlPlane } from '../control-plane.js';
import type { ResourceList, StoredResource } from '../state.js';

export interface ResourceView extends StoredResource {
  /** True while the resource still comes from a config file (not yet changed through the API). */
  fromFile: boolean;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A stable ETag for a config-file resource: `E` + 13 characters of its content's digest. */
export function contentETag(value: unknown): string {
  const bytes = createHash('sha256').update(JSON.stringify(value)).digest();
  let out = 'E';
  for (let i = 0; i < 13; i++) out += BASE32[bytes[i] % 32];
  return out;
}

/**
 * Finds a resource by id: the state first, then `fromFiles` (config-file resources in the API's
 * shape, by id), unless deleted through the API.
 */
export function findResource(
  cp: ControlPlane,
  list: ResourceList,
  id: string,
  fromFiles: () => ReadonlyMap<string, Obj>,
): ResourceView | undefined {
  const stored = cp.state[list][id];
  if (stored) return { ...stored, fromFile: false };
  if (cp.state.deleted.includes(`${list}/${id}`)) return undefined;
  const config = fromFiles().get(id);
  if (!config) return undefined;
  return fileView(cp, id, config);
}

function fileView(cp: ControlPlane, id: string, config: Obj): ResourceView {
  return {
    Id: id,
    ETag: contentETag(config),
    LastModifiedTime: cp.startedAt,
    Config: config,
    version: 0,
    fromFile: true,
  };
}

/** Every resource of a kind: stored ones and the config-file ones not replaced or deleted. */
export function allResources(
  cp: ControlPlane,
  list: ResourceList,
  fromFiles: () => ReadonlyMap<string, Obj>,
): ResourceView[] {
  const out: ResourceView[] = Object.values(cp.state[list]).map((r) => ({ ...r, fromFile: false }));
  for (const [id, config] of fromFiles()) {
    if (cp.state[list][id] || cp.state.deleted.includes(`${list}/${id}`)) continue;
    out.push(fileView(cp, id, config));
  }
  return out;
}

/** Stores `config` as the resource's new version (full replacement, as CloudFront's updates are). */
export function storeResource(
  draft: { version: number } & Record<ResourceList, Record<string, StoredResource>>,
  list: ResourceList,
  id: string,
  config: Obj,
  now: Date,
  ETag: string,
): StoredResource {
  const record: StoredResource = {
    Id: id,
    ETag,
    LastModifiedTime: now.toISOString(),
    Config: config,
    version: draft.version,
  };
  draft[list][id] = record;
  return record;
}
