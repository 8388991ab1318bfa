/**
 * A seeded Zipf sampler over ranks 0..n-1: P(rank k) proportional to 1 / (k + 1)^s. Seeded so that every run offers
 * the same sequence of principals, and the distinct-principal count is comparable between runs.
 */

/** mulberry32: a small, fast, seeded 32-bit PRNG (uniform in [0, 1)). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function zipfSampler(n: number, exponent: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) {
    sum += 1 / (k + 1) ** exponent;
    cdf[k] = sum;
  }
  for (let k = 0; k < n; k++) cdf[k] = cdf[k]! / sum;
  return () => {
    const u = random();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}
