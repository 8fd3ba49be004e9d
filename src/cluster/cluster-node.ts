/**
 * One edge node of a Redis-coordinated cluster (`serve --redis URL`, src/cluster/README.md):
 *
 * - **Start**: connects (bounded), catches up with the shared state (or seeds it) and purges the
 *   invalidations created since its last good state, all before the edge builds its runtime, so a
 *   node that was down never serves what it missed.
 * - **Follow**: a blocking XREAD on the `changes` stream wakes the node; it then pulls what it
 *   lacks in one atomic script and applies it through the control plane's writer, in turn with
 *   local changes. Versions only move forward, so each is applied at most once and in order.
 * - **Heartbeat**: every `heartbeatMs`, and at once after serving a new version, the node stores
 *   the version it serves with Redis's clock; `Deployed` (and an invalidation's `Completed`)
 *   means every node heard from within `livenessMs` serves that version.
 * - **Faults**: while Redis is unreachable, writes answer 503 ServiceUnavailable and nothing is
 *   queued; traffic and API reads go on from the local copy. When Redis is back the node catches
 *   up (re-seeding a Redis that lost the state) before it takes writes again.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Cluster, Redis } from 'ioredis';
import type { PurgeRequest } from '../cache/edge-cache.js';
import { purgesSince, recordCompletedInvalidations } from '../control/api/invalidations.js';
import type { ClusterLink, ControlPlane, SharedUpdate } from '../control/control-plane.js';
import type { ControlState } from '../control/state.js';
import { writeFileDurably } from '../control/state-store.js';
import { UsageError } from '../errors.js';
import { RedisStateStore, serviceUnavailable } from './redis-state-store.js';
import { connectRedis, parseRedisUrl, type RedisTarget } from './redis-url.js';
import { type ClusterKeys, clusterKeys, HEARTBEAT, VIEW } from './scripts.js';
import { type ClusterSettings, clusterSettingsFromEnv } from './settings.js';

/** How long a blocking read waits for a change before it asks again. */
const FOLLOW_BLOCK_MS = 2_000;
/** Pause between attempts while Redis is unreachable. */
const RETRY_MS = 200;
/** A view of the nodes younger than this answers an API request without asking Redis again. */
const VIEW_REUSE_MS = 20;

export interface ClusterOptions {
  url: string;
  stateDir: string;
  accountId: string;
  settings?: ClusterSettings;
}

interface NodeView {
  /** Redis time when the view was read, and this process's clock then. */
  readonly redisMs: number;
  readonly readAt: number;
  readonly nodes: ReadonlyMap<string, { version: number; ms: number }>;
}

export class ClusterNode implements ClusterLink {
  readonly store: RedisStateStore;
  readonly keys: ClusterKeys;
  /** The shared state this node starts with, and the purges of what it missed since its last run. */
  readonly initialState: ControlState;
  readonly missed: readonly PurgeRequest[];
  #cp: ControlPlane | undefined;
  readonly #blocking: Redis | Cluster;
  #available = true;
  #resync = false;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  #view: NodeView = { redisMs: 0, readAt: 0, nodes: new Map() };
  #viewLoad: Promise<number> | undefined;
  #beating: Promise<void> | undefined;
  #beatAgain = false;
  #following: Promise<void> | undefined;

