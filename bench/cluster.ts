/**
 * Cluster benchmark (issue #7): a real redis-server and three `edgefront serve --redis` nodes on
 * 127.0.0.1 (test/helpers/cluster.ts), driven through `@aws-sdk/client-cloudfront`.
 *
 *   (a) propagation: UPDATES (100) UpdateDistribution calls, each through the next node in turn,
 *       each setting a new OriginPath; per call the time to the answer, and from the answer until
 *       all three nodes serve the new OriginPath (each node polled in a tight loop on a
 *       not-cached path), and until the writer reports Deployed.
 *   (b) invalidations: INVALIDATIONS (50) CreateInvalidation calls through node 0, each polled
 *       (GetInvalidation on node 0) until Completed.
 *   (c) Redis cost: INFO commandstats / net bytes deltas over CHANGES_COUNTED (50) changes with
 *       nothing else running, over as many invalidations, and over IDLE_S (5) idle seconds
 *       (heartbeats only, HEARTBEAT_MS 500): commands per change, per invalidation, per heartbeat.
 *
 *   npm run build && node dist/bench/cluster.js
 *   UPDATES=200 node dist/bench/cluster.js
 * Results: a table on stdout and bench/results/cluster-<timestamp>/results.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateInvalidationCommand,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  GetInvalidationCommand,
  UpdateDistributionCommand,
} from '@aws-sdk/client-cloudfront';
import { Redis } from 'ioredis';
import { CLUSTER_DISTRIBUTION, type ClusterMember, startCluster } from '../test/helpers/cluster.js';
import { log } from './lib.js';

const env = process.env;
const UPDATES = Math.max(100, Number(env.UPDATES ?? 100));
const INVALIDATIONS = Number(env.INVALIDATIONS ?? 50);
const CHANGES_COUNTED = Number(env.CHANGES_COUNTED ?? 50);
const IDLE_S = Number(env.IDLE_S ?? 5);
const HEARTBEAT_MS = Number(env.HEARTBEAT_MS ?? 500);
const REPO = fileURLToPath(new URL('../../', import.meta.url));

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
const summary = (values: number[]) => ({
  p50: +percentile(values, 0.5).toFixed(1),
  p99: +percentile(values, 0.99).toFixed(1),
  max: +Math.max(...values).toFixed(1),
});

/** Polls `probe` as fast as it answers until it is true (bounded). */
async function until(probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (!(await probe())) {
    if (performance.now() > deadline) throw new Error('timed out');
  }
  return performance.now();
}

async function commandStats(
  client: Redis,
): Promise<{ calls: Map<string, number>; inBytes: number; outBytes: number }> {
  const text = await client.info('commandstats');
  const calls = new Map<string, number>();
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(m[1], Number(m[2]));
  const stats = await client.info('stats');
  const num = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(stats)?.[1] ?? 0);
  return { calls, inBytes: num('total_net_input_bytes'), outBytes: num('total_net_output_bytes') };
}

/** Commands between two readings, minus the INFO calls of the reading itself. */
function delta(
  before: Awaited<ReturnType<typeof commandStats>>,
  after: Awaited<ReturnType<typeof commandStats>>,
) {
  const out: Record<string, number> = {};
  for (const [name, n] of after.calls) {
    const d = n - (before.calls.get(name) ?? 0) - (name === 'info' ? 2 : 0);
    if (d > 0) out[name] = d;
  }
  return {
    commands: out,
    inBytes: after.inBytes - before.inBytes,
    outBytes: after.outBytes - before.outBytes,
  };
}

function perUnit(d: ReturnType<typeof delta>, units: number) {
  const commands = Object.fromEntries(
    Object.entries(d.commands).map(([k, v]) => [k, +(v / units).toFixed(2)]),
  );
  const roundTrips = ['evalsha', 'eval', 'xread', 'hdel', 'get', 'hget'].reduce(
    (sum, k) => sum + (commands[k] ?? 0),
    0,
  );
  const total = Object.values(commands).reduce((a, b) => a + b, 0);
  return {
    commands,
    total: +total.toFixed(2),
    clientCalls: +roundTrips.toFixed(2),
    inBytes: Math.round(d.inBytes / units),
    outBytes: Math.round(d.outBytes / units),
  };
}

