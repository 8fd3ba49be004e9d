/**
 * The control plane's single writer (DESIGN.md "Control plane"). Every API change runs through
 * `change()`, one at a time: on a copy of the state, the handler checks and edits; the edge then
 * builds the new model from config files + the edited state (CloudFront's validation, the same as
 * for config files); only if that succeeds is the state persisted and the new runtime swapped in,
 * all before the API answers. A rejected change leaves the stored state and live traffic untouched;
 * a request in flight sees the old or the new configuration, never a mix (the runtime swap is one
 * assignment).
 */
import type { PurgeRequest } from '../cache/edge-cache.js';
import type { Clock } from '../clock.js';
import type { ConfigOverlay } from '../config/load.js';
import { ApiError, type ApiErrorCode, ConfigError, type ConfigIssue, formatPath } from '../errors.js';
import type { KeyValueStore } from '../functions/cloudfront/kvs.js';
import type { EdgeModel } from '../model/types.js';
import { applyInvalidation, purgesSince } from './api/invalidations.js';
import { type ControlState, overlayOf, type StoredInvalidation } from './state.js';
import { StateConflict, type StateStore } from './state-store.js';

/** The shared state as a node pulls it from the cluster. */
export interface SharedUpdate {
  readonly state: ControlState;
  /** Files beside the state that changed (absolute path → content): key value store data. */
  readonly files: ReadonlyMap<string, string>;
}

/**
 * What a cluster (src/cluster) adds to the writer. Absent: the embedded, single-node plane, where
 * this node serving a version is all `Deployed` means.
 */
export interface ClusterLink {
  /** Throws ApiError ServiceUnavailable while changes cannot be stored in the shared state. */
  checkWritable(): void;
  /** The shared state when it is newer than `current`; re-seeds a shared store that lost it. */
  pull(current: ControlState): Promise<SharedUpdate | undefined>;
  /** Writes a pulled update's files and this node's local copy of the state (its last good one). */
  keepLocally(update: SharedUpdate): Promise<void>;
  /** This node now serves `version` (it heartbeats it). */
  serving(version: number): void;
  /** Deployed once every live node serves `version`. */
  deploymentStatus(version: number): 'InProgress' | 'Deployed';
  /** Before an API request: a fresh view of the nodes; catches up when the shared state is newer. */
  refresh(): Promise<void>;
}

/** Thrown by an edit that finds nothing to do: the change is dropped, nothing is stored. */
export class NoChange extends Error {
  constructor() {
    super('nothing to change');
    this.name = 'NoChange';
  }
}

/** Conflicting writers on other nodes: attempts before the API gives up with ServiceUnavailable. */
const MAX_CONFLICT_RETRIES = 20;

/** What the control plane needs from the edge it drives (src/edge/create-edge.ts). */
export interface ControlPlaneHost {
  /** Builds (validates) the model for this overlay; throws ConfigError. The result swaps it in. */
  stage(overlay: ConfigOverlay): Promise<() => Promise<void>>;
  /** The model live traffic uses now. */
  model(): EdgeModel;
  purge(request: PurgeRequest): void;
  /** The live key value store associated functions read (absent when no function uses it). */
  keyValueStore(arn: string): KeyValueStore | undefined;
  readonly clock: Clock;
  readonly accountId: string;
}

export interface ChangeOptions {
  /** false: the change does not alter the model (tags, invalidation records): persist only. */
  rebuild?: boolean;
}

/**
 * Which API error a config issue becomes, by the first path element that names it; anything
 * else is InvalidArgument (reference/control-api.md §2.3).
 */
const ISSUE_CODES: readonly [string, ApiErrorCode][] = [
  ['LambdaFunctionAssociations', 'InvalidLambdaFunctionAssociation'],
  ['FunctionAssociations', 'InvalidFunctionAssociation'],
  ['TrustedKeyGroups', 'TrustedKeyGroupDoesNotExist'],
  ['OriginAccessControlId', 'IllegalOriginAccessConfiguration'],
];

