/**
 * One view over a CloudFront Function's two homes, as views.ts gives the other resources: the
 * control plane's state (created or changed through the API, both stages kept with an ETag
 * each) and the config files (a `Stage: LIVE` function shows a DEVELOPMENT stage holding the same
 * code, as a published function does; each stage gets a content-derived ETag, stable across
 * restarts). A config-file function changed through the API moves into the state; one deleted
 * through the API is hidden by a tombstone (`functions/<Name>`).
 */
import type { Obj } from '../../config/issues.js';
import { functionArn } from '../../config/raw.js';
import { ApiError } from '../../errors.js';
import type { FunctionModel } from '../../model/types.js';
import type { ControlPlane } from '../control-plane.js';
import { apiList } from '../router.js';
import type { FunctionStage, StoredFunction } from '../state.js';
import { contentETag } from './views.js';

export const STAGES = ['DEVELOPMENT', 'LIVE'] as const;
export type Stage = (typeof STAGES)[number];

export interface StageView extends FunctionStage {
  ETag: string;
}

export interface FunctionView {
  Name: string;
  CreatedTime: string;
  DEVELOPMENT: StageView;
  /** Absent until the function is published. */
  LIVE?: StageView;
  /** True while the function still comes from a config file (not yet changed through the API). */
  fromFile: boolean;
}

/** `?Stage=` / `<Stage>`: DEVELOPMENT when omitted (control-api.md §2.1), else one of STAGES. */
export function stageOf(value: unknown): Stage {
  if (value === undefined || value === null || value === '') return 'DEVELOPMENT';
  const stage = STAGES.find((s) => s === value);
  if (!stage)
    throw new ApiError('InvalidArgument', `Stage must be DEVELOPMENT or LIVE (got "${String(value)}")`);
  return stage;
}

/** A config-file function's FunctionConfig in the API's shape. */
function apiConfigOf(fn: FunctionModel): Obj {
  const kvs = fn.KeyValueStoreARNs.map((KeyValueStoreARN) => ({ KeyValueStoreARN }));
  return {
    Comment: fn.Comment,
    Runtime: fn.Runtime,
    ...(kvs.length ? { KeyValueStoreAssociations: apiList(kvs) } : {}),
  };
}

function fileView(cp: ControlPlane, fn: FunctionModel): FunctionView {
  const Config = apiConfigOf(fn);
  const stage = (Stage: Stage): StageView => ({
    Config,
    Code: fn.Code,
    LastModifiedTime: cp.startedAt,
    ETag: contentETag({ Stage, Name: fn.Name, Config, Code: fn.Code }),
  });
  return {
    Name: fn.Name,
    CreatedTime: cp.startedAt,
    DEVELOPMENT: stage('DEVELOPMENT'),
    ...(fn.Stage === 'LIVE' ? { LIVE: stage('LIVE') } : {}),
    fromFile: true,
  };
}

function storedView(f: StoredFunction): FunctionView {
  return {
    Name: f.Name,
    CreatedTime: f.CreatedTime,
    DEVELOPMENT: { ...f.development, ETag: f.ETag },
    ...(f.live ? { LIVE: { ...f.live, ETag: f.liveETag ?? f.ETag } } : {}),
    fromFile: false,
  };
}

const isDeleted = (cp: ControlPlane, name: string) => cp.state.deleted.includes(`functions/${name}`);

/** Config-file functions the state neither replaced nor deleted (the model holds state-held ones too). */
function functionsFromFiles(cp: ControlPlane): FunctionModel[] {
  return [...cp.host.model().functions.values()].filter(
    (fn) => !cp.state.functions[fn.Name] && !isDeleted(cp, fn.Name),
  );
}

export function findFunction(cp: ControlPlane, name: string): FunctionView {
  const stored = cp.state.functions[name];
  if (stored) return storedView(stored);
  const fn = isDeleted(cp, name) ? undefined : cp.host.model().functions.get(functionArn(cp.accountId, name));
  if (!fn || fn.Name !== name) {
    throw new ApiError('NoSuchFunctionExists', `The function does not exist: ${name}`);
  }
  return fileView(cp, fn);
}

/** Whether a function of that name exists (in the state or a config file). */
export function hasFunction(cp: ControlPlane, name: string): boolean {
  return Boolean(cp.state.functions[name]) || functionsFromFiles(cp).some((fn) => fn.Name === name);
}

export function allFunctions(cp: ControlPlane): FunctionView[] {
  return [
    ...Object.values(cp.state.functions).map(storedView),
    ...functionsFromFiles(cp).map((fn) => fileView(cp, fn)),
  ];
}

/** The stage asked for, or NoSuchFunctionExists (LIVE of a function never published). */
export function stageView(view: FunctionView, stage: Stage): StageView {
  const found = view[stage];
  if (!found)
    throw new ApiError(
      'NoSuchFunctionExists',
      `The function ${view.Name} has no ${stage} stage: publish it first`,
    );
  return found;
}

/** The view as the state keeps it, written by state version `version`. */
export function toStored(view: FunctionView, version: number): StoredFunction {
  const strip = ({ ETag: _, ...stage }: StageView): FunctionStage => stage;
  return {
    Name: view.Name,
    ETag: view.DEVELOPMENT.ETag,
    CreatedTime: view.CreatedTime,
    development: strip(view.DEVELOPMENT),
    ...(view.LIVE ? { live: strip(view.LIVE), liveETag: view.LIVE.ETag } : {}),
    version,
  };
}

/** Ids of the distributions (config-file or API) whose behaviors associate the function. */
export function distributionsUsing(cp: ControlPlane, name: string): string[] {
  const arn = functionArn(cp.accountId, name);
  return cp.host
    .model()
    .distributions.filter((d) =>
      d.behaviors.some((b) => b.config.FunctionAssociations.some((a) => a.FunctionARN === arn)),
    )
    .map((d) => d.Id);
}

/** FunctionSummary.Status: UNPUBLISHED, then UNASSOCIATED or DEPLOYED (cloudfront-functions.md §7). */
function statusOf(cp: ControlPlane, view: FunctionView): string {
  if (!view.LIVE) return 'UNPUBLISHED';
  return distributionsUsing(cp, view.Name).length ? 'DEPLOYED' : 'UNASSOCIATED';
}

/** The `FunctionSummary` of one stage. */
export function summaryOf(cp: ControlPlane, view: FunctionView, stage: Stage): Obj {
  const current = stageView(view, stage);
  return {
    Name: view.Name,
    Status: statusOf(cp, view),
    FunctionConfig: current.Config,
    FunctionMetadata: {
      FunctionARN: functionArn(cp.accountId, view.Name),
      Stage: stage,
      CreatedTime: view.CreatedTime,
      LastModifiedTime: current.LastModifiedTime,
    },
  };
}
