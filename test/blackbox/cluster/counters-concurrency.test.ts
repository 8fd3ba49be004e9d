/**
 * Many clients, and several processes, incrementing the same counters at once through one real
 * redis-server: the totals are exact, and since each increment is one atomic script, every
 * increment sees a different total: the replies are exactly 1…total.
 *
 * The child processes run this same file in worker mode (COUNTERS_WORKER set): a test file is the
 * only kind of file the cluster suite may add here, and every file under test/ is run as a test.
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { COUNTERS_CLIENT_OPTIONS, RedisCounters } from '../../../src/cluster/counters-redis.js';

interface WorkerJob {
  url: string;
  prefix: string;
  clients: number;
  perClient: number;
  /** Count at this time; absent: the Redis server's TIME. */
  nowMs?: number;
}

/** `perClient` increments of key 'shared' on each of `clients` connections, all in flight at once. */
async function incrementConcurrently(job: WorkerJob): Promise<number[]> {
  const clients = Array.from(
    { length: job.clients },
    () => new Redis(job.url, { ...COUNTERS_CLIENT_OPTIONS, lazyConnect: true }),
  );
  try {
    await Promise.all(clients.map((c) => c.connect()));
    const replies = await Promise.all(
      clients.map((client) => {
        const counters = new RedisCounters({ client, prefix: job.prefix, timeoutMs: 30_000 });
        return Promise.all(
          Array.from({ length: job.perClient }, () =>
            counters.increment('shared', 600, { nowMs: job.nowMs }),
          ),
        );
      }),
    );
    return replies.flat();
  } finally {
    for (const c of clients) c.disconnect();
  }
}

if (process.env.COUNTERS_WORKER) {
  process.once('message', async (job: WorkerJob) => {
    const replies = await incrementConcurrently(job);
    process.send!(replies, () => process.disconnect());
  });
} else {
  await defineTests();
}

async function defineTests(): Promise<void> {
  const { after, before, test } = await import('node:test');
  const { startRedis } = await import('../../helpers/redis-server.js');
  const redis = await startRedis();
  const reader = new Redis(redis.url, { ...COUNTERS_CLIENT_OPTIONS, lazyConnect: true });
  before(() => reader.connect());
  after(async () => {
    reader.disconnect();
    await redis.stop();
  });

  const assertOneToN = (replies: number[], total: number) => {
    assert.equal(replies.length, total);
    const sorted = [...replies].sort((a, b) => a - b);
    for (let i = 0; i < total; i++)
      if (sorted[i] !== i + 1) assert.fail(`reply ${i + 1} missing (got ${sorted[i]})`);
  };

  test('eight clients incrementing one counter at one instant: exact total, every total seen once', async () => {
    const job = { url: redis.url, prefix: 'fixed:', clients: 8, perClient: 400, nowMs: Date.UTC(2026, 0, 1) };
    const replies = await incrementConcurrently(job);
    assertOneToN(replies, 3200);
    const counters = new RedisCounters({ client: reader, prefix: 'fixed:' });
    assert.equal(await counters.peek('shared', 600, { nowMs: job.nowMs }), 3200);
  });

  test("three processes with two clients each, and this one, on Redis's clock: exact total", async () => {
    const job: WorkerJob = { url: redis.url, prefix: 'procs:', clients: 2, perClient: 500 };
    const workers = Array.from({ length: 3 }, () => {
      const env: NodeJS.ProcessEnv = { ...process.env, COUNTERS_WORKER: '1' };
      delete env.NODE_TEST_CONTEXT; // a plain child, not a test-runner subprocess
      const child = fork(fileURLToPath(import.meta.url), [], {
        env,
        execArgv: [],
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      after(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      });
      return child;
    });
    const results = workers.map(async (child) => {
      const [replies] = (await once(child, 'message')) as [number[]];
      return replies;
    });
    for (const child of workers) child.send(job);
    const here = incrementConcurrently({ ...job, clients: 3 });
    const replies = [...(await Promise.all(results)).flat(), ...(await here)];
    const total = 3 * 2 * 500 + 3 * 500;
    assertOneToN(replies, total);
    assert.equal(await new RedisCounters({ client: reader, prefix: 'procs:' }).peek('shared', 600), total);
  });
}
