/**
 * Memory tier policy benchmark: replays Zipf traces against MemoryStore (W-TinyLFU) and a
 * plain LRU (src/cache/store-lru.ts) with the same byte budget, then measures the heap an
 * entry really costs and the time of a hit (bench/README.md, "Hit ratio and bytes per entry").
 *
 *   node --expose-gc dist/bench/hit-ratio.js
 *   REQUESTS=200000 OBJECTS=20000 node --expose-gc dist/bench/hit-ratio.js
 *   ONLY=overhead node --expose-gc dist/bench/hit-ratio.js    (or ONLY=ratios)
 *
 * Trace: OBJECTS objects with log-normal sizes (median 8 KiB, clamped 200 B – 1 MiB),
 * popularity Zipf(α) over a random permutation (size and rank independent), REQUESTS
 * lookups; a miss stores the object (as the edge does after an origin fetch).
 */
import {
  MemoryStore,
  memoryCharge,
  SLAB_BODY_MAX_BYTES,
  slabViewsCreated,
} from '../src/cache/memory-store.js';
import { recordBytesFor } from '../src/cache/slab-arena.js';
import { LruMemoryStore } from '../src/cache/store-lru.js';
import type { CacheEntry, CacheEntryMeta, CacheStore } from '../src/cache/types.js';
import { objectSizes, rng, zipfTrace } from './zipf.js';

const REQUESTS = Number(process.env.REQUESTS ?? 1_000_000);
const OBJECTS = Number(process.env.OBJECTS ?? 100_000);
const ALPHAS = (process.env.ALPHAS ?? '0.9,1.0').split(',').map(Number);
const BUDGET_SHARES = (process.env.BUDGETS ?? '0.01,0.05,0.1').split(',').map(Number);
const ONLY = process.env.ONLY; // 'ratios' or 'overhead': run one part

const NOW_MS = Date.now(); // real timestamps: above 2^31 they are heap numbers, as in production

/** A cache key laid out as src/cache/key.ts builds it for a GET with no policy-selected values. */
function keyFor(path: string): string {
  return `E2EXAMPLE\n${path.length}:${path}`;
}

