/**
 * The cluster's timing, from the environment (src/cluster/README.md "Settings"): the defaults are
 * DESIGN.md's (a heartbeat every few seconds, live while under 30 s old); tests shorten them.
 */
import { UsageError } from '../errors.js';

export interface ClusterSettings {
  /** How often a node heartbeats (it also does at once after serving a new version). */
  readonly heartbeatMs: number;
  /** A node whose last heartbeat is older than this stops counting for Deployed / Completed. */
  readonly livenessMs: number;
  /** How long `serve` waits for Redis at start before it exits. */
  readonly startTimeoutMs: number;
  /** This node's id in heartbeats (default: one made up once and kept in <state-dir>/cluster/node-id). */
  readonly nodeId?: string;
}

export const CLUSTER_ENV = {
  heartbeatMs: 'EDGEFRONT_CLUSTER_HEARTBEAT_MS',
  livenessMs: 'EDGEFRONT_CLUSTER_LIVENESS_MS',
  startTimeoutMs: 'EDGEFRONT_CLUSTER_START_TIMEOUT_MS',
  nodeId: 'EDGEFRONT_NODE_ID',
} as const;

export const DEFAULT_CLUSTER_SETTINGS: ClusterSettings = {
  heartbeatMs: 5_000,
  livenessMs: 30_000,
  startTimeoutMs: 10_000,
};

/** Stream entries kept (approximately) for nodes catching up; one further behind reloads the state. */
export const CHANGES_STREAM_MAXLEN = 10_000;

function milliseconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 10 || n > 3_600_000)
    throw new UsageError(`edgefront serve: ${name} takes milliseconds from 10 to 3600000, got "${raw}"`);
  return n;
}

export function clusterSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ClusterSettings {
  const heartbeatMs = milliseconds(env, CLUSTER_ENV.heartbeatMs, DEFAULT_CLUSTER_SETTINGS.heartbeatMs);
  const livenessMs = milliseconds(env, CLUSTER_ENV.livenessMs, DEFAULT_CLUSTER_SETTINGS.livenessMs);
  if (livenessMs <= heartbeatMs)
    throw new UsageError(
      `edgefront serve: ${CLUSTER_ENV.livenessMs} (${livenessMs}) must be longer than ${CLUSTER_ENV.heartbeatMs} (${heartbeatMs}), or live nodes would look dead between heartbeats`,
    );
  const nodeId = env[CLUSTER_ENV.nodeId] || undefined;
  if (nodeId !== undefined && !/^[A-Za-z0-9_.:-]{1,64}$/.test(nodeId))
    throw new UsageError(`edgefront serve: ${CLUSTER_ENV.nodeId} takes 1–64 of A-Z a-z 0-9 _ . : -`);
  return {
    heartbeatMs,
    livenessMs,
    startTimeoutMs: milliseconds(env, CLUSTER_ENV.startTimeoutMs, DEFAULT_CLUSTER_SETTINGS.startTimeoutMs),
    nodeId,
  };
}