  private constructor(
    readonly client: Redis | Cluster,
    readonly nodeId: string,
    readonly settings: ClusterSettings,
    init: { store: RedisStateStore; keys: ClusterKeys; state: ControlState; missed: PurgeRequest[] },
  ) {
    this.store = init.store;
    this.keys = init.keys;
    this.initialState = init.state;
    this.missed = init.missed;
    // Its own connection for the blocking read; a command sent while it reconnects waits for it.
    this.#blocking =
      client instanceof Redis
        ? client.duplicate({ enableOfflineQueue: true, lazyConnect: false })
        : client.duplicate(undefined, { enableOfflineQueue: true, lazyConnect: false });
    client.on('close', () => this.#down());
  }

  /** Connects and catches up; throws (and leaves nothing running) when Redis is unreachable. */
  static async connect(options: ClusterOptions): Promise<ClusterNode> {
    const settings = options.settings ?? clusterSettingsFromEnv();
    const target = parseRedisUrl(options.url, options.accountId);
    const nodeId = settings.nodeId ?? (await persistentNodeId(options.stateDir));
    const client = connectRedis(target, {
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 5_000,
      retryStrategy: (times) => Math.min(50 * times, 1_000),
      connectionName: `edgefront:${nodeId}`,
    });
    client.on('error', () => undefined); // connection errors surface as failed commands
    try {
      await waitReady(client, target, settings.startTimeoutMs);
      const keys = clusterKeys(target.prefix);
      const store = new RedisStateStore(options.stateDir, client, keys, nodeId);
      const local = await store.load();
      const update = await store.pull(local);
      if (update) await store.keepLocally(update);
      const state = update?.state ?? local;
      return new ClusterNode(client, nodeId, settings, {
        store,
        keys,
        state,
        missed: purgesSince(state, local.version),
      });
    } catch (err) {
      client.disconnect();
      throw err;
    }
  }

  /** Joins the cluster with this control plane: follows changes and heartbeats from now on. */
  attach(cp: ControlPlane): void {
    this.#cp = cp;
    cp.cluster = this;
    this.#blocking.on('error', () => undefined);
    this.#following = this.#follow();
    this.#timer = setInterval(() => void this.#tick(), this.settings.heartbeatMs);
    this.#timer.unref();
    this.serving(cp.servingVersion);
  }

  checkWritable(): void {
    if (this.#closed) throw serviceUnavailable('this node is shutting down');
    if (!this.#available || this.client.status !== 'ready')
      throw serviceUnavailable('Redis is unreachable; this node serves its last good configuration');
    if (this.#resync) throw serviceUnavailable('this node is catching up with Redis');
  }

  pull(current: ControlState): Promise<SharedUpdate | undefined> {
    return this.store.pull(current);
  }

  keepLocally(update: SharedUpdate): Promise<void> {
    return this.store.keepLocally(update);
  }

  serving(_version: number): void {
    void this.#heartbeat();
  }

  deploymentStatus(version: number): 'InProgress' | 'Deployed' {
    const view = this.#view;
    const now = view.redisMs + (performance.now() - view.readAt);
    for (const [id, node] of view.nodes) {
      if (id === this.nodeId) continue; // this node's own version is the control plane's
      if (now - node.ms <= this.settings.livenessMs && node.version < version) return 'InProgress';
    }
    return 'Deployed';
  }

  /** Reads answer from the local copy when Redis is unreachable: errors are not the caller's. */
  async refresh(): Promise<void> {
    if (this.#closed) return;
    if (performance.now() - this.#view.readAt < VIEW_REUSE_MS && !this.#viewLoad) return;
    try {
      const shared = await this.#loadView();
      const cp = this.#cp;
      if (cp && (shared < 0 || shared > cp.state.version)) await cp.catchUp();
    } catch {
      // the last view stands
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    // A node that stops cleanly stops counting at once (a killed one after livenessMs).
    await this.client.hdel(this.keys.nodes, this.nodeId).catch(() => undefined);
    this.#blocking.disconnect();
    this.client.disconnect();
    await this.#following?.catch(() => undefined);
    await this.store.flush();
  }

  /** The shared version (-1: Redis holds no state); refreshes the view of the nodes. */
  #loadView(): Promise<number> {
    this.#viewLoad ??= (async () => {
      try {
        const [ms, version, flat] = (await VIEW.run(
          this.client,
          [this.keys.nodes, this.keys.version],
          [],
        )) as [number, string, string[]];
        const nodes = new Map<string, { version: number; ms: number }>();
        for (let i = 0; i + 1 < flat.length; i += 2) {
          const [v, at] = flat[i + 1].split(' ').map(Number);
          nodes.set(flat[i], { version: v, ms: at });
        }
        this.#view = { redisMs: Number(ms), readAt: performance.now(), nodes };
        return version === '' ? -1 : Number(version);
      } finally {
        this.#viewLoad = undefined;
      }
    })();
    return this.#viewLoad;
  }

  /** Redis went away: no writes until the node has caught up again. */
  #down(): void {
    if (this.#closed) return;
    this.#available = false;
    this.#resync = true;
  }

  async #follow(): Promise<void> {
    while (!this.#closed) {
      try {
        const cp = this.#cp as ControlPlane;
        if (this.#resync || !this.#available) {
          await cp.catchUp();
          this.#resync = false;
          this.#available = true;
          void this.#heartbeat();
        }
        const reply = await this.#blocking.xread(
          'COUNT',
          1,
          'BLOCK',
          FOLLOW_BLOCK_MS,
          'STREAMS',
          this.keys.changes,
          this.store.lastId || '$',
        );
        if (reply && !this.#closed) await cp.catchUp();
      } catch {
        if (this.#closed) return;
        this.#down();
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }

  /** One heartbeat at a time; one asked for while another is out goes right after it. */
  #heartbeat(): Promise<void> {
    if (this.#beating) {
      this.#beatAgain = true;
      return this.#beating;
    }
    this.#beating = (async () => {
      do {
        this.#beatAgain = false;
        const cp = this.#cp;
        if (!cp || this.#closed || this.#resync || this.client.status !== 'ready') break;
        try {
          await HEARTBEAT.run(this.client, [this.keys.nodes], [this.nodeId, cp.servingVersion]);
        } catch {
          break;
        }
      } while (this.#beatAgain);
      this.#beating = undefined;
    })();
    return this.#beating;
  }

  /** The periodic work: heartbeat, view, and (one node) recording completed invalidations. */
  async #tick(): Promise<void> {
    await this.#heartbeat();
    try {
      await this.#loadView();
    } catch {
      return;
    }
    const cp = this.#cp;
    if (!cp || !this.#isHousekeeper()) return;
    await recordCompletedInvalidations(cp).catch(() => undefined);
  }

  /** The live node with the smallest id records completions, so nodes do not race to. */
  #isHousekeeper(): boolean {
    const view = this.#view;
    for (const [id, node] of view.nodes) {
      if (id < this.nodeId && view.redisMs - node.ms <= this.settings.livenessMs) return false;
    }
    return true;
  }
}

async function persistentNodeId(stateDir: string): Promise<string> {
  const file = join(stateDir, 'cluster', 'node-id');
  const known = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (known) return known;
  const id = `node-${randomBytes(6).toString('hex')}`;
  await writeFileDurably(file, `${id}\n`);
  return id;
}

function waitReady(client: Redis | Cluster, target: RedisTarget, timeoutMs: number): Promise<void> {
  const where = `${target.topology} Redis at ${target.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  return new Promise((resolve, reject) => {
    let lastError = '';
    const onError = (err: Error) => {
      lastError = err.message;
    };
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      client.off('error', onError);
      reject(
        new UsageError(
          `edgefront serve: cannot reach the ${where} within ${timeoutMs} ms${lastError ? ` (${lastError})` : ''}; a cluster node does not serve before it knows the shared state (EDGEFRONT_CLUSTER_START_TIMEOUT_MS waits longer)`,
        ),
      );
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      client.off('error', onError);
      resolve();
    };
    client.once('ready', onReady);
    client.on('error', onError);
    client.connect().catch(() => undefined);
  });
}