function metaFor(path: string, size: number): CacheEntryMeta {
  const key = keyFor(path);
  return {
    key,
    distributionId: 'E2EXAMPLE',
    path,
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
  /** MemoryStore only: slab body views created per hit; bytes compaction copied; record bytes put. */
  viewsPerHit?: number;
  copiedBytes?: number;
  recordBytes?: number;
}

function replay(
  store: CacheStore,
  trace: Uint32Array,
  paths: string[],
  sizes: Uint32Array,
  body: Buffer,
): Result {
  let hits = 0;
  let hitBytes = 0;
  let totalBytes = 0;
  let recordBytes = 0;
  const views0 = slabViewsCreated();
  const start = process.hrtime.bigint();
  for (let r = 0; r < trace.length; r++) {
    const id = trace[r];
    const size = sizes[id];
    totalBytes += size;
    const entry = store.get(keyFor(paths[id])) as CacheEntry | undefined;
    if (entry !== undefined) {
      if (entry.buffer!.byteLength !== size) throw new Error(`${paths[id]}: wrong body`);
      hits++;
      hitBytes += size;
    } else {
      // A subarray of one shared buffer: MemoryStore copies it into an owned body, as it would a socket read.
      store.put(metaFor(paths[id], size), body.subarray(0, size));
      recordBytes += recordBytesFor(size <= SLAB_BODY_MAX_BYTES ? size : 0);
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const result: Result = { hitRatio: hits / trace.length, byteHitRatio: hitBytes / totalBytes, seconds };
  if (store instanceof MemoryStore) {
    result.viewsPerHit = (slabViewsCreated() - views0) / hits;
    result.copiedBytes = store.slabs.movedBytes;
    result.recordBytes = recordBytes;
  }
  return result;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`.padStart(7);

function hitRatios(): void {
  const random = rng(42);
  const sizes = objectSizes(OBJECTS, random);
  const paths = Array.from({ length: OBJECTS }, (_, i) => `/assets/${i.toString(36)}/object-${i}.bin`);
  const catalogBytes = sizes.reduce((a, b) => a + b, 0);
  const body = Buffer.alloc(1024 * 1024, 7);
  console.log(
    `\nHit ratios: ${REQUESTS.toLocaleString()} requests over ${OBJECTS.toLocaleString()} objects ` +
      `(${(catalogBytes / 2 ** 20).toFixed(0)} MiB catalogue), budget as a share of the catalogue\n`,
  );
  console.log('  alpha  budget        | W-TinyLFU hit  byte-hit | LRU hit  byte-hit | Δ hit    Δ byte-hit');
  console.log('  -----  ------------- | -------------  -------- | -------  -------- | -------  ----------');
  const internals: string[] = [];
  for (const alpha of ALPHAS) {
    const trace = zipfTrace(OBJECTS, REQUESTS, alpha, rng(7));
    for (const share of BUDGET_SHARES) {
      const budgetBytes = Math.round(catalogBytes * share);
      const w = replay(new MemoryStore({ budgetBytes }), trace, paths, sizes, body);
      internals.push(
        `  ${alpha.toFixed(2).padEnd(5)}  ${`${share * 100}%`.padEnd(4)}  views created per hit ${w.viewsPerHit!.toFixed(3)}, ` +
          `compaction copied ${(w.copiedBytes! / 2 ** 20).toFixed(0)} MiB = ` +
          `${(w.copiedBytes! / w.recordBytes!).toFixed(2)} B per record byte written`,
      );
      const l = replay(new LruMemoryStore({ budgetBytes }), trace, paths, sizes, body);
      const budget = `${(budgetBytes / 2 ** 20).toFixed(0)} MiB (${share * 100}%)`.padEnd(13);
      console.log(
        `  ${alpha.toFixed(2).padEnd(5)}  ${budget} |       ${pct(w.hitRatio)}   ${pct(w.byteHitRatio)} | ` +
          `${pct(l.hitRatio)}   ${pct(l.byteHitRatio)} | ${pct(w.hitRatio - l.hitRatio)}  ${pct(w.byteHitRatio - l.byteHitRatio)}` +
          `   (${w.seconds.toFixed(1)} s / ${l.seconds.toFixed(1)} s)`,
      );
    }
  }
  console.log(
    '\n  MemoryStore internals (small bodies live in slabs; their views are cached on hot entries):',
  );
  for (const line of internals) console.log(line);
}

function heapBytes(): number {
  const gc = (globalThis as { gc?: () => void }).gc!;
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Header names as undici hands them over: the same string objects for every response. */
const ORIGIN_HEADER_NAMES = [
  'content-type',
  'etag',
  'cache-control',
  'last-modified',
  'date',
  'server',
  'accept-ranges',
  'x-amz-request-id',
  'vary',
  'x-custom-header',
];

/** A string with its own flat copy of the characters, as a socket read decodes one. */
const fresh = (text: string) => Buffer.from(text, 'latin1').toString('latin1');

/** The issue's small object: 4 headers from a literal, one with a fresh concatenated value. */
function smallObject(i: number, bodyBytes: number): CacheEntryMeta {
  const headers = {
    'content-type': 'image/png',
    etag: `"${i.toString(16)}-100"`,
    'cache-control': 'max-age=86400',
    'last-modified': `Mon, 0${i % 9} Jan 2024 00:00:00 GMT`,
  };
  return { ...metaFor(`/img/${i}.png`, bodyBytes), headers };
}

/**
 * An origin-like response: 10 headers copied by a loop (as src/edge/cache-entry-meta.ts does)
 * with fresh values, and a key with an Accept-Encoding part.
 */
function originObject(i: number, bodyBytes: number): CacheEntryMeta {
  const path = fresh(`/static/img/${i.toString(36)}/photo-${i}.jpg`);
  const meta = metaFor(path, bodyBytes);
  const headers: Record<string, string> = {};
  for (const name of ORIGIN_HEADER_NAMES) headers[name] = fresh(`${name}-value-${i}-${'x'.repeat(i % 20)}`);
  return { ...meta, key: `${meta.key}\ne:br,gzip`, headers };
}

/**
 * Fills a store with n entries built by `build`, with fresh strings and objects per entry, and
 * measures what the heap grew by. Payload: body, key, path, header names and values (1 B per
 * character; names and constant values are counted though they are shared strings).
 */
function measureEntries(
  n: number,
  bodyBytes: number,
  build: (i: number, bodyBytes: number) => CacheEntryMeta,
) {
  const store = new MemoryStore({ budgetBytes: 1024 * 1024 * 1024 });
  let payload = 0;
  let charged = 0;
  const before = heapBytes();
  let metas: CacheEntryMeta[] = [];
  let bodies: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const m = build(i, bodyBytes);
    metas.push(m);
    bodies.push(Buffer.alloc(bodyBytes, i & 0xff));
    payload += bodyBytes + m.key.length + m.path.length;
    for (const [name, value] of Object.entries(m.headers)) payload += name.length + value.length;
    charged += memoryCharge(m, bodyBytes);
  }
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) store.put(metas[i], bodies[i]);
  const putNs = Number(process.hrtime.bigint() - start) / n;
  metas = [];
  bodies = [];
  const after = heapBytes();
  if (store.entryCount !== n) throw new Error(`expected ${n} entries, have ${store.entryCount}`);
  return { store, perEntry: (after - before) / n, payload: payload / n, charged: charged / n, putNs };
}

function overhead(): void {
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
    console.log('\nPer-entry overhead: run with node --expose-gc to measure.');
    return;
  }
  const n = 100_000;
  const bodyBytes = 256;
  const origin = measureEntries(n / 2, bodyBytes, originObject);
  const m = measureEntries(n, bodyBytes, smallObject);
  const row = (label: string, value: number, unit = 'B', note = '') =>
    console.log(`  ${label.padEnd(32)}${value.toFixed(0).padStart(5)} ${unit}${note}`);
  console.log(
    `\nPer-entry memory (${n.toLocaleString()} entries of ${bodyBytes} B bodies, 4 headers, heap + ArrayBuffers):`,
  );
  row('measured heap per entry', m.perEntry);
  row('key + path + headers + body', m.payload);
  row('overhead beyond those', m.perEntry - m.payload);
  row('charged to the budget per entry', m.charged, 'B', '  (must be ≥ measured)');
  row('put, mean', m.putNs, 'ns');
  const keys = Array.from({ length: n }, (_, i) => keyFor(`/img/${i}.png`));
  row('get (hit)', hitNs(m.store, keys, n, false), 'ns');
  row(
    'get + hit-path reads, all keys',
    hitNs(m.store, keys, n, true),
    'ns',
    `  (round robin over ${n.toLocaleString()})`,
  );
  row('get + hit-path reads, hot keys', hitNs(m.store, keys, 1000, true), 'ns', '  (round robin over 1,000)');
  console.log(
    `\n  Origin-like responses (10 headers copied by a loop, fresh values; ${(n / 2).toLocaleString()} entries):`,
  );
  row('measured heap per entry', origin.perEntry);
  row('overhead beyond payload', origin.perEntry - origin.payload);
  row('charged to the budget per entry', origin.charged, 'B', '  (must be ≥ measured)');
}

/**
 * Time of a hit over keys[0, count), the best of 7 runs of 200k lookups (other work on the
 * machine only ever adds time). With `reads`, also what src/cache/serve-cached.ts reads of an
 * entry: status, timestamps, size, the headers (for-in) and the body.
 */
function hitNs(store: MemoryStore, keys: string[], count: number, reads: boolean): number {
  const lookups = 200_000;
  let best = Number.POSITIVE_INFINITY;
  let sink = 0;
  for (let run = 0; run < 7; run++) {
    const start = process.hrtime.bigint();
    for (let i = 0, k = 0; i < lookups; i++, k = k + 1 === count ? 0 : k + 1) {
      const entry = store.get(keys[k]);
      if (entry === undefined) throw new Error(`${keys[k]} missing`);
      if (!reads) continue;
      sink += entry.status + entry.size + entry.buffer!.byteLength;
      if (entry.freshUntilMs > entry.storedAtMs && entry.staleWhileRevalidateUntilMs > 0) sink++;
      for (const name in entry.headers) if (entry.headers[name] !== undefined) sink++;
    }
    best = Math.min(best, Number(process.hrtime.bigint() - start) / lookups);
  }
  if (reads && sink === 0) throw new Error('nothing read');
  return best;
}

if (ONLY !== 'overhead') hitRatios();
if (ONLY !== 'ratios') overhead();