/** The resource lists of the overlay document and the name the API gives each resource. */
const OVERLAY_LISTS: Record<string, string> = {
  Distributions: 'distribution',
  CachePolicies: 'cache policy',
  OriginRequestPolicies: 'origin request policy',
  ResponseHeadersPolicies: 'response headers policy',
  OriginAccessControls: 'origin access control',
  PublicKeys: 'public key',
  KeyGroups: 'key group',
  ContinuousDeploymentPolicies: 'continuous deployment policy',
  Functions: 'function',
  KeyValueStores: 'key value store',
};

/** A ConfigError from building the model with an API change → CloudFront's error for it. */
export function apiErrorFromConfig(err: ConfigError, overlay: ConfigOverlay): ApiError {
  const describe = (issue: ConfigIssue): string => {
    let where = issue.file === overlay.file ? '' : `${issue.file}: `;
    let path = issue.path;
    if (issue.file === overlay.file && typeof path[0] === 'string' && typeof path[1] === 'number') {
      const list = (overlay.doc[path[0]] ?? []) as { Id?: string; Name?: string }[];
      const entry = list[path[1]];
      where = `${OVERLAY_LISTS[path[0]] ?? path[0]} ${entry?.Id ?? entry?.Name ?? ''}: `;
      path = path.slice(2);
    }
    const fix = issue.fix ? ` (${issue.fix})` : '';
    return `${where}${path.length ? `${formatPath(path)}: ` : ''}${issue.message}${fix}`;
  };
  const first = err.issues[0];
  const code =
    ISSUE_CODES.find(([segment]) => first?.path.includes(segment))?.[1] ??
    (first?.message.includes('alias') && first.message.includes('already')
      ? 'CNAMEAlreadyExists'
      : 'InvalidArgument');
  return new ApiError(code, err.issues.map(describe).join('; '), { cause: err });
}

export class ControlPlane {
  #state: ControlState;
  #queue: Promise<unknown> = Promise.resolve();
  /** The state version live traffic is served with on this node. */
  servingVersion: number;
  /** LastModifiedTime of config-file resources: when this node loaded them. */
  readonly startedAt: string;
  /** Set in cluster mode (`serve --redis`). */
  cluster: ClusterLink | undefined;

  constructor(
    readonly store: StateStore,
    readonly host: ControlPlaneHost,
    initial: ControlState,
  ) {
    this.#state = initial;
    this.servingVersion = initial.version;
    this.startedAt = new Date(host.clock.now()).toISOString();
  }

  /** The acknowledged state. Read-only: change it only through `change()`. */
  get state(): Readonly<ControlState> {
    return this.#state;
  }

  get accountId(): string {
    return this.host.accountId;
  }

  now(): Date {
    return new Date(this.host.clock.now());
  }

  /**
   * `Deployed` once this node serves the state version that last wrote the resource, and in a
   * cluster once every live node does.
   */
  deploymentStatus(version: number): 'InProgress' | 'Deployed' {
    if (this.servingVersion < version) return 'InProgress';
    return this.cluster ? this.cluster.deploymentStatus(version) : 'Deployed';
  }

  /**
   * An invalidation's status: as recorded, and in a cluster `Completed` as soon as every live
   * node serves the version that created it (each node purges before it reports that version).
   */
  invalidationStatus(record: StoredInvalidation): 'InProgress' | 'Completed' {
    if (record.Status === 'Completed' || !this.cluster || record.version === undefined) return record.Status;
    return this.deploymentStatus(record.version) === 'Deployed' ? 'Completed' : 'InProgress';
  }

