/**
 * Invalidation benchmark (no network): 1,000,000 cached objects in a Map standing in for the
 * memory tier, then
 *   - the cost of the hot-path check `isInvalidated` with no records (p50/p99/max),
 *   - the wall time of invalidating `/images/*` and `/*` (lazy: independent of the object count),
 *   - the check's cost with those records active, and with CloudFront's in-progress maximum
 *     of records (3,000 exact paths + 15 wildcards) plus tags,
 *   - the background sweep that reclaims the dead objects: total time and the longest slice
 *     (how long traffic could be held up between two event-loop turns).
 *
 *   npm run build && node dist/bench/invalidate.js
 *   N=200000 BUDGET=5000 SLICE_MS=1 node dist/bench/invalidate.js
 */
import { InvalidationLog, type InvalidationSubject } from '../src/cache/invalidate.js';

const N = Number(process.env.N ?? 1_000_000);
const BUDGET = Number(process.env.BUDGET ?? 10_000);
const SLICE_MS = Number(process.env.SLICE_MS ?? 2);
const SAMPLES = Math.min(N, Number(process.env.SAMPLES ?? 200_000));
const D = 'E1BENCH';
const DIRS = ['/images/', '/css/', '/js/', '/fonts/', '/api/v1/items/'];

type Meta = InvalidationSubject & { key: string };

function ms(ns: bigint | number): string {
  return (Number(ns) / 1e6).toFixed(3);
}

/** Times each check individually; returns ns percentiles (timer overhead subtracted). */
function checkLatency(
  log: InvalidationLog,
  metas: Meta[],
  overheadNs: number,
): { p50: number; p99: number; max: number } {
  const times = new Float64Array(SAMPLES);
  let sink = 0;
  let x = 0x9e3779b9; // xorshift: sample objects from every directory, not a stride
  for (let i = 0; i < SAMPLES; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const m = metas[(x >>> 0) % metas.length];
    // The lookup that precedes the check has just loaded the entry: touch it so the timing is
    // the check, not cache misses on a cold object.
    sink +=
      m.path.charCodeAt(m.path.length - 1) + m.tags.length + m.distributionId.length + (m.storedSeq ?? 0);
    const t0 = process.hrtime.bigint();
    if (log.isInvalidated(m)) sink++;
    times[i] = Number(process.hrtime.bigint() - t0);
  }
  if (sink < 0) console.log(sink); // keep the calls observable
  times.sort();
  const at = (q: number) =>
    Math.max(0, times[Math.min(times.length - 1, Math.floor(q * times.length))] - overheadNs);
  return { p50: at(0.5), p99: at(0.99), max: Math.max(0, times[times.length - 1] - overheadNs) };
}

function timerOverheadNs(): number {
  const times = new Float64Array(100_000);
  for (let i = 0; i < times.length; i++) {
    const t0 = process.hrtime.bigint();
    times[i] = Number(process.hrtime.bigint() - t0);
  }
  times.sort();
  return times[times.length >> 1];
}

/** Whole-population throughput: every object checked once. */
function fullScan(log: InvalidationLog, metas: Meta[]): { ms: string; nsPerCheck: string; dead: number } {
  const t0 = process.hrtime.bigint();
  let dead = 0;
  for (const m of metas) if (log.isInvalidated(m)) dead++;
  const ns = Number(process.hrtime.bigint() - t0);
  return { ms: ms(ns), nsPerCheck: (ns / metas.length).toFixed(1), dead };
}

function report(label: string, log: InvalidationLog, metas: Meta[], overhead: number): void {
  // Warm up the JIT on this shape of the log, then measure.
  for (let i = 0; i < 50_000; i++) log.isInvalidated(metas[i % metas.length]);
  const lat = checkLatency(log, metas, overhead);
  const scan = fullScan(log, metas);
  console.log(
    `isInvalidated ${label.padEnd(44)} p50 ${lat.p50.toFixed(0).padStart(4)} ns  p99 ${lat.p99.toFixed(0).padStart(5)} ns  ` +
      `max ${(lat.max / 1000).toFixed(1).padStart(6)} µs  | all ${N}: ${scan.ms} ms (${scan.nsPerCheck} ns/check, ${scan.dead} dead)`,
  );
}

