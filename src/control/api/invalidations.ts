/**
 * Invalidations (reference/control-api.md §2.1 "Invalidations", caching.md §6): CreateInvalidation
 * validates the paths as the API does, applies them to both cache tiers through the cache's
 * invalidation engine, and records the batch `InProgress` then `Completed`; Get and List read the
 * records. A CallerReference sent again with the same paths returns the earlier invalidation.
 */
import type { PurgeRequest } from '../../cache/edge-cache.js';
import { InvalidationPathError, parseInvalidationPath } from '../../cache/invalidate.js';
import type { Obj } from '../../config/issues.js';
import { ApiError } from '../../errors.js';
import { type ControlPlane, NoChange } from '../control-plane.js';
import { type ApiRequest, type ApiResponse, apiList, pageOf, type Route } from '../router.js';
import { type ControlState, newOpaqueId, type StoredInvalidation } from '../state.js';
import { parseXmlBody } from '../xml/codec.js';
import { findDistribution } from './distributions.js';

/** In-progress limits per distribution (control-api.md §6). */
export const MAX_FILE_PATHS_IN_PROGRESS = 3000;
export const MAX_WILDCARD_PATHS_IN_PROGRESS = 15;

const isWildcard = (path: string) => path.endsWith('*');

function batchOf(record: StoredInvalidation): Obj {
  return { Paths: apiList(record.Paths), CallerReference: record.CallerReference };
}

function invalidationBody(cp: ControlPlane, record: StoredInvalidation): Obj {
  return {
    Id: record.Id,
    Status: cp.invalidationStatus(record),
    CreateTime: record.CreateTime,
    InvalidationBatch: batchOf(record),
  };
}

function locationOf(req: ApiRequest, distributionId: string, id: string): string {
  return `${req.base}/2020-05-31/distribution/${distributionId}/invalidation/${id}`;
}

function parseBatch(body: Buffer): { paths: string[]; callerReference: string } {
  const batch = parseXmlBody(body, 'InvalidationBatch');
  const callerReference = batch.CallerReference;
  if (typeof callerReference !== 'string' || callerReference === '') {
    throw new ApiError('InvalidArgument', 'InvalidationBatch.CallerReference is required');
  }
  const paths = ((batch.Paths as Obj | undefined)?.Items as unknown[] | undefined) ?? [];
  if (paths.length === 0)
    throw new ApiError('InvalidArgument', 'InvalidationBatch.Paths must hold at least one path');
  for (const path of paths) {
    try {
      parseInvalidationPath(String(path));
    } catch (err) {
      if (err instanceof InvalidationPathError)
        throw new ApiError('InvalidArgument', `Paths: ${err.message}`);
      throw err;
    }
  }
  return { paths: paths.map(String), callerReference };
}

/** TooManyInvalidationsInProgress when this batch would pass the in-progress limits. */
function checkLimits(inProgress: StoredInvalidation[], paths: string[]): void {
  const all = [...inProgress.flatMap((i) => i.Paths), ...paths];
  const wildcards = all.filter(isWildcard).length;
  const files = all.length - wildcards;
  if (files > MAX_FILE_PATHS_IN_PROGRESS || wildcards > MAX_WILDCARD_PATHS_IN_PROGRESS) {
    throw new ApiError(
      'TooManyInvalidationsInProgress',
      `Processing your request would cause the maximum number of in-progress invalidations to be exceeded: ${files} file paths (limit ${MAX_FILE_PATHS_IN_PROGRESS}) and ${wildcards} wildcard paths (limit ${MAX_WILDCARD_PATHS_IN_PROGRESS})`,
    );
  }
}

async function createInvalidation(cp: ControlPlane, req: ApiRequest): Promise<ApiResponse> {
  const [distributionId] = req.params;
  const { paths, callerReference } = parseBatch(req.body);
  const record = await storeInvalidation(
    cp,
    distributionId,
    { CallerReference: callerReference, Paths: paths },
    (inProgress) => checkLimits(inProgress, paths),
  );
  return {
    status: 201,
    root: 'Invalidation',
    body: invalidationBody(cp, record),
    headers: { Location: locationOf(req, distributionId, record.Id) },
  };
}

/** A CloudFront invalidation (paths) or an edgefront tag invalidation: the kinds never mix. */
const isTagInvalidation = (record: StoredInvalidation) => record.Tags !== undefined;

/**
 * Records an invalidation batch (paths, or tags with `Paths: []`) and, on a single node, applies
 * it. The same CallerReference with the same subjects returns the earlier record; with others it
 * is InvalidationBatchAlreadyExists. `check` sees the batches of the same kind in progress.
 */