async function main(): Promise<void> {
  log(`starting redis-server and 3 nodes (heartbeat ${HEARTBEAT_MS} ms)`);
  const cluster = await startCluster(3, {
    env: { EDGEFRONT_CLUSTER_HEARTBEAT_MS: String(HEARTBEAT_MS), EDGEFRONT_CLUSTER_LIVENESS_MS: '30000' },
  });
  const stats = new Redis(cluster.redis.url, { maxRetriesPerRequest: 1 });
  try {
    const nodes = cluster.nodes;
    const first = await nodes[0].api.cf.send(new GetDistributionConfigCommand({ Id: CLUSTER_DISTRIBUTION }));
    const config = first.DistributionConfig!;
    let etag = first.ETag as string;
    let n = 0;
    const update = async (writer: ClusterMember) => {
      const path = `/p${++n}`;
      config.Origins!.Items![0].OriginPath = path;
      const t0 = performance.now();
      const answer = await writer.api.cf.send(
        new UpdateDistributionCommand({
          Id: CLUSTER_DISTRIBUTION,
          IfMatch: etag,
          DistributionConfig: config,
        }),
      );
      etag = answer.ETag as string;
      return { path, t0, acked: performance.now() };
    };

    log(`(a) ${UPDATES} UpdateDistribution calls, writer rotating over the 3 nodes`);
    const answerMs: number[] = [];
    const servedMs: number[] = [];
    const deployedMs: number[] = [];
    for (let i = 0; i < UPDATES; i++) {
      const writer = nodes[i % 3];
      const { path, t0, acked } = await update(writer);
      answerMs.push(acked - t0);
      const [served] = await Promise.all([
        Promise.all(
          nodes.map((node) =>
            until(async () => (await node.get('/live/x')).body.startsWith(`origin saw ${path}/`)),
          ),
        ).then((times) => Math.max(...times)),
      ]);
      servedMs.push(served - acked);
      const deployed = await until(async () => {
        const got = await writer.api.cf.send(new GetDistributionCommand({ Id: CLUSTER_DISTRIBUTION }));
        return got.Distribution?.Status === 'Deployed';
      });
      deployedMs.push(deployed - acked);
    }

    log(`(b) ${INVALIDATIONS} invalidations through node 0`);
    const completedMs: number[] = [];
    for (let i = 0; i < INVALIDATIONS; i++) {
      const t0 = performance.now();
      const created = await nodes[0].api.cf.send(
        new CreateInvalidationCommand({
          DistributionId: CLUSTER_DISTRIBUTION,
          InvalidationBatch: {
            CallerReference: `bench-${i}`,
            Paths: { Quantity: 1, Items: [`/cached/${i}/*`] },
          },
        }),
      );
      const done = await until(async () => {
        const got = await nodes[0].api.cf.send(
          new GetInvalidationCommand({ DistributionId: CLUSTER_DISTRIBUTION, Id: created.Invalidation?.Id }),
        );
        return got.Invalidation?.Status === 'Completed';
      });
      completedMs.push(done - t0);
    }

    log(`(c) Redis commands: ${CHANGES_COUNTED} changes, ${CHANGES_COUNTED} invalidations, ${IDLE_S} s idle`);
    await new Promise((r) => setTimeout(r, 1000)); // let the housekeeping of (b) settle
    let before = await commandStats(stats);
    for (let i = 0; i < CHANGES_COUNTED; i++) await update(nodes[i % 3]);
    await new Promise((r) => setTimeout(r, 300)); // followers finish catching up
    let after = await commandStats(stats);
    const idleShare = (ms: number) => (3 * ms) / HEARTBEAT_MS; // heartbeats in a window
    const changeWindow = delta(before, after);
    before = await commandStats(stats);
    const idleStart = performance.now();
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    after = await commandStats(stats);
    const idle = delta(before, after);
    const heartbeats = idleShare(performance.now() - idleStart);
    before = await commandStats(stats);
    for (let i = 0; i < CHANGES_COUNTED; i++) {
      await nodes[0].api.cf.send(
        new CreateInvalidationCommand({
          DistributionId: CLUSTER_DISTRIBUTION,
          InvalidationBatch: {
            CallerReference: `count-${i}`,
            Paths: { Quantity: 1, Items: [`/counted/${i}`] },
          },
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 2 * HEARTBEAT_MS)); // and the one that records Completed
    after = await commandStats(stats);
    const invalidationWindow = delta(before, after);

    const results = {
      date: new Date().toISOString(),
      nodes: 3,
      heartbeatMs: HEARTBEAT_MS,
      propagation: {
        updates: UPDATES,
        answerMs: summary(answerMs),
        servedOnAllAfterAnswerMs: summary(servedMs),
        deployedAfterAnswerMs: summary(deployedMs),
      },
      invalidation: { count: INVALIDATIONS, completedMs: summary(completedMs) },
      redis: {
        perChange: perUnit(changeWindow, CHANGES_COUNTED),
        perHeartbeat: perUnit(idle, heartbeats),
        perInvalidation: perUnit(invalidationWindow, CHANGES_COUNTED),
        note: 'per change and per invalidation include the heartbeats and view reads of their window; commands run inside a script are counted too (evalsha is the client call)',
      },
    };
    const lines = [
      `cluster bench, 3 nodes, ${UPDATES} updates, ${INVALIDATIONS} invalidations`,
      `UpdateDistribution answer          p50 ${results.propagation.answerMs.p50} ms  p99 ${results.propagation.answerMs.p99} ms`,
      `answer → served on all 3           p50 ${results.propagation.servedOnAllAfterAnswerMs.p50} ms  p99 ${results.propagation.servedOnAllAfterAnswerMs.p99} ms  max ${results.propagation.servedOnAllAfterAnswerMs.max} ms`,
      `answer → writer says Deployed      p50 ${results.propagation.deployedAfterAnswerMs.p50} ms  p99 ${results.propagation.deployedAfterAnswerMs.p99} ms`,
      `CreateInvalidation → Completed     p50 ${results.invalidation.completedMs.p50} ms  p99 ${results.invalidation.completedMs.p99} ms`,
      `Redis per change: ${JSON.stringify(results.redis.perChange)}`,
      `Redis per heartbeat: ${JSON.stringify(results.redis.perHeartbeat)}`,
      `Redis per invalidation: ${JSON.stringify(results.redis.perInvalidation)}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    const dir =
      env.RESULTS ?? join(REPO, 'bench', 'results', `cluster-${results.date.replace(/[:.]/g, '-')}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(dir, 'table.txt'), `${lines.join('\n')}\n`);
    log(`results: ${dir}`);
  } finally {
    stats.disconnect();
    await cluster.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exitCode = 1;
});
