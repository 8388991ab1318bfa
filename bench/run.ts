/**
 * `npm run bench`: the broker's load benchmark. Reports ratios against a baseline measured in the same run and
 * PASS/MISS per target; targets are reported, never asserted (exit 0 unless the harness itself broke).
 *
 * 1. Cache-hit throughput: POST /v1/credentials, one principal (JWT), one body, so every request after the first is
 *    a token-cache hit, against real Redis; vs a bare Express 5 JSON endpoint answering a same-sized body. Same
 *    autocannon settings for both, measured A-B-B-A to cancel drift on a noisy machine. Then p99 latency at half
 *    the broker's measured throughput (autocannon overallRate).
 * 2. Zipf workload: 1,000 principals (user0..user999, exponent 1.0), offered open-loop at well above 100 req/s,
 *    against the STS emulator with realistic latency; AssumeRole calls seen by the emulator vs distinct principals.
 * 3. Peak RSS of the broker process under the Zipf load.
 *
 * Every server runs in its own child process (bench/server.ts); load goes only to 127.0.0.1; every loop is bounded.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createDevIssuer } from '../dev/issuer/dev-issuer.js';
import type { StsEmulatorStats } from '../dev/emulator/sts/index.js';
import { cannon, pacedRun, type CannonResult, type PacedOutcome } from './load.js';
import type { ChildMessage, ChildStats, ParentMessage, ServerSpec } from './protocol.js';
import { seededRandom, zipfSampler } from './zipf.js';
import { buildServer } from './build.js';

// ---------------------------------------------------------------------------------------------------------------
// Settings (environment overrides for exploring; the defaults keep the whole run well under 90 s)
// ---------------------------------------------------------------------------------------------------------------
function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CONNECTIONS = envNumber('BENCH_CONNECTIONS', 10);
const WARMUP_SECONDS = envNumber('BENCH_WARMUP_SECONDS', 1);
const MEASURE_SECONDS = envNumber('BENCH_SECONDS', 5);
const ZIPF_PRINCIPALS = envNumber('BENCH_ZIPF_PRINCIPALS', 1000);
const ZIPF_EXPONENT = envNumber('BENCH_ZIPF_EXPONENT', 1.0);
const ZIPF_RATE = envNumber('BENCH_ZIPF_RATE', 300);
const ZIPF_SECONDS = envNumber('BENCH_ZIPF_SECONDS', 10);
const ZIPF_SEED = envNumber('BENCH_ZIPF_SEED', 20261122);
const ZIPF_MAX_IN_FLIGHT = 256;
const STS_LATENCY_MS = envNumber('BENCH_STS_LATENCY_MS', 75);
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'info';
/**
 * The broker's per-replica AssumeRole budget (`sts.maxCallsPerSecond`, default 20/s). STS allows ~100 AssumeRole
 * calls per second per Alibaba Cloud account, shared by every replica; this bench runs ONE replica, so it may
 * spend most of that: 90/s leaves 10/s of headroom for everything else in the account. A cold cache under Zipf
 * load misses ~150 principals in the first second; the budget's one-second burst (90) plus its refill and bounded
 * wait absorb that. With the default 20/s the cold start would be refused with `upstream_throttled` (503).
 */
const STS_MAX_CALLS_PER_SECOND = envNumber('BENCH_STS_MAX_CALLS_PER_SECOND', 90);
/**
 * Rate limits high enough never to trigger: all load comes from one IP (127.0.0.1) and, for the cache-hit run,
 * one principal (tens of thousands of requests per minute). The limiter still runs on every request (two Redis
 * round trips), so its cost is measured; only its verdict is always "allow".
 */
const BENCH_RATE_LIMIT = { limit: 100_000_000, windowSeconds: 60 };
/** Stop the whole run if something hangs: the children exit with us (IPC disconnect). */
const OVERALL_DEADLINE_MS = 240_000;

const TARGETS = { ratio: 0.75, p99Ms: 5, assumeRatio: 1.0, peakRssMb: 200 };

const ACCOUNT = '1234567890123456';
const UPLOAD_ROLE = `acs:ram::${ACCOUNT}:role/bench-uploader`;
const DEV_CLIENT_ID = 'web';
const TENANT = 'acme';
const REQUEST_BODY = JSON.stringify({ profile: 'uploads', files: [{ name: 'me.png', size: 48211, contentType: 'image/png' }] });
const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));

