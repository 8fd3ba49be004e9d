/**
 * Memory tier policy benchmark: replays Zipf traces against MemoryStore (W-TinyLFU) and a
 * plain LRU (src/cache/store-lru.ts) with the same byte budget, then measures the heap an
 * entry really costs.
 *
 *   node --expose-gc dist/bench/hit-ratio.js
 *   REQUESTS=200000 OBJECTS=20000 node --expose-gc dist/bench/hit-ratio.js
 *
 * Trace: OBJECTS objects with log-normal sizes (median 8 KiB, clamped 200 B – 1 MiB),
 * popularity Zipf(α) over a random permutation (size and rank independent), REQUESTS
 * lookups; a miss stores the object (as the edge does after an origin fetch).
 */
import { MemoryStore, memoryCharge } from '../src/cache/memory-store.js';
import { LruMemoryStore } from '../src/cache/store-lru.js';
import type { CacheEntryMeta, CacheStore } from '../src/cache/types.js';

const REQUESTS = Number(process.env.REQUESTS ?? 1_000_000);
const OBJECTS = Number(process.env.OBJECTS ?? 100_000);
const ALPHAS = (process.env.ALPHAS ?? '0.9,1.0').split(',').map(Number);
const BUDGET_SHARES = (process.env.BUDGETS ?? '0.01,0.05,0.1').split(',').map(Number);