export async function storeInvalidation(
  cp: ControlPlane,
  distributionId: string,
  batch: Pick<StoredInvalidation, 'CallerReference' | 'Paths' | 'Tags'>,
  check: (inProgress: StoredInvalidation[]) => void,
): Promise<StoredInvalidation> {
  const tags = batch.Tags !== undefined;
  const subjects = (r: Pick<StoredInvalidation, 'Paths' | 'Tags'>) => JSON.stringify(r.Tags ?? r.Paths);
  const outcome = await cp.change(
    (draft) => {
      findDistribution(cp, distributionId);
      draft.invalidations[distributionId] ??= [];
      const records = draft.invalidations[distributionId];
      const sameKind = records.filter((r) => isTagInvalidation(r) === tags);
      const earlier = sameKind.find((r) => r.CallerReference === batch.CallerReference);
      if (earlier) {
        if (subjects(earlier) !== subjects(batch)) {
          throw new ApiError(
            'InvalidationBatchAlreadyExists',
            `An invalidation with the caller reference ${batch.CallerReference} and other ${tags ? 'tags' : 'paths'} already exists: ${earlier.Id}`,
          );
        }
        return { record: earlier, isNew: false };
      }
      check(sameKind.filter((r) => cp.invalidationStatus(r) === 'InProgress'));
      const record: StoredInvalidation = {
        Id: newOpaqueId('I'),
        CreateTime: cp.now().toISOString(),
        Status: 'InProgress',
        CallerReference: batch.CallerReference,
        Paths: batch.Paths,
        ...(tags ? { Tags: batch.Tags } : {}),
        version: draft.version,
      };
      records.push(record);
      return { record, isNew: true };
    },
    { rebuild: false },
  );
  // A cluster node purged it when it stored the change (ControlPlane #served); every other node
  // purges as it catches up, and the batch is Completed once all live nodes serve that version.
  // The answer shows the record as created (InProgress), as CloudFront's does.
  const created = structuredClone(outcome.record);
  if (outcome.isNew && !cp.cluster) await applyInvalidation(cp, distributionId, outcome.record.Id);
  return created;
}

/**
 * The batches (paths and tags) created after `servedVersion`, as cache purges: what a cluster
 * node applies before it reports a newer version, or at start for what it missed.
 */
export function purgesSince(state: ControlState, servedVersion: number): PurgeRequest[] {
  const out: PurgeRequest[] = [];
  for (const [distributionId, records] of Object.entries(state.invalidations)) {
    for (const record of records) {
      if (record.version !== undefined && record.version > servedVersion)
        out.push(purgeOf(distributionId, record));
    }
  }
  return out;
}

/** What purging a recorded batch asks of the cache. */
export function purgeOf(distributionId: string, record: StoredInvalidation): PurgeRequest {
  return record.Tags ? { distributionId, tags: record.Tags } : { distributionId, paths: record.Paths };
}

/**
 * Cluster housekeeping: records the batches every live node has applied as Completed (one
 * change for all of them; nothing stored when there are none).
 */
export async function recordCompletedInvalidations(cp: ControlPlane): Promise<void> {
  const done = (r: StoredInvalidation) =>
    r.Status === 'InProgress' && cp.invalidationStatus(r) === 'Completed';
  if (!Object.values(cp.state.invalidations).some((records) => records.some(done))) return;
  await cp.change(
    (draft) => {
      let changed = false;
      for (const records of Object.values(draft.invalidations)) {
        for (const record of records) {
          if (done(record)) {
            record.Status = 'Completed';
            changed = true;
          }
        }
      }
      if (!changed) throw new NoChange();
    },
    { rebuild: false },
  );
}

/** Purges the paths on this node, then marks the batch Completed. */
export async function applyInvalidation(cp: ControlPlane, distributionId: string, id: string): Promise<void> {
  const record = cp.state.invalidations[distributionId]?.find((r) => r.Id === id);
  if (!record || record.Status === 'Completed') return;
  cp.host.purge(purgeOf(distributionId, record));
  await cp.change(
    (draft) => {
      const stored = draft.invalidations[distributionId]?.find((r) => r.Id === id);
      if (stored) stored.Status = 'Completed';
    },
    { rebuild: false },
  );
}

function getInvalidation(cp: ControlPlane, req: ApiRequest): ApiResponse {
  const [distributionId, id] = req.params;
  findDistribution(cp, distributionId);
  const record = cp.state.invalidations[distributionId]?.find((r) => r.Id === id && !isTagInvalidation(r));
  if (!record) throw new ApiError('NoSuchInvalidation', `The specified invalidation does not exist: ${id}`);
  return { status: 200, root: 'Invalidation', body: invalidationBody(cp, record) };
}

function listInvalidations(cp: ControlPlane, req: ApiRequest): ApiResponse {
  const [distributionId] = req.params;
  findDistribution(cp, distributionId);
  // Newest first, as CloudFront lists them; the marker is the last id of the page.
  const records = (cp.state.invalidations[distributionId] ?? [])
    .filter((r) => !isTagInvalidation(r))
    .reverse();
  const order = new Map(records.map((r, i) => [r.Id, String(i).padStart(8, '0')]));
  const byId = new Map(records.map((r) => [order.get(r.Id) as string, r]));
  const markerId = req.query.get('Marker');
  const query = new URLSearchParams(req.query);
  if (markerId) query.set('Marker', order.get(markerId) ?? '');
  const { page, nextMarker, maxItems } = pageOf([...byId.keys()], (k) => k, query);
  const items = page.map((k) => byId.get(k) as StoredInvalidation);
  return {
    status: 200,
    root: 'InvalidationList',
    body: {
      Marker: markerId ?? '',
      ...(nextMarker ? { NextMarker: byId.get(nextMarker)?.Id } : {}),
      MaxItems: maxItems,
      IsTruncated: nextMarker !== undefined,
      ...apiList(
        items.map((r) => ({ Id: r.Id, CreateTime: r.CreateTime, Status: cp.invalidationStatus(r) })),
      ),
    },
  };
}

export const invalidationRoutes: Route[] = [
  {
    operation: 'CreateInvalidation',
    method: 'POST',
    path: /^\/distribution\/([^/]+)\/invalidation$/,
    handle: createInvalidation,
  },
  {
    operation: 'ListInvalidations',
    method: 'GET',
    path: /^\/distribution\/([^/]+)\/invalidation$/,
    handle: listInvalidations,
  },
  {
    operation: 'GetInvalidation',
    method: 'GET',
    path: /^\/distribution\/([^/]+)\/invalidation\/([^/]+)$/,
    handle: getInvalidation,
  },
];