  /** Cluster mode: brings this node to the newest shared state, in turn with local changes. */
  catchUp(): Promise<void> {
    const run = this.#queue.then(() => this.#catchUp());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Runs one change, serialised with every other: `edit` works on a copy whose `version` is
   * already the new one; throwing (ApiError) discards the copy, throwing NoChange resolves
   * undefined. In a cluster the edit may run more than once: again on the newer shared state
   * when another node stored a change first.
   */
  change<T>(edit: (draft: ControlState) => T | Promise<T>, options: ChangeOptions = {}): Promise<T> {
    const run = this.#queue.then(() => this.#apply(edit, options));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Invalidations a crash left InProgress are applied again before the node serves. */
  async resumeInvalidations(): Promise<void> {
    if (this.cluster) return; // a cluster node purges what it missed while it catches up
    for (const [distributionId, records] of Object.entries(this.#state.invalidations)) {
      for (const record of records) {
        if (record.Status === 'InProgress') await applyInvalidation(this, distributionId, record.Id);
      }
    }
  }

  async #apply<T>(edit: (draft: ControlState) => T | Promise<T>, options: ChangeOptions): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      this.cluster?.checkWritable();
      const draft = structuredClone(this.#state);
      draft.version = this.#state.version + 1;
      let result: T;
      let commit: (() => Promise<void>) | undefined;
      try {
        result = await edit(draft);
        if (options.rebuild !== false) {
          const overlay = overlayOf(draft, this.store.dir);
          try {
            commit = await this.host.stage(overlay);
          } catch (err) {
            throw err instanceof ConfigError ? apiErrorFromConfig(err, overlay) : err;
          }
        }
        await this.store.save(draft);
      } catch (err) {
        // Files the edit wrote go back; the live runtime is rebuilt if it read one of them.
        if (await this.store.rollback?.()) await this.#rebuildCurrent();
        if (err instanceof NoChange) return undefined as T; // documented: NoChange resolves undefined
        if (!(err instanceof StateConflict)) throw err;
        // Another node stored a change first: run the edit again on the newer state, so its
        // checks (If-Match, names in use, quotas) see what that node did.
        if (attempt >= MAX_CONFLICT_RETRIES)
          throw new ApiError('ServiceUnavailable', 'Too many concurrent changes; please try again.');
        await this.#catchUp();
        continue;
      }
      this.#state = draft;
      if (commit) await commit();
      this.#served(draft);
      return result;
    }
  }

  /** Takes the newest shared state (cluster mode), in the writer's turn. */
  async #catchUp(): Promise<void> {
    const update = await this.cluster?.pull(this.#state);
    if (update) await this.#adopt(update);
  }

  /**
   * Serves a state another node stored. A state that does not build here (a config file this
   * node lacks) is kept but not served: this node goes on reporting its older version, so the
   * change stays InProgress rather than claiming Deployed.
   */
  async #adopt(update: SharedUpdate): Promise<void> {
    if (update.state.version <= this.#state.version) return;
    await this.cluster?.keepLocally(update);
    let commit: (() => Promise<void>) | undefined;
    let builds = true;
    // Tags and invalidation records alone leave the model as it is: no rebuild.
    const overlayText = (state: ControlState) => {
      const overlay = overlayOf(state, this.store.dir);
      return JSON.stringify([overlay.doc, [...(overlay.deleted ?? [])]]);
    };
    if (update.files.size > 0 || overlayText(update.state) !== overlayText(this.#state)) {
      try {
        commit = await this.host.stage(overlayOf(update.state, this.store.dir));
      } catch (err) {
        builds = false;
        process.stderr.write(
          `edgefront: cluster state version ${update.state.version} does not build on this node; still serving version ${this.servingVersion}:\n${(err as Error).message}\n`,
        );
      }
    }
    this.#state = update.state;
    if (commit) await commit();
    if (builds) this.#served(update.state);
  }

  /** Rebuilds the runtime from the acknowledged state (after a rolled-back key value store write). */
  async #rebuildCurrent(): Promise<void> {
    const commit = await this.host.stage(overlayOf(this.#state, this.store.dir));
    await commit();
  }

  /**
   * This node now serves `next`. In a cluster, the invalidations created since the version it
   * served before are purged first: a node reports a version only once its cache is clean of what
   * that version invalidated (the heartbeat is the acknowledgement).
   */
  #served(next: ControlState): void {
    if (this.cluster) for (const purge of purgesSince(next, this.servingVersion)) this.host.purge(purge);
    this.servingVersion = next.version;
    this.cluster?.serving(next.version);
  }
}