/** mulberry32: a small seeded PRNG so every run replays the same trace. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function objectSizes(n: number, random: () => number): Uint32Array {
  const sizes = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const gaussian = Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random());
    sizes[i] = Math.min(1024 * 1024, Math.max(200, Math.round(8192 * Math.exp(1.2 * gaussian))));
  }
  return sizes;
}

function zipfTrace(n: number, requests: number, alpha: number, random: () => number): Uint32Array {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let rank = 0; rank < n; rank++) cdf[rank] = sum += 1 / (rank + 1) ** alpha;
  const permutation = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [permutation[i], permutation[j]] = [permutation[j], permutation[i]];
  }
  const trace = new Uint32Array(requests);
  for (let r = 0; r < requests; r++) {
    const u = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    trace[r] = permutation[lo];
  }
  return trace;
}

const NOW_MS = Date.now(); // real timestamps: above 2^31 they are heap numbers, as in production

function metaFor(key: string, size: number): CacheEntryMeta {
  return {
    key,
    distributionId: 'E2EXAMPLE',
    path: key,
    status: 200,
    headers: {
      'content-type': 'image/png',
      etag: `"${key.length}-${size}"`,
      'cache-control': 'max-age=86400',
    },
    size,
    storedAtMs: NOW_MS,
    freshUntilMs: NOW_MS + 86_400_000,
    staleWhileRevalidateUntilMs: NOW_MS + 86_400_000,
    staleIfErrorUntilMs: NOW_MS + 86_400_000,
    tags: [],
  };
}

interface Result {
  hitRatio: number;
  byteHitRatio: number;
  seconds: number;
}

function replay(
  store: CacheStore,
  trace: Uint32Array,
  keys: string[],
  sizes: Uint32Array,
  body: Buffer,
): Result {
  let hits = 0;
  let hitBytes = 0;
  let totalBytes = 0;
  const start = process.hrtime.bigint();
  for (let r = 0; r < trace.length; r++) {
    const id = trace[r];
    const size = sizes[id];
    totalBytes += size;
    if (store.get(keys[id]) !== undefined) {
      hits++;
      hitBytes += size;
    } else {
      // A subarray of one shared buffer: MemoryStore copies it into an owned body, as it would a socket read.
      store.put(metaFor(keys[id], size), body.subarray(0, size));
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { hitRatio: hits / trace.length, byteHitRatio: hitBytes / totalBytes, seconds };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`.padStart(7);

function hitRatios(): void {
  const random = rng(42);
  const sizes = objectSizes(OBJECTS, random);
  const keys = Array.from(
    { length: OBJECTS },
    (_, i) => `E2EXAMPLE|/assets/${i.toString(36)}/object-${i}.bin`,
  );
  const catalogBytes = sizes.reduce((a, b) => a + b, 0);
  const body = Buffer.alloc(1024 * 1024, 7);
  console.log(
    `\nHit ratios: ${REQUESTS.toLocaleString()} requests over ${OBJECTS.toLocaleString()} objects ` +
      `(${(catalogBytes / 2 ** 20).toFixed(0)} MiB catalogue), budget as a share of the catalogue\n`,
  );
  console.log('  alpha  budget        | W-TinyLFU hit  byte-hit | LRU hit  byte-hit | Δ hit    Δ byte-hit');
  console.log('  -----  ------------- | -------------  -------- | -------  -------- | -------  ----------');
  for (const alpha of ALPHAS) {
    const trace = zipfTrace(OBJECTS, REQUESTS, alpha, rng(7));
    for (const share of BUDGET_SHARES) {
      const budgetBytes = Math.round(catalogBytes * share);
      const w = replay(new MemoryStore({ budgetBytes }), trace, keys, sizes, body);
      const l = replay(new LruMemoryStore({ budgetBytes }), trace, keys, sizes, body);
      const budget = `${(budgetBytes / 2 ** 20).toFixed(0)} MiB (${share * 100}%)`.padEnd(13);
      console.log(
        `  ${alpha.toFixed(2).padEnd(5)}  ${budget} |       ${pct(w.hitRatio)}   ${pct(w.byteHitRatio)} | ` +
          `${pct(l.hitRatio)}   ${pct(l.byteHitRatio)} | ${pct(w.hitRatio - l.hitRatio)}  ${pct(w.byteHitRatio - l.byteHitRatio)}` +
          `   (${w.seconds.toFixed(1)} s / ${l.seconds.toFixed(1)} s)`,
      );
    }
  }
}

function heapBytes(): number {
  const gc = (globalThis as { gc?: () => void }).gc!;
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function overhead(): void {
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
    console.log('\nPer-entry overhead: run with node --expose-gc to measure.');
    return;
  }
  const n = 100_000;
  const bodyBytes = 256;
  const store = new MemoryStore({ budgetBytes: 1024 * 1024 * 1024 });
  let payload = 0;
  let charged = 0;
  const before = heapBytes();
  for (let i = 0; i < n; i++) {
    const key = `E2EXAMPLE|/img/${i}.png`;
    const meta = metaFor(key, bodyBytes);
    // Fresh strings/objects per entry, as a real origin response would bring.
    const headers = {
      'content-type': 'image/png',
      etag: `"${i.toString(16)}-100"`,
      'cache-control': 'max-age=86400',
      'last-modified': `Mon, 0${i % 9} Jan 2024 00:00:00 GMT`,
    };
    const path = `/img/${i}.png`;
    const m = { ...meta, headers, path };
    store.put(m, Buffer.alloc(bodyBytes, i & 0xff));
    payload += bodyBytes + key.length + path.length;
    for (const [name, value] of Object.entries(headers)) payload += name.length + value.length;
    charged += memoryCharge(m, bodyBytes);
  }
  const after = heapBytes();
  if (store.entryCount !== n) throw new Error(`expected ${n} entries, have ${store.entryCount}`);
  const perEntry = (after - before) / n;
  console.log(
    `\nPer-entry memory (${n.toLocaleString()} entries of ${bodyBytes} B bodies, 4 headers, heap + ArrayBuffers):`,
  );
  console.log(`  measured heap per entry         ${perEntry.toFixed(0).padStart(5)} B`);
  console.log(`  key + path + headers + body     ${(payload / n).toFixed(0).padStart(5)} B`);
  console.log(`  overhead beyond those           ${(perEntry - payload / n).toFixed(0).padStart(5)} B`);
  console.log(
    `  charged to the budget per entry ${(charged / n).toFixed(0).padStart(5)} B  (must be ≥ measured)`,
  );

  const keys = Array.from({ length: n }, (_, i) => `E2EXAMPLE|/img/${i}.png`);
  let found = 0;
  const start = process.hrtime.bigint();
  for (let round = 0; round < 10; round++) for (let i = 0; i < n; i++) if (store.get(keys[i])) found++;
  const ns = Number(process.hrtime.bigint() - start) / found;
  console.log(`  get (hit), mean                 ${ns.toFixed(0).padStart(5)} ns`);
}

hitRatios();
overhead();
