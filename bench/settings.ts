/**
 * Every knob of `npm run bench`, read once: environment overrides for exploring, and the `--soak` flag for the long
 * memory run. The defaults keep the default run at about two and a half minutes on a 2-core machine.
 */

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

const SOAK_STORES = ['redis', 'memory'] as const;

function soakStores(raw: string | undefined): ReadonlyArray<(typeof SOAK_STORES)[number]> {
  if (raw === undefined || raw === '') return SOAK_STORES;
  const names = raw.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(SOAK_STORES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`BENCH_SOAK_STORES must list redis and/or memory, got ${raw}`);
  return names as Array<(typeof SOAK_STORES)[number]>;
}

const args = new Set(process.argv.slice(2));
const KNOWN_ARGS = new Set(['--soak', '--cache-hit-only']);
for (const arg of args) {
  if (!KNOWN_ARGS.has(arg)) throw new Error(`unknown argument ${arg} (known: ${[...KNOWN_ARGS].join(', ')})`);
}

export const SETTINGS = {
  /** `--soak`: run the 10,000-principal memory soak for both stores instead of the default scenarios. */
  soak: args.has('--soak'),
  /** `--cache-hit-only`: scenario 1 (and 1b) alone, for quick iterations on the hot path. */
  cacheHitOnly: args.has('--cache-hit-only'),
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  /** Pin the servers to the last CPU and the load generator to CPU 0 (taskset); off by default on a shared machine. */
  pin: process.env.BENCH_PIN === '1',
  logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
  /** Diagnosis: write V8 CPU profiles of every broker process into this directory (when it stops). */
  cpuProfileDir: process.env.BENCH_CPU_PROF,
  /** Diagnosis: more node flags for every broker process, e.g. `--trace-gc`. */
  brokerNodeFlags: (process.env.BENCH_BROKER_NODE_FLAGS ?? '').split(/\s+/).filter((flag) => flag !== ''),
  /** Diagnosis: each broker process's stdout and stderr (e.g. --trace-gc lines) go to `<dir>/<name>.log`. */
  brokerOutputDir: process.env.BENCH_BROKER_OUTPUT,

  throughput: {
    connections: envNumber('BENCH_CONNECTIONS', 10),
    warmupSeconds: envNumber('BENCH_WARMUP_SECONDS', 1),
    measureSeconds: envNumber('BENCH_SECONDS', 4),
    /** Interleaved rounds; each round measures every target once, in alternating order. */
    rounds: envNumber('BENCH_ROUNDS', 3),
  },
  /** The realistic cache hit's hot set: this many principals, each with its own JWT, requested round-robin. */
  hotPrincipals: envNumber('BENCH_HOT_PRINCIPALS', 1000),

  latency: {
    /** Per paced run; the runs go broker, baseline, baseline, broker. */
    seconds: envNumber('BENCH_LATENCY_SECONDS', 4),
    /** An unmeasured paced run against each server first, so the generator's own warm-up falls on no measured run. */
    warmupSeconds: envNumber('BENCH_LATENCY_WARMUP_SECONDS', 1),
    maxInFlight: 64,
  },

  zipf: {
    principals: envNumber('BENCH_ZIPF_PRINCIPALS', 1000),
    exponent: envNumber('BENCH_ZIPF_EXPONENT', 1.0),
    rate: envNumber('BENCH_ZIPF_RATE', 300),
    seconds: envNumber('BENCH_ZIPF_SECONDS', 10),
    seed: envNumber('BENCH_ZIPF_SEED', 20261122),
    maxInFlight: 256,
  },

  refresh: {
    /** STS answers this slowly in the hot-key refresh scenario. */
    stsLatencyMs: envNumber('BENCH_REFRESH_STS_LATENCY_MS', 500),
    rate: envNumber('BENCH_REFRESH_RATE', 100),
    /**
     * The token is reusable for this long after it is issued: profile durationSeconds 900 with
     * cache.minRemainingSeconds = 900 - this. STS Expiration has whole seconds, so the crossing can come up to 1 s
     * earlier.
     */
    reuseSeconds: envNumber('BENCH_REFRESH_REUSE_SECONDS', 5),
    /** How long the paced run goes on after the crossing. */
    afterSeconds: envNumber('BENCH_REFRESH_AFTER_SECONDS', 3),
  },

  soakRun: {
    principals: envNumber('BENCH_SOAK_PRINCIPALS', 10_000),
    rate: envNumber('BENCH_SOAK_RATE', 500),
    /**
     * Before the measured soak, every principal gets its token once at this rate: about the ~100 AssumeRole calls
     * per second STS allows an account, so the first pass is the cold start a real deployment could have.
     */
    fillRate: envNumber('BENCH_SOAK_FILL_RATE', 100),
    seconds: envNumber('BENCH_SOAK_SECONDS', 300),
    sampleSeconds: envNumber('BENCH_SOAK_SAMPLE_SECONDS', 10),
    /** Which stores to soak, in order: BENCH_SOAK_STORES=memory soaks one (for diagnosis; the target names both). */
    stores: soakStores(process.env.BENCH_SOAK_STORES),
    maxInFlight: 512,
  },

  /** STS emulator latency for the cache-hit warm-up, the Zipf run and the soak: a realistic round trip to STS. */
  stsLatencyMs: envNumber('BENCH_STS_LATENCY_MS', 75),
  /**
   * The Zipf broker's AssumeRole budget (`sts.maxCallsPerSecond`). STS allows ~100 AssumeRole calls per second per
   * Alibaba Cloud account, shared by every replica; this bench runs ONE replica, so it may spend most of that: 90/s
   * leaves 10/s for everything else in the account. A cold cache under the Zipf load misses ~150 principals in the
   * first second; the budget's one-second burst plus its refill and bounded wait absorb that.
   */
  zipfStsMaxCallsPerSecond: envNumber('BENCH_STS_MAX_CALLS_PER_SECOND', 90),
  /** Per-request client deadline in the paced runs. */
  requestTimeoutMs: 10_000,
} as const;

/** What the targets of the performance issue ask for; reported as PASS / MISS, never asserted. */
export const TARGETS = {
  /**
   * Cache hit req/s ≥ 60 % of the limit baseline's (Express + one Redis round trip + the broker-sized body), and CPU
   * per request ≤ 1.6 × its CPU per request.
   */
  rpsRatio: 0.6,
  cpuRatio: 1.6,
  /** p99 at half the broker's throughput ≤ 2 × bare Express's p99 at the same rate. */
  p99Ratio: 2,
  /** AssumeRole calls per distinct principal under the Zipf run. */
  assumeRatio: 1.0,
  peakRssMb: 200,
  /** Soak: RSS at the end at most this much above RSS half-way (a plateau), as a fraction. */
  soakFlatFraction: 0.05,
} as const;