// ---------------------------------------------------------------------------------------------------------------
// Child servers
// ---------------------------------------------------------------------------------------------------------------
interface ChildServer {
  name: string;
  pid: number;
  port: number;
  /** The STS emulator's CA (the sts-emulator child only). */
  stsCa: string | undefined;
  stats(resetPeak?: boolean): Promise<ChildStats>;
  /** VmHWM (peak resident set of the whole process lifetime) from /proc, bytes; undefined off Linux. */
  vmHwm(): number | undefined;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`bench: ${signal}, stopping\n`);
    process.exit(130);
  });
}

/**
 * How children are started: the transpiled build under plain `node` (as production runs dist/), or with
 * BENCH_TSX=1 the TypeScript sources under the tsx loader (no build; its loader thread inflates RSS by ~30 MB).
 */
let serverEntry: { file: string; execArgv: string[] } | undefined;

function spawnServer(name: string, spec: ServerSpec): Promise<ChildServer> {
  if (!serverEntry) throw new Error('serverEntry not set');
  // Diagnosis: BENCH_CPU_PROF=<dir> writes V8 CPU profiles of the broker processes (when they stop);
  // BENCH_BROKER_NODE_FLAGS adds node flags to the broker processes (e.g. `--trace-gc`).
  const profDir = process.env.BENCH_CPU_PROF;
  const extra =
    spec.kind !== 'broker'
      ? []
      : [
          ...(profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []),
          ...(process.env.BENCH_BROKER_NODE_FLAGS ?? '').split(/\s+/).filter((f) => f !== ''),
        ];
  const execArgv = [...serverEntry.execArgv, ...extra];
  const child = fork(serverEntry.file, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const post = (message: ParentMessage): void => {
    child.send(message);
  };
  const next = (type: ChildMessage['type'], timeoutMs: number): Promise<ChildMessage> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${name}: no '${type}' message within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (message: ChildMessage): void => {
        if (message.type === 'error') {
          cleanup();
          reject(new Error(`${name}: ${message.message}`));
        } else if (message.type === type) {
          cleanup();
          resolve(message);
        }
      };
      const onExit = (code: number | null): void => {
        cleanup();
        reject(new Error(`${name}: exited (code ${code}) while waiting for '${type}'`));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });

  const ready = next('ready', 30_000);
  post({ cmd: 'start', spec });
  return ready.then((message) => {
    if (message.type !== 'ready') throw new Error('unreachable');
    const pid = message.pid;
    return {
      name,
      pid,
      port: message.port,
      stsCa: message.stsCa,
      async stats(resetPeak = false) {
        const reply = next('stats', 5000);
        post({ cmd: 'stats', resetPeak });
        const m = await reply;
        if (m.type !== 'stats') throw new Error('unreachable');
        return m.stats;
      },
      vmHwm() {
        try {
          const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
          return match ? Number(match[1]) * 1024 : undefined;
        } catch {
          return undefined;
        }
      },
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        post({ cmd: 'stop' });
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      },
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------
const MB = 1024 * 1024;
const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const fmtMs = (n: number): string => `${n.toFixed(n < 10 ? 2 : 1)} ms`;
const fmtMb = (n: number | undefined): string => (n === undefined ? 'n/a' : `${(n / MB).toFixed(1)} MB`);
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');
const log = (line: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

/** Same shape and size as the broker's answer, every string replaced by filler of the same length. */
function sameShape(value: unknown): unknown {
  if (typeof value === 'string') return 'x'.repeat(value.length);
  if (Array.isArray(value)) return value.map(sameShape);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, sameShape(v)]));
  }
  return value;
}

async function post(port: number, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/credentials`, {
    method: 'POST',
    headers,
    body: REQUEST_BODY,
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, text: await res.text() };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

interface LatencySummary {
  count: number;
  non200: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  byCode: Record<string, number>;
  /** The 10 slowest requests: when they were due (ms into the run) and how long they took; for diagnosis. */
  slowest: Array<{ dueMs: number; latencyMs: number; code: string }>;
}

function summarize(outcomes: PacedOutcome[], elapsedMs: number): LatencySummary {
  const ok = outcomes.filter((o) => o.status === 200);
  const sorted = ok.map((o) => o.latencyMs).sort((a, b) => a - b);
  return {
    count: outcomes.length,
    non200: outcomes.length - ok.length,
    rps: ok.length / (elapsedMs / 1000),
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? 0,
    byCode: countBy(outcomes, (o) => `${o.status} ${o.code}`),
    slowest: [...outcomes]
      .sort((a, b) => b.latencyMs - a.latencyMs)
      .slice(0, 10)
      .map((o) => ({ dueMs: Math.round(o.dueMs), latencyMs: Math.round(o.latencyMs * 10) / 10, code: `${o.status} ${o.code}` })),
  };
}

/** A histogram of the broker's own /metrics, summed over labels: count, mean and how many took over 1 s. */
function histogram(text: string, name: string): { count: number; meanMs: number; over1s: number } {
  let sum = 0;
  let count = 0;
  let under1s = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^[a-z_]+_(sum|count|bucket)\{([^}]*)\} ([0-9.e+-]+)$/.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (m[1] === 'sum') sum += value;
    else if (m[1] === 'count') count += value;
    else if (/(^|,)le="1"/.test(m[2] ?? '')) under1s += value;
  }
  return { count, meanMs: count === 0 ? 0 : (sum / count) * 1000, over1s: count - under1s };
}

/** What the broker's own metrics saw: AssumeRole call durations and its HTTP request durations. */
async function brokerMetrics(port: number): Promise<string> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    const sts = histogram(text, 'osb_sts_call_duration_seconds');
    const http = histogram(text, 'osb_http_request_duration_seconds');
    return (
      `The broker's metrics: ${sts.count} AssumeRole calls, mean ${fmtMs(sts.meanMs)}, ${sts.over1s} over 1 s; ` +
      `${http.count} HTTP requests, mean ${fmtMs(http.meanMs)}, ${http.over1s} over 1 s`
    );
  } catch (error) {
    return `broker metrics unavailable (${error instanceof Error ? error.message : String(error)})`;
  }
}

