/**
 * `npm run bench`: the broker's load benchmark, against the compiled build (dist/), loopback only, bounded in time.
 * Reports ratios against baselines measured in the same run and PASS / MISS per target; targets are reported, never
 * asserted (exit 0 unless the harness itself broke). bench/README.md says what each figure includes.
 *
 * Default run (~2.5 minutes): 1. the cache hit (throughput and CPU per request in interleaved rounds against bare
 * Express and a fair baseline, then latency at half throughput); 2. a Zipf workload on a cold cache; 3. a hot key
 * crossing its refresh point with STS slowed to 500 ms.
 * `npm run bench -- --soak` (~14 minutes): the 10,000-principal memory soak, Redis store then memory store.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { createDevIssuer } from '../dev/issuer/dev-issuer.js';
import { buildServers } from './build.js';
import { createContext, deleteKeys, mintTokens, startSts, type BenchContext } from './context.js';
import { pin } from './proc.js';
import { cacheHitReport, defaultReport, soakReport, type RunMeta } from './report.js';
import { runCacheHit } from './scenarios/cache-hit.js';
import { runRefresh } from './scenarios/refresh.js';
import { runSoak, type SoakResult } from './scenarios/soak.js';
import { runZipf } from './scenarios/zipf-run.js';
import { SETTINGS } from './settings.js';

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
/** Stop the whole run if something hangs: the children exit with us (IPC disconnect). */
const OVERALL_DEADLINE_MS = (SETTINGS.soak ? 30 : 8) * 60_000;

const log = (line: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`bench: ${signal}, stopping\n`);
    process.exit(130);
  });
}

function commit(): string {
  try {
    const root = fileURLToPath(new URL('../', import.meta.url));
    const hash = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: root, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${hash} (src/ modified)` : hash;
  } catch {
    return 'unknown';
  }
}

function write(name: string, markdown: string, json: unknown): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(new URL(`./results/${name}.md`, import.meta.url), markdown);
  writeFileSync(new URL(`./results/${name}.json`, import.meta.url), JSON.stringify(json, null, 2) + '\n');
  log(`written ${RESULTS_DIR}${name}.md and ${name}.json`);
}

async function defaultRun(ctx: BenchContext, meta: Omit<RunMeta, 'totalSeconds' | 'loadAfter'>): Promise<void> {
  const sts = await startSts(ctx, 'sts-emulator', SETTINGS.stsLatencyMs);
  const slowSts = await startSts(ctx, 'sts-emulator-slow', SETTINGS.refresh.stsLatencyMs);
  log(`STS emulators on :${sts.port} (${SETTINGS.stsLatencyMs} ms) and :${slowSts.port} (${SETTINGS.refresh.stsLatencyMs} ms)`);
  try {
    const hit = await runCacheHit(ctx, sts);
    if (SETTINGS.cacheHitOnly) {
      const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
      const { rps, cpu } = hit.limitRatios.realistic;
      log(
        `--cache-hit-only: realistic/limit req/s ${pct(rps.median)} (${pct(rps.min)} – ${pct(rps.max)}), CPU ${cpu.median.toFixed(2)}× (${cpu.min.toFixed(2)}× – ${cpu.max.toFixed(2)}×); ` +
          `allocated ${Math.round(hit.byTarget.realistic.allocBytes.median)} B/request; p99 half rate ${(hit.latency.realistic.p99 / hit.latency.express.p99).toFixed(2)}× Express; ` +
          `event-loop delay p99 ${hit.loopDelay.p99.toFixed(2)} ms`,
      );
      const full: RunMeta = { ...meta, totalSeconds: (Date.now() - meta.startedAt.getTime()) / 1000, loadAfter: os.loadavg() };
      const markdown = cacheHitReport(full, hit);
      process.stdout.write('\n' + markdown);
      write('cache-hit', markdown, { meta: full, settings: SETTINGS, cacheHit: hit });
      return;
    }
    const zipf = await runZipf(ctx, sts);
    const refresh = await runRefresh(ctx, slowSts);
    const full: RunMeta = { ...meta, totalSeconds: (Date.now() - meta.startedAt.getTime()) / 1000, loadAfter: os.loadavg() };
    const markdown = defaultReport(full, hit, zipf, refresh);
    process.stdout.write('\n' + markdown);
    write('latest', markdown, { meta: full, settings: SETTINGS, cacheHit: hit, zipf, refresh });
  } finally {
    await Promise.all([sts.stop(), slowSts.stop()]);
  }
}

async function soakRun(ctx: BenchContext, meta: Omit<RunMeta, 'totalSeconds' | 'loadAfter'>): Promise<void> {
  const sts = await startSts(ctx, 'sts-emulator', SETTINGS.stsLatencyMs);
  try {
    const tokens = await mintTokens(ctx.issuer, 'soak', SETTINGS.soakRun.principals);
    log(`minted ${tokens.length} JWTs; each store runs ${SETTINGS.soakRun.seconds} s`);
    const results: SoakResult[] = [];
    for (const store of SETTINGS.soakRun.stores) {
      const result = await runSoak(ctx, sts, store, tokens);
      log(`soak ${store}: RSS half-way ${(result.rssHalfway / 2 ** 20).toFixed(1)} MB → end ${(result.rssEnd / 2 ** 20).toFixed(1)} MB`);
      results.push(result);
    }
    const full: RunMeta = { ...meta, totalSeconds: (Date.now() - meta.startedAt.getTime()) / 1000, loadAfter: os.loadavg() };
    const markdown = soakReport(full, results);
    process.stdout.write('\n' + markdown);
    write('soak', markdown, { meta: full, settings: SETTINGS, soak: results });
  } finally {
    await sts.stop();
  }
}

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    process.stderr.write(`bench: not finished after ${OVERALL_DEADLINE_MS / 60_000} minutes, giving up\n`);
    process.exit(1);
  }, OVERALL_DEADLINE_MS);
  deadline.unref();
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  if (SETTINGS.pin && !pin(process.pid, '0')) log('BENCH_PIN=1 but taskset failed: not pinned');
  const built = buildServers();
  log(`npm run build (dist/) in ${built.buildSeconds.toFixed(1)} s; harness transpiled`);
  const issuer = await createDevIssuer({ issuer: 'https://issuer.bench.local/', audience: 'oss-sts-broker-bench' });
  const ctx = await createContext(built, issuer, log);
  const cpu = os.cpus();
  const meta = {
    startedAt,
    node: process.version,
    cpus: `${cpu.length} × ${cpu[0]?.model.trim() ?? 'cpu'}`,
    loadBefore,
    commit: commit(),
    buildSeconds: built.buildSeconds,
  };
  try {
    if (SETTINGS.soak) await soakRun(ctx, meta);
    else await defaultRun(ctx, meta);
  } finally {
    const deleted = await deleteKeys(ctx.prefixes).catch(() => -1);
    if (deleted < 0) log("could not delete the run's Redis keys (they expire by themselves)");
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench: the harness failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
