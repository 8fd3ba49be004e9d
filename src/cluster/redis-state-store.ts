/**
 * The control plane's state in Redis (src/cluster/README.md "Writes"): a `StateStore` whose
 * `save` is a compare-and-set on the shared version, done by one Lua script that also stores the
 * key value store files the change wrote and appends the change to the `changes` stream. A node
 * whose version is stale gets `StateConflict` and the writer runs the edit again on the newer
 * state, so If-Match checks hold across nodes.
 *
 * Each node keeps a local copy: `<state-dir>/control/state.json` (its last good state, what it
 * re-seeds a Redis that lost the state with) and the key value store data files the config loader
 * and the data plane read. A change's file writes go to disk during the edit (the edit reads them
 * back) and are undone when the change is not stored.
 */
import { readFile, unlink } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { Cluster, Redis } from 'ioredis';
import type { SharedUpdate } from '../control/control-plane.js';
import { type ControlState, emptyState, kvsDataFile } from '../control/state.js';
import { FileStateStore, StateConflict, type StateStore, writeFileDurably } from '../control/state-store.js';
import { ApiError } from '../errors.js';
import { type ClusterKeys, COMMIT, SEED, SYNC, stateKeys } from './scripts.js';
import { CHANGES_STREAM_MAXLEN } from './settings.js';

/** CloudFront's words for "try again": what admin writes answer while Redis cannot take them. */
export function serviceUnavailable(why: string, cause?: unknown): ApiError {
  return new ApiError(
    'ServiceUnavailable',
    `CloudFront encountered an internal error. Please try again. (cluster: ${why})`,
    cause === undefined ? undefined : { cause },
  );
}

type SyncReply =
  | ['empty']
  | ['behind' | 'current', string, string]
  | ['state', string, string, string, string, string[]];

export class RedisStateStore implements StateStore {
  readonly #mirror: FileStateStore;
  /** Files written by the change being made: state-dir-relative name → content. */
  readonly #pending = new Map<string, string>();
  /** What those files held before (null: absent), to put back if the change is not stored. */
  readonly #undo = new Map<string, string | null>();
  /** The last `changes` stream entry this node has caught up to ('' before the first sync). */
  lastId = '';
  /** Local copies of the state are written one after the other, off the serving path. */
  #mirrorWrites: Promise<void> = Promise.resolve();

  constructor(
    readonly dir: string,
    readonly client: Redis | Cluster,
    readonly keys: ClusterKeys,
    readonly nodeId: string,
  ) {
    this.#mirror = new FileStateStore(dir);
  }

  /** This node's last good state (the local copy). */
  load(): Promise<ControlState> {
    return this.#mirror.load();
  }

  async save(state: ControlState): Promise<void> {
    const pairs = [...this.#pending].flat();
    let reply: [number, string];
    try {
      reply = (await COMMIT.run(this.client, stateKeys(this.keys), [
        state.version - 1,
        state.version,
        JSON.stringify(state),
        this.nodeId,
        '1',
        CHANGES_STREAM_MAXLEN,
        [...this.#pending.keys()].join('\n'),
        ...pairs,
      ])) as [number, string];
    } catch (err) {
      // The script may or may not have run: either way the sync loop converges on what Redis holds.
      throw serviceUnavailable('Redis did not take the change', err);
    }
    if (reply[0] !== 1) throw new StateConflict(Number(reply[1]));
    this.#pending.clear();
    this.#undo.clear();
    this.#keepMirror(state);
  }

  async saveFile(file: string, content: string): Promise<void> {
    const name = this.#nameOf(file);
    if (!this.#undo.has(file)) {
      this.#undo.set(
        file,
        await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return null;
          throw err;
        }),
      );
    }
    await writeFileDurably(file, content);
    this.#pending.set(name, content);
  }

  async rollback(): Promise<boolean> {
    this.#pending.clear();
    if (this.#undo.size === 0) return false;
    for (const [file, content] of this.#undo) {
      if (content === null) await unlink(file).catch(() => undefined);
      else await writeFileDurably(file, content);
    }
    this.#undo.clear();
    return true;
  }

  /**
   * What this node at `current` needs to catch up (SYNC), atomically read. A Redis without the
   * state, or with an older one than this node's, is re-seeded from `current`: a Redis restarted
   * empty never makes the cluster forget acknowledged changes while one node still has them.
   */
  async pull(current: ControlState): Promise<SharedUpdate | undefined> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const reply = (await SYNC.run(this.client, stateKeys(this.keys), [
        this.lastId,
        current.version,
      ])) as SyncReply;
      switch (reply[0]) {
        case 'current':
          this.lastId = reply[2];
          return undefined;
        case 'state': {
          const files = new Map<string, string>();
          const list = reply[5];
          for (let i = 0; i + 1 < list.length; i += 2) files.set(this.#fileOf(list[i]), list[i + 1]);
          const state = { ...emptyState(), ...(JSON.parse(reply[3]) as ControlState) };
          this.lastId = reply[2];
          return { state, files };
        }
        default:
          if (await this.#seed(current)) return undefined;
        // Another node seeded a newer state in between: read that.
      }
    }
    throw serviceUnavailable('the shared state keeps changing under a re-seed');
  }

  /** Writes a pulled update's files (the rebuild reads them), then this node's copy of the state. */
  async keepLocally(update: SharedUpdate): Promise<void> {
    for (const [file, content] of update.files) await writeFileDurably(file, content);
    this.#keepMirror(update.state);
  }

  /** Resolves once the local copies of the state asked for so far are on disk. */
  flush(): Promise<void> {
    return this.#mirrorWrites;
  }

  async #seed(state: ControlState): Promise<boolean> {
    const pairs: string[] = [];
    for (const store of Object.values(state.keyValueStores)) {
      const file = kvsDataFile(this.dir, store.Id);
      const content = await readFile(file, 'utf8').catch(() => undefined);
      if (content !== undefined) pairs.push(this.#nameOf(file), content);
    }
    const reply = (await SEED.run(this.client, stateKeys(this.keys), [
      state.version,
      JSON.stringify(state),
      this.nodeId,
      CHANGES_STREAM_MAXLEN,
      ...pairs,
    ])) as [number, string];
    if (reply[0] !== 1) return false;
    this.lastId = reply[1];
    process.stderr.write(
      `edgefront: cluster: Redis held ${state.version === 0 ? 'no state yet' : 'no state or an older one'}; seeded it with this node's state version ${state.version}\n`,
    );
    return true;
  }

  /**
   * The local copy is this node's last good state: what it re-seeds a Redis that lost the state
   * with, and the version it compares with at start to purge what it missed. It trails what the
   * node serves by at most the writes in flight; a crash in between only means the node purges
   * a little more at its next start. Redis holds the change either way.
   */
  #keepMirror(state: ControlState): void {
    this.#mirrorWrites = this.#mirrorWrites
      .then(() => this.#mirror.save(state))
      .catch((err) => {
        process.stderr.write(`edgefront: cluster: could not write the local copy of the state: ${err}\n`);
      });
  }

  /** A file under the state directory as the name other nodes know it by ('/' separated). */
  #nameOf(file: string): string {
    const name = relative(this.dir, file);
    if (name.startsWith('..') || isAbsolute(name))
      throw new Error(`cluster: ${file} is outside the state directory`);
    return name.split(sep).join('/');
  }

  #fileOf(name: string): string {
    const file = join(this.dir, ...name.split('/'));
    if (relative(this.dir, file).startsWith('..')) throw new Error(`cluster: bad file name ${name}`);
    return file;
  }
}
