/** Seeded traces the cache benchmarks replay (hit-ratio.ts, tier.ts): same seed, same trace. */

/** mulberry32: a small seeded PRNG so every run replays the same trace. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Log-normal object sizes: median 8 KiB, clamped to [200 B, maxBytes]. */
export function objectSizes(n: number, random: () => number, maxBytes = 1024 * 1024): Uint32Array {
  const sizes = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const gaussian = Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random());
    sizes[i] = Math.min(maxBytes, Math.max(200, Math.round(8192 * Math.exp(1.2 * gaussian))));
  }
  return sizes;
}

/** `requests` object ids with Zipf(alpha) popularity over a random permutation of n objects. */
export function zipfTrace(n: number, requests: number, alpha: number, random: () => number): Uint32Array {
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