async function main(): Promise<void> {
  const log = new InvalidationLog();
  const store = new Map<string, Meta>();
  const metas: Meta[] = new Array(N);
  for (let i = 0; i < N; i++) {
    const path = `${DIRS[i % DIRS.length]}${i.toString(36)}/${i}.${i % 3 === 0 ? 'jpg' : 'css'}`;
    const meta: Meta = {
      key: `${D}:${path}`,
      distributionId: D,
      path,
      storedAtMs: Date.now(),
      storedSeq: log.sequence(),
      tags: i % 100 === 0 ? [`product-${i % 1000}`] : [],
    };
    metas[i] = meta;
    store.set(meta.key, meta);
  }
  const overhead = timerOverheadNs();
  console.log(
    `${N} cached objects; hrtime overhead ${overhead} ns subtracted; ${SAMPLES} individually timed checks per row`,
  );

  report('before any invalidation', log, metas, overhead);

  let t0 = process.hrtime.bigint();
  log.invalidatePaths(D, ['/images/*']);
  console.log(`invalidatePaths(['/images/*']) over ${N} objects: ${ms(process.hrtime.bigint() - t0)} ms`);
  report('after /images/*', log, metas, overhead);

  // CloudFront's per-distribution in-progress maxima: 3,000 file paths and 15 wildcards.
  const exact = Array.from({ length: 3000 }, (_, i) => `/api/v1/items/${i}`);
  const wild = Array.from({ length: 14 }, (_, i) => `/js/${i.toString(36)}*`);
  t0 = process.hrtime.bigint();
  log.invalidatePaths(D, [...exact, ...wild]);
  const batchMs = ms(process.hrtime.bigint() - t0);
  log.invalidateTags(
    D,
    Array.from({ length: 100 }, (_, i) => `product-${i * 10}`),
  );
  console.log(`invalidatePaths(3,000 exact + 14 wildcards): ${batchMs} ms`);
  report('after + 3,000 exact + 15 wildcards + 100 tags', log, metas, overhead);

  t0 = process.hrtime.bigint();
  log.invalidatePaths(D, ['/*']);
  console.log(`invalidatePaths(['/*']) over ${N} objects: ${ms(process.hrtime.bigint() - t0)} ms`);
  report('after /*', log, metas, overhead);

  // Background reclamation: slices of BUDGET entries between event-loop turns. A slice's
  // duration is how long a request arriving meanwhile waits; GC pauses land in slices too.
  const slices: number[] = [];
  let last = process.hrtime.bigint();
  const start = last;
  const result = await log.sweep(store.values(), (key) => void store.delete(key), {
    budget: BUDGET,
    sliceMs: SLICE_MS,
    compact: true,
    onSlice: () => {
      slices.push(Number(process.hrtime.bigint() - last));
      setImmediate(() => {
        last = process.hrtime.bigint(); // runs just before the sweep resumes
      });
    },
  });
  const end = process.hrtime.bigint();
  slices.push(Number(end - last));
  slices.sort((a, b) => a - b);
  console.log(
    `sweep: ${result.removed}/${result.scanned} removed in ${ms(end - start)} ms (${result.slices} slices, ` +
      `budget ${BUDGET} entries / ${SLICE_MS} ms); slice p50 ${ms(slices[slices.length >> 1])} ms, ` +
      `p99 ${ms(slices[Math.floor(slices.length * 0.99)])} ms, max ${ms(slices[slices.length - 1])} ms; ` +
      `records left after compaction: ${log.hasRecords}`,
  );

  const fresh = metas.slice(0, 1000).map((m) => ({ ...m, storedSeq: log.sequence() }));
  log.invalidatePaths(D, ['/css/*']);
  const after: Meta[] = [...fresh, ...metas.slice(1000)].map((m) => ({ ...m, storedSeq: log.sequence() }));
  report('stored after every record (fast path)', log, after, overhead);
}

await main();
