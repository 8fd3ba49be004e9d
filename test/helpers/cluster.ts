/**
 * A cluster on loopback for the cluster suites and bench/cluster.ts: a real redis-server, one
 * origin, and N real `edgefront serve --redis` processes on one config file, each with its own
 * --state-dir and SDK clients. Heartbeats are shortened (`CLUSTER_TEST_ENV`) so liveness can be
 * tested in about a second; every wait is bounded polling.
 *
 * The config: distribution E1CLUSTER over the origin; `/live/*` is not cached (CachingDisabled),
 * anything else is (CachingOptimized; the origin answers max-age=60, and `Cache-Tag: TAG, tagged`
 * for `/tagged/TAG/…`); `/color` runs the function
 * `read-color`, which answers the key value store `flags`' value of `color` in `x-color`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  GetDistributionCommand,
  GetDistributionConfigCommand,
  UpdateDistributionCommand,
} from '@aws-sdk/client-cloudfront';
import type { CloudFrontKeyValueStoreClient } from '@aws-sdk/client-cloudfront-keyvaluestore';
import { distributionOver, tempDir, writeYaml } from './config.js';
import { eventually } from './eventually.js';

export { eventually };

import { type ApiEdge, startApiEdge } from './control-api.js';
import { httpRequest, type RawResponse } from './http.js';
import { kvsClient } from './kvs-client.js';
import { COLOR_BEHAVIOR, readColorFunction } from './kvs-color-function.js';
import { startOrigin, type TestOrigin } from './origin.js';
import { type RedisBackend, type RedisProcess, startRedis } from './redis-server.js';
import { cacheTagHeader } from './tag-invalidation.js';

export const CLUSTER_DISTRIBUTION = 'E1CLUSTER';

/** Heartbeat every 100 ms, dead after 1 s: liveness tests take about a second, not 30. */
export const CLUSTER_TEST_ENV = {
  EDGEFRONT_CLUSTER_HEARTBEAT_MS: '100',
  EDGEFRONT_CLUSTER_LIVENESS_MS: '1000',
};

export interface ClusterMember {
  api: ApiEdge;
  kvs: CloudFrontKeyValueStoreClient;
  readonly stateDir: string;
  /** Viewer GET on E1CLUSTER. */
  get(path: string): Promise<RawResponse>;
}

export interface TestCluster<R extends RedisBackend = RedisProcess> {
  /** The Redis deployment (a standalone redis-server unless `startCluster` was given another). */
  readonly redis: R;
  readonly origin: TestOrigin;
  readonly nodes: ClusterMember[];
  /** Starts node `i` (again, on its state directory) and waits until it listens. */
  start(i: number, extraArgs?: string[]): Promise<ClusterMember>;
  /** SIGKILL (crash) or SIGTERM node `i`. */
  stop(i: number, options?: { crash?: boolean }): Promise<void>;
  close(): Promise<void>;
}

export async function startCluster<R extends RedisBackend = RedisProcess>(
  size: number,
  options: { env?: NodeJS.ProcessEnv; args?: string[]; redis?: () => Promise<R> } = {},
): Promise<TestCluster<R>> {
  const temp = await tempDir();
  const redis = await (options.redis ?? (startRedis as unknown as () => Promise<R>))();
  const origin = await startOrigin((req, res) => {
    res.writeHead(200, {
      'content-type': 'text/plain',
      'cache-control': 'max-age=60',
      ...cacheTagHeader(req.url),
    });
    res.end(`origin saw ${req.url} #${origin.requests.length}`);
  });
  await writeFile(join(temp.dir, 'flags.json'), JSON.stringify({ data: [{ key: 'color', value: 'red' }] }));
  const readColor = await readColorFunction(temp.dir);
  const config = await writeYaml(temp.dir, 'edgefront.yaml', {
    ...readColor,
    Distributions: [
      distributionOver(CLUSTER_DISTRIBUTION, origin.port, [
        { PathPattern: '/live/*', CachePolicyId: 'CachingDisabled' },
        COLOR_BEHAVIOR,
      ]),
    ],
  });
  const nodes: ClusterMember[] = [];
  const cluster: TestCluster<R> = {
    redis,
    origin,
    nodes,
    async start(i, extraArgs = []) {
      const stateDir = join(temp.dir, `node-${i}`);
      await mkdir(stateDir, { recursive: true });
      const api = await startApiEdge(
        [
          '--config',
          config,
          '--state-dir',
          stateDir,
          '--redis',
          redis.url,
          '--pop',
          `TST${i}-C1`,
          ...(options.args ?? []),
          ...extraArgs,
        ],
        { env: { ...CLUSTER_TEST_ENV, ...options.env } },
      );
      const member: ClusterMember = {
        api,
        kvs: kvsClient(api.edge.admin as URL),
        stateDir,
        get: (path) => viewerGet(api, path),
      };
      nodes[i] = member;
      return member;
    },
    async stop(i, stopOptions = {}) {
      const node = nodes[i];
      if (!node) return;
      if (stopOptions.crash) process.kill(node.api.edge.pid, 'SIGKILL');
      await node.api.edge.close();
    },
    async close() {
      await Promise.all(nodes.map((n) => n?.api.edge.close()));
      await redis.stop();
      await origin.close();
      await temp.remove();
    },
  };
  try {
    // One after the other: the first seeds Redis; the rest join it.
    for (let i = 0; i < size; i++) await cluster.start(i);
  } catch (err) {
    await cluster.close();
    throw err;
  }
  return cluster;
}

/** A viewer GET on E1CLUSTER (chosen by Host) through a node's viewer port. */
export function viewerGet(api: ApiEdge, path: string): Promise<RawResponse> {
  return httpRequest(api.edge.url(path), {
    headers: { host: `${CLUSTER_DISTRIBUTION.toLowerCase()}.edgefront.localhost` },
  });
}

/**
 * UpdateDistribution of E1CLUSTER through `node`: its origin gets OriginPath `originPath`, which
 * the origin echoes for `/live/*` requests. Returns the new ETag.
 */
export async function setOriginPath(node: ClusterMember, originPath: string): Promise<string> {
  const current = await node.api.cf.send(new GetDistributionConfigCommand({ Id: CLUSTER_DISTRIBUTION }));
  const config = current.DistributionConfig!;
  config.Origins!.Items![0].OriginPath = originPath;
  const updated = await node.api.cf.send(
    new UpdateDistributionCommand({
      Id: CLUSTER_DISTRIBUTION,
      IfMatch: current.ETag,
      DistributionConfig: config,
    }),
  );
  return updated.ETag as string;
}

/** The Status node answers for E1CLUSTER. */
export async function statusOn(node: ClusterMember): Promise<string | undefined> {
  const got = await node.api.cf.send(new GetDistributionCommand({ Id: CLUSTER_DISTRIBUTION }));
  return got.Distribution?.Status;
}