function statsDelta(before: StsEmulatorStats, after: StsEmulatorStats): StsEmulatorStats {
  const byCode: Record<string, number> = {};
  for (const [code, n] of Object.entries(after.byCode)) {
    const d = n - (before.byCode[code] ?? 0);
    if (d !== 0) byCode[code] = d;
  }
  return { assumeRoleCalls: after.assumeRoleCalls - before.assumeRoleCalls, byCode };
}

async function deleteKeys(prefixes: string[]): Promise<number> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  let deleted = 0;
  try {
    await redis.connect();
    for (const prefix of prefixes) {
      let cursor = '0';
      let rounds = 0;
      do {
        const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = nextCursor;
        if (keys.length > 0) deleted += await redis.unlink(...keys);
      } while (cursor !== '0' && ++rounds < 10_000);
    }
  } finally {
    redis.disconnect();
  }
  return deleted;
}

// ---------------------------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------------------------
async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    process.stderr.write(`bench: not finished after ${OVERALL_DEADLINE_MS / 1000} s, giving up\n`);
    process.exit(1);
  }, OVERALL_DEADLINE_MS);
  deadline.unref();
  const runStarted = Date.now();
  const loadBefore = os.loadavg();
  if (process.env.BENCH_TSX === '1') {
    serverEntry = { file: fileURLToPath(new URL('./server.ts', import.meta.url)), execArgv: ['--import', 'tsx'] };
  } else {
    const builtAt = performance.now();
    serverEntry = { file: buildServer(), execArgv: [] };
    log(`built the servers as plain JavaScript in ${((performance.now() - builtAt) / 1000).toFixed(1)} s`);
  }

  // Identities: the dev issuer lives here, so tokens are minted before the load starts; the broker gets its JWKS.
  const issuer = await createDevIssuer({ issuer: 'https://issuer.bench.local/', audience: 'oss-sts-broker-bench' });
  const hotToken = await issuer.issue({ sub: 'bench-hot', tenant: TENANT });
  const zipfTokens: string[] = [];
  for (let i = 0; i < ZIPF_PRINCIPALS; i++) zipfTokens.push(await issuer.issue({ sub: `user${i}`, tenant: TENANT }));
  log(`minted ${zipfTokens.length + 1} JWTs`);

  const accessKey = { accessKeyId: `LTAIbench${randomBytes(6).toString('hex')}`, accessKeySecret: randomBytes(20).toString('base64url') };
  const cacheKey = randomBytes(32).toString('base64');
  const runId = randomBytes(4).toString('hex');
  const prefixes: string[] = [];

  const sts = await spawnServer('sts-emulator', {
    kind: 'sts',
    latencyMs: STS_LATENCY_MS,
    accessKey,
    roles: [UPLOAD_ROLE],
    sealKey: randomBytes(32).toString('base64'),
  });
  const stsTrustedCa = sts.stsCa;
  if (stsTrustedCa === undefined) throw new Error('sts-emulator: no CA in its ready message');
  log(`STS emulator on https://127.0.0.1:${sts.port} (latency ${STS_LATENCY_MS} ms)`);

  const brokerConfig = (keyPrefix: string): Record<string, unknown> => ({
    server: { host: '127.0.0.1', port: 0 },
    clients: [issuer.clientConfig(DEV_CLIENT_ID)],
    profiles: {
      uploads: {
        bucket: 'bench-bucket',
        region: 'cn-hangzhou',
        roleArn: UPLOAD_ROLE,
        prefix: 'uploads/${tenant}/${sub}/',
        operations: ['put', 'multipart'],
        fileTypes: { extensions: ['png', 'jpg'], contentTypes: ['image/png', 'image/jpeg'] },
        maxSizeBytes: 20 * MB,
        maxFiles: 3,
        clients: [DEV_CLIENT_ID],
      },
    },
    sts: {
      endpoint: `127.0.0.1:${sts.port}`,
      timeoutMs: 5000,
      maxAttempts: 3,
      maxCallsPerSecond: STS_MAX_CALLS_PER_SECOND,
    },
    redis: { url: REDIS_URL, keyPrefix },
    cache: { encryptionKey: cacheKey },
    rateLimits: { perIp: BENCH_RATE_LIMIT, perPrincipal: BENCH_RATE_LIMIT },
    logLevel: LOG_LEVEL,
  });
  const startBroker = (name: string): Promise<ChildServer> => {
    const keyPrefix = `osbbench:${runId}:${name}:`;
    prefixes.push(keyPrefix);
    return spawnServer(name, {
      kind: 'broker',
      config: brokerConfig(keyPrefix),
      devClientId: DEV_CLIENT_ID,
      devJwks: issuer.jwks,
      accessKey,
      stsTrustedCa,
      cacheKey,
      logLevel: LOG_LEVEL,
    });
  };

  try {
    // ---- 1. cache-hit throughput vs bare Express ------------------------------------------------------------
    const broker = await startBroker('broker-hot');
    log(`broker (cache-hit run) on :${broker.port}`);
    const hotHeaders = { authorization: `Bearer ${hotToken}`, 'content-type': 'application/json' };
    const first = await post(broker.port, hotHeaders);
    const second = await post(broker.port, hotHeaders);
    if (first.status !== 200 || second.status !== 200) {
      throw new Error(
        `broker answered ${first.status} / ${second.status} to the first requests: ${first.text.slice(0, 300)} | ${second.text.slice(0, 300)}`,
      );
    }
    const firstBody = JSON.parse(first.text) as { cached?: boolean };
    const secondBody = JSON.parse(second.text) as { cached?: boolean };
    if (firstBody.cached !== false || secondBody.cached !== true) {
      throw new Error(`expected a miss then a cache hit, got cached=${String(firstBody.cached)} then ${String(secondBody.cached)}`);
    }
    const baseline = await spawnServer('baseline', { kind: 'baseline', payload: sameShape(JSON.parse(second.text)) });
    log(`baseline (bare Express 5) on :${baseline.port}; response bodies: broker ${Buffer.byteLength(second.text)} B`);

    interface Round {
      target: 'baseline' | 'broker';
      result: CannonResult;
      /** CPU time the server process used per 2xx response in the measured window (all threads), µs. */
      cpuPerRequestUs: number;
    }
    const runOne = async (target: 'baseline' | 'broker'): Promise<Round> => {
      const server = target === 'baseline' ? baseline : broker;
      const common = {
        url: `http://127.0.0.1:${server.port}/v1/credentials`,
        headers: hotHeaders,
        body: REQUEST_BODY,
        connections: CONNECTIONS,
      };
      await cannon({ ...common, durationSeconds: WARMUP_SECONDS });
      const before = await server.stats();
      const result = await cannon({ ...common, durationSeconds: MEASURE_SECONDS });
      const after = await server.stats();
      const cpuPerRequestUs = (after.cpuMicros - before.cpuMicros) / Math.max(1, result.ok2xx);
      log(
        `${target.padEnd(8)} ${fmtInt(result.rps)} req/s (2xx ${result.ok2xx}, non-2xx ${result.non2xx}, errors ${result.errors}), p99 ${fmtMs(result.latency.p99)}, ` +
          `${fmtInt(cpuPerRequestUs)} µs CPU/request; rss ${fmtMb(after.rss)}, heap used ${fmtMb(after.heapUsed)}`,
      );
      return { target, result, cpuPerRequestUs };
    };
    const rounds: Round[] = [];
    // A-B-B-A: a slow drift of the machine's load affects both sides equally.
    for (const target of ['baseline', 'broker', 'broker', 'baseline'] as const) rounds.push(await runOne(target));
    const of = (t: 'baseline' | 'broker'): Round[] => rounds.filter((x) => x.target === t);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const baselineRps = mean(of('baseline').map((r) => r.result.rps));
    const brokerRps = mean(of('broker').map((r) => r.result.rps));
    const brokerNon2xx = of('broker').reduce((s, x) => s + x.result.non2xx + x.result.errors, 0);
    const ratio = brokerRps / baselineRps;
    // Interference on a shared machine only ever slows a round down, so the best round is the other estimate.
    const bestRatio = Math.max(...of('broker').map((r) => r.result.rps)) / Math.max(...of('baseline').map((r) => r.result.rps));
    // CPU per request is much less sensitive to that interference than throughput: the same question, asked of
    // what each request costs rather than how many got through.
    const baselineCpuUs = mean(of('baseline').map((r) => r.cpuPerRequestUs));
    const brokerCpuUs = mean(of('broker').map((r) => r.cpuPerRequestUs));
    const cpuRatio = baselineCpuUs / brokerCpuUs;
    // Latency at half the broker's throughput. autocannon's overallRate gives each connection a per-second
    // allowance that it spends back to back at the start of every second, so the server runs saturated for about
    // half of each second: its p99 is the saturated p99. The target is therefore judged on an open-loop run with
    // evenly spaced requests at the same rate, and the baseline is measured the same way as the floor that this
    // machine and load generator impose. The autocannon figure is reported too.
    const halfRate = Math.max(1, Math.round(brokerRps / 2));
    const evenly = async (target: ChildServer): Promise<LatencySummary> => {
      const run = await pacedRun({
        port: target.port,
        ratePerSecond: halfRate,
        durationSeconds: MEASURE_SECONDS,
        maxInFlight: 64,
        timeoutMs: 10_000,
        request: () => ({ path: '/v1/credentials', headers: hotHeaders, body: REQUEST_BODY, tag: target.name }),
      });
      return summarize(run.outcomes, run.elapsedMs);
    };
    await broker.stats(true);
    const halfPaced = await evenly(broker);
    const halfLoop = (await broker.stats()).loopDelayMs;
    log(`broker during the evenly spaced run: event-loop delay p99 ${fmtMs(halfLoop.p99)}, max ${fmtMs(halfLoop.max)}`);
    log(
      `half rate ${fmtInt(halfRate)} req/s, evenly spaced, broker: p50 ${fmtMs(halfPaced.p50)}, p99 ${fmtMs(halfPaced.p99)}, non-200 ${halfPaced.non200} ${JSON.stringify(halfPaced.byCode)}`,
    );
    log(`  slowest: ${halfPaced.slowest.map((o) => `${o.latencyMs}ms@${o.dueMs}`).join(' ')}`);
    const halfBaseline = await evenly(baseline);
    log(`half rate ${fmtInt(halfRate)} req/s, evenly spaced, baseline: p50 ${fmtMs(halfBaseline.p50)}, p99 ${fmtMs(halfBaseline.p99)}`);
    await baseline.stop();
    const half = await cannon({
      url: `http://127.0.0.1:${broker.port}/v1/credentials`,
      headers: hotHeaders,
      body: REQUEST_BODY,
      connections: CONNECTIONS,
      durationSeconds: MEASURE_SECONDS,
      overallRate: halfRate,
    });
    log(
      `half rate ${fmtInt(halfRate)} req/s, autocannon overallRate, broker: ${fmtInt(half.rps)} req/s, p50 ${fmtMs(half.latency.p50)}, p99 ${fmtMs(half.latency.p99)}`,
    );
    const hotRss = broker.vmHwm();
    await broker.stop();

    // ---- 2 + 3. Zipf workload over 1,000 principals, cold cache, STS with latency ------------------------
    const zipfBroker = await startBroker('broker-zipf');
    log(`broker (Zipf run) on :${zipfBroker.port}`);
    // JIT warm-up on a principal outside the Zipf set (one miss, then hits): the Zipf run then measures a running
    // replica meeting 1,000 principals it has no token for, not the first second of a process.
    await cannon({
      url: `http://127.0.0.1:${zipfBroker.port}/v1/credentials`,
      headers: hotHeaders,
      body: REQUEST_BODY,
      connections: CONNECTIONS,
      durationSeconds: WARMUP_SECONDS,
    });
    const stsBefore = (await sts.stats()).sts!;
    const rssAtStart = await zipfBroker.stats(true);
    const sample = zipfSampler(ZIPF_PRINCIPALS, ZIPF_EXPONENT, seededRandom(ZIPF_SEED));
    const zipf = await pacedRun({
      port: zipfBroker.port,
      ratePerSecond: ZIPF_RATE,
      durationSeconds: ZIPF_SECONDS,
      maxInFlight: ZIPF_MAX_IN_FLIGHT,
      timeoutMs: 10_000,
      request: () => {
        const rank = sample();
        return {
          path: '/v1/credentials',
          headers: { authorization: `Bearer ${zipfTokens[rank]!}`, 'content-type': 'application/json' },
          body: REQUEST_BODY,
          tag: `user${rank}`,
        };
      },
    });
    const zipfStats = await zipfBroker.stats();
    const stsSeen = await brokerMetrics(zipfBroker.port);
    const zipfHwm = zipfBroker.vmHwm();
    const stsDelta = statsDelta(stsBefore, (await sts.stats()).sts!);
    await zipfBroker.stop();
    log(
      `Zipf: ${zipf.outcomes.length} requests in ${(zipf.elapsedMs / 1000).toFixed(1)} s, ${stsDelta.assumeRoleCalls} AssumeRole calls; ` +
        `broker event-loop delay p99 ${fmtMs(zipfStats.loopDelayMs.p99)}, max ${fmtMs(zipfStats.loopDelayMs.max)}; ${stsSeen}`,
    );

    const sent = zipf.outcomes.filter((o) => o.status !== -1);
    const distinct = new Set(sent.map((o) => o.tag)).size;
    const byStatus = countBy(zipf.outcomes, (o) => (o.status === -1 ? 'not sent' : o.status === 0 ? 'transport error' : String(o.status)));
    const byCode = countBy(zipf.outcomes, (o) => `${o.status <= 0 ? '-' : o.status} ${o.code}`);
    const throttled = zipf.outcomes.filter((o) => o.status === 429 || o.status === 503).length;
    const zipfLatency = sent.map((o) => o.latencyMs).sort((a, b) => a - b);
    const hitLatency = sent
      .filter((o) => o.code === 'cached')
      .map((o) => o.latencyMs)
      .sort((a, b) => a - b);
    const fresh = sent
      .filter((o) => o.newConnection === true)
      .map((o) => o.latencyMs)
      .sort((a, b) => a - b);
    const connectTimes = sent.flatMap((o) => (o.connectMs === undefined ? [] : [o.connectMs])).sort((a, b) => a - b);
    const connections = `${fresh.length} requests opened a new connection (p99 ${fmtMs(percentile(fresh, 99))}; TCP connect p50 ${fmtMs(percentile(connectTimes, 50))}, max ${fmtMs(connectTimes[connectTimes.length - 1] ?? 0)})`;
    const zipfBySecond: Array<{ second: number; newPrincipals: number; p99: number }> = [];
    {
      const seen = new Set<string>();
      const ordered = [...sent].sort((a, b) => a.dueMs - b.dueMs);
      for (let second = 0; second < Math.ceil(ZIPF_SECONDS); second++) {
        const inSecond = ordered.filter((o) => o.dueMs >= second * 1000 && o.dueMs < (second + 1) * 1000);
        let fresh = 0;
        for (const o of inSecond) if (!seen.has(o.tag) && seen.add(o.tag)) fresh++;
        zipfBySecond.push({
          second: second + 1,
          newPrincipals: fresh,
          p99: percentile(
            inSecond.map((o) => o.latencyMs).sort((a, b) => a - b),
            99,
          ),
        });
      }
    }
    const assumeRatio = distinct === 0 ? 0 : stsDelta.assumeRoleCalls / distinct;
    const peakRss = Math.max(zipfStats.peakRss, zipfHwm ?? 0);

    // ---- report ----------------------------------------------------------------------------------------
    const cpu = os.cpus();
    const lines: string[] = [];
    lines.push(`# oss-sts-broker benchmark`);
    lines.push('');
    lines.push(
      `${new Date().toISOString()} · node ${process.version} · ${cpu.length} × ${cpu[0]?.model.trim() ?? 'cpu'} · load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')} · Redis ${REDIS_URL.replace(/\/\/[^@]*@/, '//***@')}`,
    );
    lines.push('');
    lines.push('| # | measurement | value | target | |');
    lines.push('|---|---|---:|---:|---|');
    lines.push(`| 1a | bare Express 5 JSON endpoint (baseline), 2xx req/s | ${fmtInt(baselineRps)} | | |`);
    lines.push(`| 1b | broker \`POST /v1/credentials\`, JWT, token-cache hit, 2xx req/s | ${fmtInt(brokerRps)} | | |`);
    lines.push(
      `| 1c | broker / baseline (mean of 2 rounds each; best round vs best round: ${(bestRatio * 100).toFixed(1)} %) | ${(ratio * 100).toFixed(1)} % | ≥ ${TARGETS.ratio * 100} % | ${verdict(ratio >= TARGETS.ratio)} |`,
    );
    lines.push(
      `| 1c′ | … as CPU cost: baseline ${fmtInt(baselineCpuUs)} µs / broker ${fmtInt(brokerCpuUs)} µs of server CPU per request (less sensitive to noise) | ${(cpuRatio * 100).toFixed(1)} % | | |`,
    );
    lines.push(
      `| 1d | broker p99 latency at half its throughput: ${fmtInt(halfRate)} req/s evenly spaced (p50 ${fmtMs(halfPaced.p50)}; broker event-loop delay p99 ${fmtMs(halfLoop.p99)}, max ${fmtMs(halfLoop.max)}) | ${fmtMs(halfPaced.p99)} | ≤ ${TARGETS.p99Ms} ms | ${verdict(halfPaced.p99 <= TARGETS.p99Ms && halfPaced.non200 === 0)} |`,
    );
    lines.push(`| 1e | … same rate to the baseline, for reference (p50 ${fmtMs(halfBaseline.p50)}) | ${fmtMs(halfBaseline.p99)} | | |`);
    lines.push(
      `| 1f | … same rate as autocannon \`overallRate\` (per-second bursts; p50 ${fmtMs(half.latency.p50)}) | ${fmtMs(half.latency.p99)} | | |`,
    );
    lines.push(
      `| 2a | Zipf requests offered (${fmtInt(ZIPF_RATE)} req/s × ${ZIPF_SECONDS} s, s = ${ZIPF_EXPONENT}, ${fmtInt(ZIPF_PRINCIPALS)} principals) | ${fmtInt(zipf.outcomes.length)} | | |`,
    );
    lines.push(`| 2b | distinct principals requested (= distinct cache keys) | ${fmtInt(distinct)} | | |`);
    lines.push(`| 2c | AssumeRole calls seen by the STS emulator | ${fmtInt(stsDelta.assumeRoleCalls)} | | |`);
    lines.push(
      `| 2d | AssumeRole calls / distinct principals | ${assumeRatio.toFixed(3)} | = ${TARGETS.assumeRatio.toFixed(1)} | ${verdict(stsDelta.assumeRoleCalls === distinct)} |`,
    );
    lines.push(`| 2e | responses 429 / 503 seen by clients | ${fmtInt(throttled)} | 0 | ${verdict(throttled === 0)} |`);
    lines.push(
      `| 3 | broker peak RSS under the Zipf load | ${fmtMb(peakRss)} | ≤ ${TARGETS.peakRssMb} MB | ${verdict(peakRss <= TARGETS.peakRssMb * MB)} |`,
    );
    lines.push('');
    lines.push('**Zipf responses** (status and problem code; `issued` = 200 after an AssumeRole, `cached` = 200 from the token cache):');
    lines.push('');
    lines.push('| status | code | count |');
    lines.push('|---|---|---:|');
    for (const [key, n] of Object.entries(byCode).sort((a, b) => b[1] - a[1])) {
      const [status, ...code] = key.split(' ');
      lines.push(`| ${status} | ${code.join(' ')} | ${fmtInt(n)} |`);
    }
    lines.push('');
    lines.push(
      `By status: ${Object.entries(byStatus)
        .map(([s, n]) => `${s}: ${fmtInt(n)}`)
        .join(', ')}. ` +
        `STS emulator by code: ${
          Object.entries(stsDelta.byCode)
            .map(([c, n]) => `${c}: ${fmtInt(n)}`)
            .join(', ') || 'none'
        }. ` +
        `Zipf latency p50 ${fmtMs(percentile(zipfLatency, 50))}, p99 ${fmtMs(percentile(zipfLatency, 99))} (cache hits only: p50 ${fmtMs(percentile(hitLatency, 50))}, p99 ${fmtMs(percentile(hitLatency, 99))}); ` +
        `run took ${(zipf.elapsedMs / 1000).toFixed(1)} s. ` +
        `Broker event-loop delay during the run: p99 ${fmtMs(zipfStats.loopDelayMs.p99)}, max ${fmtMs(zipfStats.loopDelayMs.max)}. ${stsSeen}. ${connections}.`,
    );
    lines.push('');
    lines.push(
      `Zipf by second (new principals = misses due; p99 of all responses): ${zipfBySecond.map((b) => `${b.second}s: ${b.newPrincipals} new, p99 ${fmtMs(b.p99)}`).join(' · ')}`,
    );
    lines.push('');
    lines.push('**Throughput rounds** (A-B-B-A, each after its own warm-up):');
    lines.push('');
    lines.push('| round | target | 2xx req/s | non-2xx | errors | p50 | p99 | server CPU / request |');
    lines.push('|---|---|---:|---:|---:|---:|---:|---:|');
    rounds.forEach((r, i) => {
      lines.push(
        `| ${i + 1} | ${r.target} | ${fmtInt(r.result.rps)} | ${r.result.non2xx} | ${r.result.errors} | ${fmtMs(r.result.latency.p50)} | ${fmtMs(r.result.latency.p99)} | ${fmtInt(r.cpuPerRequestUs)} µs |`,
      );
    });
    lines.push('');
    lines.push('**Settings**');
    lines.push('');
    lines.push(
      `- autocannon: ${CONNECTIONS} connections, pipelining 1, ${WARMUP_SECONDS} s warm-up then ${MEASURE_SECONDS} s measured, same settings for broker and baseline; half rate = ${fmtInt(halfRate)} req/s: evenly spaced open-loop requests (node:http, keep-alive) for 1d/1e, autocannon \`overallRate\` for 1f (it lets each connection spend its per-second allowance back to back, so the server is saturated for part of every second).`,
    );
    lines.push(
      `- Body \`${REQUEST_BODY}\` (${Buffer.byteLength(REQUEST_BODY)} B) with \`Authorization: Bearer <ES256 JWT>\` to both; the baseline (\`express.json()\` + \`res.json()\`) answers an object of the broker's response shape and size (${Buffer.byteLength(second.text)} B).`,
    );
    lines.push(
      `- Rate limits raised for the bench so they never refuse: \`rateLimits.perIp\` and \`rateLimits.perPrincipal\` = ${fmtInt(BENCH_RATE_LIMIT.limit)} per ${BENCH_RATE_LIMIT.windowSeconds} s (the limiters still run, against Redis, on every request).`,
    );
    lines.push(
      `- \`sts.maxCallsPerSecond\` = ${STS_MAX_CALLS_PER_SECOND}: one replica; STS allows ~100 AssumeRole/s per account, so one replica may take most of it (the default 20/s would refuse the cold-start misses with \`upstream_throttled\`).`,
    );
    lines.push(
      `- STS emulator in its own process, ${STS_LATENCY_MS} ms added per response; the broker reaches it through the official SDK over HTTPS. Zipf load is open-loop (requests start on schedule, at most ${ZIPF_MAX_IN_FLIGHT} in flight), seed ${ZIPF_SEED}, on a fresh broker process warmed up for ${WARMUP_SECONDS} s on one other principal, so the token cache is cold for all 1,000.`,
    );
    lines.push(
      `- The broker logs at \`${LOG_LEVEL}\` (request log + audit events, serialized as in production) to /dev/null; token cache L1 + Redis at defaults; Redis keys of the run deleted afterwards.`,
    );
    lines.push(
      `- Peak RSS = max(rss sampled every 100 ms in the broker process, VmHWM from /proc) of a fresh broker process that served only the Zipf run (sampled ${fmtMb(zipfStats.peakRss)}, VmHWM ${fmtMb(zipfHwm)}, rss at start ${fmtMb(rssAtStart.rss)}); the cache-hit broker's VmHWM was ${fmtMb(hotRss)}.`,
    );
    lines.push(
      `- Load generator (autocannon / node:http) in the parent process, each server in its own child process (${process.env.BENCH_TSX === '1' ? 'TypeScript under tsx' : 'plain `node` on a transpiled build, as production runs'}); ${cpu.length} cores shared with Redis. Total run ${((Date.now() - runStarted) / 1000).toFixed(0)} s.`,
    );
    lines.push('');
    lines.push('Targets are reported, not asserted: the machine is shared and noisy, and only the ratios are comparable between machines.');
    const markdown = lines.join('\n') + '\n';

    process.stdout.write('\n' + markdown);
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(new URL('./results/latest.md', import.meta.url), markdown);
    writeFileSync(
      new URL('./results/latest.json', import.meta.url),
      JSON.stringify(
        {
          baselineRps,
          brokerRps,
          ratio,
          bestRatio,
          baselineCpuUs,
          brokerCpuUs,
          cpuRatio,
          halfRate,
          halfPaced,
          halfBaseline,
          halfAutocannon: half,
          rounds,
          zipf: {
            requests: zipf.outcomes.length,
            distinct,
            assumeRoleCalls: stsDelta.assumeRoleCalls,
            byStatus,
            byCode,
            throttled,
            peakRss,
          },
        },
        null,
        2,
      ) + '\n',
    );
    log(`written ${RESULTS_DIR}latest.md`);
    if (brokerNon2xx > 0) log(`note: the broker answered ${brokerNon2xx} non-2xx or errors during the throughput rounds`);
  } finally {
    await sts.stop();
    const deleted = await deleteKeys(prefixes).catch(() => -1);
    if (deleted < 0) log("could not delete the run's Redis keys (they expire by themselves)");
  }
}

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) {
    const k = key(item);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench: the harness failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
