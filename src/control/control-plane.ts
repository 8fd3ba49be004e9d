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
import { applyInvalidation } from './api/invalidations.js';
import { type ControlState, overlayOf } from './state.js';
import type { StateStore } from './state-store.js';

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

  /** `Deployed` once this node serves the state version that last wrote the resource. */
  deploymentStatus(version: number): 'InProgress' | 'Deployed' {
    return this.servingVersion >= version ? 'Deployed' : 'InProgress';
  }

  /**
   * Runs one change, serialised with every other: `edit` works on a copy whose `version` is
   * already the new one; throwing (ApiError) discards the copy.
   */
  change<T>(edit: (draft: ControlState) => T | Promise<T>, options: ChangeOptions = {}): Promise<T> {
    const run = this.#queue.then(() => this.#apply(edit, options));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Invalidations a crash left InProgress are applied again before the node serves. */
  async resumeInvalidations(): Promise<void> {
    for (const [distributionId, records] of Object.entries(this.#state.invalidations)) {
      for (const record of records) {
        if (record.Status === 'InProgress') await applyInvalidation(this, distributionId, record.Id);
      }
    }
  }

  async #apply<T>(edit: (draft: ControlState) => T | Promise<T>, options: ChangeOptions): Promise<T> {
    const draft = structuredClone(this.#state);
    draft.version = this.#state.version + 1;
    const result = await edit(draft);
    let commit: (() => Promise<void>) | undefined;
    if (options.rebuild !== false) {
      const overlay = overlayOf(draft, this.store.dir);
      try {
        commit = await this.host.stage(overlay);
      } catch (err) {
        throw err instanceof ConfigError ? apiErrorFromConfig(err, overlay) : err;
      }
    }
    await this.store.save(draft);
    this.#state = draft;
    if (commit) await commit();
    this.servingVersion = draft.version;
    return result;
  }
}
