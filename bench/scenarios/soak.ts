/**
 * The opt-in memory soak (`npm run bench -- --soak`): 10,000 principals, each with its own JWT, requested
 * round-robin at 500 req/s for 5 minutes (every principal active every 20 s), once per store (Redis, then the
 * in-memory store), each on a fresh broker process started with --expose-gc.
 *
 * Reported per store: RSS over time (VmRSS from /proc every 10 s) with the JS heap in use, and the LIVE heap per
 * principal: (heap after a forced full GC at the end − the same after warm-up, before any of the principals) ÷
 * principals. Flat means RSS at the end is within 5 % of RSS half-way through.
 */
import type { ChildServer } from '../children.js';
import { REQUEST_BODY } from '../broker-config.js';
import { type BenchContext, mintTokens, startBroker } from '../context.js';
import { cannon, pacedRun } from '../load.js';
import { SETTINGS } from '../settings.js';
import { summarizePaced, type PacedSummary } from '../stats.js';

export interface SoakSample {
  atSeconds: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

export interface SoakResult {
  store: 'redis' | 'memory';
  summary: PacedSummary;
  samples: SoakSample[];
  liveHeapStart: number | null;
  liveHeapEnd: number | null;
  /** Bytes of live heap per principal; null when GC could not be forced. */
  liveHeapPerPrincipal: number | null;
  /** Highest RSS sampled during the run. */
  rssMax: number;
  /** VmHWM: the process's peak RSS over its whole life (warm-up included), from /proc. */
  vmHwm: number | undefined;
  rssHalfway: number;
  rssEnd: number;
  /** The first pass before the measured soak: each principal once, at `fillRate`. */
  fill: { seconds: number; summary: PacedSummary; peakRss: number; assumeRoleCalls: number };
  /** AssumeRole calls during the measured soak (refresh-ahead only, when every principal is filled). */
  assumeRoleCalls: number;
  cpuUs: number;
}

const fmtCount = (n: number): string => n.toLocaleString('en-US');

export async function runSoak(
  ctx: BenchContext,
  sts: ChildServer,
  store: 'redis' | 'memory',
  tokens: readonly string[],
): Promise<SoakResult> {
  const { soakRun } = SETTINGS;
  const [warmToken] = await mintTokens(ctx.issuer, `soak-warm-${store}`, 1);
  // The budget is raised above the fill rate, so the fill's pace is what bounds AssumeRole calls.
  const broker = await startBroker(ctx, `broker-soak-${store}`, { sts, maxCallsPerSecond: 1000, store, execArgv: ['--expose-gc'] });
  ctx.log(`broker-soak-${store} on :${broker.port}`);
  await cannon({
    url: `http://127.0.0.1:${broker.port}/v1/credentials`,
    tokens: [warmToken!],
    body: REQUEST_BODY,
    connections: SETTINGS.throughput.connections,
    durationSeconds: 2,
  });
  const liveHeapStart = await broker.liveHeap();

  // The fill: every principal's token once, at the pace STS allows an account. Without it the soak's first pass
  // met `rate` new principals a second, several times what STS would allow, and on a small machine the backlog of
  // that storm, not the steady state at 10,000 principals, set the memory figures.
  const stsBeforeFill = (await sts.stats()).sts!.assumeRoleCalls;
  await broker.stats(true);
  let filled = 0;
  const fillRun = await pacedRun({
    port: broker.port,
    ratePerSecond: soakRun.fillRate,
    durationSeconds: tokens.length / soakRun.fillRate,
    maxInFlight: soakRun.maxInFlight,
    timeoutMs: SETTINGS.requestTimeoutMs,
    request: () => {
      const index = filled++ % tokens.length;
      return {
        path: '/v1/credentials',
        headers: { authorization: `Bearer ${tokens[index]!}`, 'content-type': 'application/json' },
        body: REQUEST_BODY,
        tag: String(index),
      };
    },
  });
  const fill = {
    seconds: tokens.length / soakRun.fillRate,
    summary: summarizePaced(fillRun.outcomes, fillRun.offered),
    peakRss: (await broker.stats()).peakRss,
    assumeRoleCalls: (await sts.stats()).sts!.assumeRoleCalls - stsBeforeFill,
  };
  ctx.log(
    `soak ${store}: filled ${fmtCount(tokens.length)} principals in ${fill.seconds.toFixed(0)} s, peak RSS ${(fill.peakRss / 2 ** 20).toFixed(1)} MB`,
  );

  const stsBefore = (await sts.stats()).sts!.assumeRoleCalls;
  const cpuBefore = broker.cpuMicros();
  const started = performance.now();
  const samples: SoakSample[] = [];
  const takeSample = async (): Promise<void> => {
    const stats = await broker.stats();
    samples.push({
      atSeconds: (performance.now() - started) / 1000,
      rss: broker.memory()?.rss ?? stats.rss,
      heapUsed: stats.heapUsed,
      heapTotal: stats.heapTotal,
      external: stats.external,
    });
  };
  await takeSample();
  const sampler = setInterval(() => {
    void takeSample().catch(() => undefined);
  }, soakRun.sampleSeconds * 1000);
  let next = 0;
  const run = await pacedRun({
    port: broker.port,
    ratePerSecond: soakRun.rate,
    durationSeconds: soakRun.seconds,
    maxInFlight: soakRun.maxInFlight,
    timeoutMs: SETTINGS.requestTimeoutMs,
    request: () => {
      const index = next++ % tokens.length;
      return {
        path: '/v1/credentials',
        headers: { authorization: `Bearer ${tokens[index]!}`, 'content-type': 'application/json' },
        body: REQUEST_BODY,
        tag: String(index),
      };
    },
  });
  clearInterval(sampler);
  await takeSample();
  const cpuUs = (broker.cpuMicros() - cpuBefore) / Math.max(1, run.outcomes.filter((o) => o.status > 0).length);
  const liveHeapEnd = await broker.liveHeap();
  const assumeRoleCalls = (await sts.stats()).sts!.assumeRoleCalls - stsBefore;
  const vmHwm = broker.memory()?.hwm;
  await broker.stop();

  const halfway = samples.reduce((best, s) =>
    Math.abs(s.atSeconds - soakRun.seconds / 2) < Math.abs(best.atSeconds - soakRun.seconds / 2) ? s : best,
  );
  return {
    store,
    summary: summarizePaced(run.outcomes, run.offered),
    samples,
    liveHeapStart,
    liveHeapEnd,
    liveHeapPerPrincipal: liveHeapStart === null || liveHeapEnd === null ? null : (liveHeapEnd - liveHeapStart) / tokens.length,
    rssMax: Math.max(...samples.map((s) => s.rss)),
    vmHwm,
    rssHalfway: halfway.rss,
    rssEnd: samples[samples.length - 1]!.rss,
    fill,
    assumeRoleCalls,
    cpuUs,
  };
}
