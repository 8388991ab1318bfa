/**
 * Scenario 2: a Zipf workload on a cold cache. Open-loop requests at a fixed rate, principals drawn with a seeded
 * Zipf sampler (s = 1 over 1,000 by default), against a fresh broker process warmed up on one principal outside the
 * set, with STS answering after a realistic delay. What it shows: one AssumeRole per distinct principal (the token
 * cache and its single flight hold under concurrency), every answer a 2xx, and the broker's peak RSS.
 */
import type { ChildServer } from '../children.js';
import { REQUEST_BODY } from '../broker-config.js';
import { type BenchContext, mintTokens, startBroker } from '../context.js';
import { cannon, pacedRun } from '../load.js';
import { SETTINGS } from '../settings.js';
import { ascending, countBy, percentile, summarizePaced, type PacedSummary } from '../stats.js';
import { seededRandom, zipfSampler } from '../zipf.js';

export interface ZipfResult {
  summary: PacedSummary;
  distinct: number;
  assumeRoleCalls: number;
  stsByCode: Record<string, number>;
  byCode: Record<string, number>;
  hitP50: number;
  hitP99: number;
  cpuUs: number;
  peakRss: number;
  rssAtStart: number;
  vmHwm: number | undefined;
  loopDelay: { p99: number; max: number };
  bySecond: Array<{ second: number; newPrincipals: number; p99: number }>;
  elapsedMs: number;
}

export async function runZipf(ctx: BenchContext, sts: ChildServer): Promise<ZipfResult> {
  const { zipf } = SETTINGS;
  const tokens = await mintTokens(ctx.issuer, 'zipf', zipf.principals);
  const [warmToken] = await mintTokens(ctx.issuer, 'zipf-warm', 1);
  const broker = await startBroker(ctx, 'broker-zipf', { sts, maxCallsPerSecond: SETTINGS.zipfStsMaxCallsPerSecond });
  ctx.log(`broker-zipf on :${broker.port}`);
  // JIT warm-up on a principal outside the Zipf set (one miss, then hits): the run then measures a running replica
  // meeting principals it has no token for, not the first second of a process.
  await cannon({
    url: `http://127.0.0.1:${broker.port}/v1/credentials`,
    tokens: [warmToken!],
    body: REQUEST_BODY,
    connections: SETTINGS.throughput.connections,
    durationSeconds: SETTINGS.throughput.warmupSeconds,
  });
  const stsBefore = (await sts.stats()).sts!;
  const start = await broker.stats(true);
  const cpuBefore = broker.cpuMicros();
  const sample = zipfSampler(zipf.principals, zipf.exponent, seededRandom(zipf.seed));
  const run = await pacedRun({
    port: broker.port,
    ratePerSecond: zipf.rate,
    durationSeconds: zipf.seconds,
    maxInFlight: zipf.maxInFlight,
    timeoutMs: SETTINGS.requestTimeoutMs,
    request: () => {
      const rank = sample();
      return {
        path: '/v1/credentials',
        headers: { authorization: `Bearer ${tokens[rank]!}`, 'content-type': 'application/json' },
        body: REQUEST_BODY,
        tag: `zipf${rank}`,
      };
    },
  });
  const cpuAfter = broker.cpuMicros();
  const after = await broker.stats();
  const stsAfter = (await sts.stats()).sts!;
  const vmHwm = broker.memory()?.hwm;
  await broker.stop();

  const sent = run.outcomes.filter((o) => o.status !== -1);
  const stsByCode: Record<string, number> = {};
  for (const [code, n] of Object.entries(stsAfter.byCode)) {
    const d = n - (stsBefore.byCode[code] ?? 0);
    if (d !== 0) stsByCode[code] = d;
  }
  const hits = ascending(sent.filter((o) => o.code === 'cached').map((o) => o.latencyMs));
  const bySecond: ZipfResult['bySecond'] = [];
  const seen = new Set<string>();
  const ordered = [...sent].sort((a, b) => a.dueMs - b.dueMs);
  for (let second = 0; second < Math.ceil(zipf.seconds); second++) {
    const inSecond = ordered.filter((o) => o.dueMs >= second * 1000 && o.dueMs < (second + 1) * 1000);
    let fresh = 0;
    for (const o of inSecond) if (!seen.has(o.tag) && seen.add(o.tag)) fresh++;
    bySecond.push({ second: second + 1, newPrincipals: fresh, p99: percentile(ascending(inSecond.map((o) => o.latencyMs)), 99) });
  }
  return {
    summary: summarizePaced(run.outcomes, run.offered),
    distinct: new Set(sent.map((o) => o.tag)).size,
    assumeRoleCalls: stsAfter.assumeRoleCalls - stsBefore.assumeRoleCalls,
    stsByCode,
    byCode: countBy(run.outcomes, (o) => `${o.status <= 0 ? '-' : o.status} ${o.code}`),
    hitP50: percentile(hits, 50),
    hitP99: percentile(hits, 99),
    cpuUs: (cpuAfter - cpuBefore) / Math.max(1, sent.filter((o) => o.status > 0).length),
    peakRss: Math.max(after.peakRss, vmHwm ?? 0),
    rssAtStart: start.rss,
    vmHwm,
    loopDelay: { p99: after.loopDelayMs.p99, max: after.loopDelayMs.max },
    bySecond,
    elapsedMs: run.elapsedMs,
  };
}
