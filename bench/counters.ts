/**
 * Shared counters (src/cluster/counters*.ts): how far the sliding-window estimate is from the exact
 * trailing count, per number of sub-buckets, and how many increments per second one client gets
 * through a real redis-server on loopback.
 *
 *   npm run build && node dist/bench/counters.js            # both parts (~1 min)
 *   MODE=accuracy node dist/bench/counters.js               # only the error table (no Redis)
 *   MODE=throughput DURATION=3 node dist/bench/counters.js  # only increments/s
 *
 * Accuracy: synthetic traces with a seeded generator, so runs repeat exactly. After each request
 * the estimate is compared with the exact number of requests in the trailing window, and a limit
 * is applied to both: "decisions differ" is the share of requests a rate rule would have treated
 * differently (blocked by one, allowed by the other).
 */
import { Redis } from 'ioredis';
import { MemoryCounters } from '../src/cluster/counters-memory.js';
import { COUNTERS_CLIENT_OPTIONS, RedisCounters } from '../src/cluster/counters-redis.js';
import { startRedis } from '../test/helpers/redis-server.js';
import { rng } from './zipf.js';

const env = process.env;
const MODE = env.MODE ?? 'all';
const DURATION_S = Number(env.DURATION ?? 3);

/** Poisson arrivals whose rate (per second) changes over time, by thinning; ms timestamps, sorted. */
function arrivals(
  seed: number,
  durationS: number,
  maxRatePerS: number,
  ratePerS: (tS: number) => number,
): number[] {
  const next = rng(seed);
  const out: number[] = [];
  const start = Date.UTC(2026, 0, 1) + 1234; // not aligned to any bucket
  for (let t = 0; t < durationS; ) {
    t += -Math.log(1 - next()) / maxRatePerS;
    if (next() < ratePerS(t) / maxRatePerS) out.push(start + Math.floor(t * 1000));
  }
  return out;
}

interface Trace {
  name: string;
  windowS: number;
  events: number[];
}

function traces(windowS: number): Trace[] {
  const span = windowS * 10;
  return [
    { name: 'steady 20/s', windowS, events: arrivals(1, span, 20, () => 20) },
    {
      name: 'bursts (200/s for 5 s, every 45 s)',
      windowS,
      events: arrivals(2, span, 200, (t) => (t % 45 < 5 ? 200 : 0)),
    },
    {
      name: 'step 5/s → 100/s → 5/s',
      windowS,
      events: arrivals(3, span, 100, (t) => (t > span * 0.3 && t < span * 0.6 ? 100 : 5)),
    },
  ];
}

interface Accuracy {
  limit: number;
  /** |estimate - exact| / exact */
  p99RelError: number;
  /** |estimate - exact| / limit: how far off the count is, measured in the unit a rule cares about */
  meanOfLimit: number;
  maxOfLimit: number;
  decisionsDiffer: number;
}

function measure(trace: Trace, buckets: number): Accuracy {
  const counters = new MemoryCounters({ buckets });
  const windowMs = trace.windowS * 1000;
  const { events } = trace;
  const exacts: number[] = [];
  const estimates: number[] = [];
  let tail = 0;
  for (let i = 0; i < events.length; i++) {
    const now = events[i];
    while (events[tail] <= now - windowMs) tail++;
    exacts.push(i - tail + 1);
    estimates.push(counters.incrementSync('k', trace.windowS, { nowMs: now }));
  }
  const limit = Math.max(10, Math.round(Math.max(...exacts) / 2)); // half the peak: the rule must act
  const rel = exacts.map((exact, i) => Math.abs(estimates[i] - exact) / exact).sort((a, b) => a - b);
  const ofLimit = exacts.map((exact, i) => Math.abs(estimates[i] - exact) / limit);
  let differ = 0;
  for (let i = 0; i < exacts.length; i++) if (exacts[i] > limit !== estimates[i] > limit) differ++;
  return {
    limit,
    p99RelError: rel[Math.floor(rel.length * 0.99)],
    meanOfLimit: ofLimit.reduce((a, b) => a + b, 0) / ofLimit.length,
    maxOfLimit: Math.max(...ofLimit),
    decisionsDiffer: differ / exacts.length,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

function accuracy(): void {
  console.log('## Accuracy: estimate vs exact trailing count, after every request\n');
  console.log(
    '| window | trace (limit = half the peak) | buckets | error/exact p99 | error/limit mean | error/limit max | decisions differ |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const windowS of [60, 300]) {
    for (const trace of traces(windowS)) {
      for (const buckets of [1, 5, 10, 20, 60]) {
        const a = measure(trace, buckets);
        console.log(
          `| ${windowS} s | ${trace.name} (${a.limit}) | ${buckets} | ${pct(a.p99RelError)} | ${pct(a.meanOfLimit)} | ${pct(a.maxOfLimit)} | ${pct(a.decisionsDiffer)} |`,
        );
      }
    }
  }
}

/** Keeps `concurrency` calls in flight for DURATION_S; returns completed calls per second. */
async function drive(concurrency: number, call: (i: number) => Promise<unknown>): Promise<number> {
  const deadline = performance.now() + DURATION_S * 1000;
  let done = 0;
  const lane = async (lane: number) => {
    for (let i = lane; performance.now() < deadline; i += concurrency) {
      await call(i);
      done++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, lane_) => lane(lane_)));
  return done / ((performance.now() - start) / 1000);
}

async function throughput(): Promise<void> {
  const redis = await startRedis();
  const client = new Redis(redis.url, { ...COUNTERS_CLIENT_OPTIONS, lazyConnect: true });
  try {
    await client.connect();
    const serverTime = new RedisCounters({ client });
    const memory = new MemoryCounters();
    const keys = Array.from({ length: 1000 }, (_, i) => `bench|10.0.${i >> 8}.${i & 255}`);
    console.log(
      `\n## Throughput: one ioredis client, loopback, ${DURATION_S} s per cell, 1,000 keys, 60 s window\n`,
    );
    console.log('| concurrency (calls in flight) | RedisCounters.increment/s | plain INCR/s (baseline) |');
    console.log('| --- | --- | --- |');
    for (const concurrency of [1, 16, 64, 256]) {
      const counted = await drive(concurrency, (i) => serverTime.increment(keys[i % keys.length], 60));
      const incr = await drive(concurrency, (i) => client.incr(`plain:${keys[i % keys.length]}`));
      console.log(
        `| ${concurrency} | ${Math.round(counted).toLocaleString('en')} | ${Math.round(incr).toLocaleString('en')} |`,
      );
    }
    const stats = await client.info('commandstats');
    const perCall = (name: string) =>
      stats.match(new RegExp(`cmdstat_${name}:calls=\\d+,usec=\\d+,usec_per_call=([\\d.]+)`))?.[1];
    console.log(
      `\nRedis CPU per increment (INFO commandstats, the script and the commands it runs): evalsha ${perCall('evalsha')} µs; plain INCR ${perCall('incr')} µs`,
    );
    const start = performance.now();
    let n = 0;
    while (performance.now() - start < 1000) {
      for (let i = 0; i < 1000; i++) memory.incrementSync(keys[(n + i) % keys.length], 60);
      n += 1000;
    }
    console.log(
      `\nMemoryCounters.incrementSync: ${Math.round(n / ((performance.now() - start) / 1000)).toLocaleString('en')}/s`,
    );
  } finally {
    client.disconnect();
    await redis.stop();
  }
}

if (MODE === 'all' || MODE === 'accuracy') accuracy();
if (MODE === 'all' || MODE === 'throughput') await throughput();
