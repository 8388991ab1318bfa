/**
 * Scenario 1: the cache hit.
 *
 * Five targets, measured in interleaved rounds (each round measures every target once; the order alternates
 * forward and backward, so a slow drift of the shared machine touches every target alike):
 * - `express`: bare Express 5, `express.json()` + `res.json()` of an object shaped and sized like the broker's answer;
 * - `limit`: the limit baseline, Express + ONE Redis round trip (a small EVALSHA) + the same answer: the least a cache
 *   hit that counts anything in Redis can cost;
 * - `fair`: Express + ES256 JWT verify (jose, no memo) + one Redis GET, the same answer;
 * - `realistic`: the broker on the example profile, the hot set of principals round-robin, each with its own JWT;
 * - `best`: the same broker process, one principal and one token (every in-process memo hits): the best case.
 * Every target gets the same requests (the baselines ignore who is asking, except `fair`, which verifies the JWT).
 * Throughput is 2xx answers per second under autocannon (closed loop); CPU per request is the server process's
 * utime + stime from /proc over the measured window divided by the answers it gave; allocation per request is the
 * bytes the server's JS heap allocated over the same window (bench/server.ts) divided by the answers.
 *
 * Then latency at half the realistic broker's throughput: open-loop paced runs, broker and bare Express alternately
 * (broker, express, express, broker), latency from each request's scheduled time, with each server's event-loop
 * delay over its runs.
 */
import type { ChildServer } from '../children.js';
import { REQUEST_BODY } from '../broker-config.js';
import { type BenchContext, mintTokens, postOnce, sameShape, startBroker, touchAll } from '../context.js';
import { cannon, pacedRun, type CannonResult, type PacedOutcome } from '../load.js';
import { spawnServer } from '../children.js';
import { SETTINGS } from '../settings.js';
import {
  slowDuringPauses,
  spread,
  summarizePaced,
  summarizePauses,
  type PacedSummary,
  type PauseSummary,
  type Spread,
  type TimedRun,
} from '../stats.js';

export type TargetKey = 'express' | 'limit' | 'fair' | 'best' | 'realistic';

export const TARGET_LABELS: Record<TargetKey, string> = {
  express: 'bare Express 5 (`express.json()` + `res.json()`)',
  limit: 'limit baseline: Express + one Redis round trip (EVALSHA) + the broker-sized body',
  fair: 'fair baseline: Express + ES256 JWT verify + one Redis GET',
  best: 'broker cache hit, BEST CASE: one principal, one token',
  realistic: `broker cache hit, realistic: ${SETTINGS.hotPrincipals.toLocaleString('en-US')} principals round-robin, example profile, quotas`,
};

export interface Round {
  round: number;
  target: TargetKey;
  result: CannonResult;
  /** Server CPU (utime + stime) per answer in the measured window, µs. */
  cpuUs: number;
  /** Bytes the server's JS heap allocated per answer in the measured window. */
  allocBytes: number;
  /** Collections in the measured window, and their summed pause (ms) per 1,000 answers. */
  collections: number;
  gcPauseMsPerThousand: number;
}

export interface PacedRunResult {
  target: 'realistic' | 'express';
  summary: PacedSummary;
  cpuUs: number;
}

export interface CacheHitResult {
  rounds: Round[];
  byTarget: Record<TargetKey, { rps: Spread; cpuUs: Spread; allocBytes: Spread; gcPauseMsPerThousand: Spread; failed: number }>;
  /** Per-round ratios of a broker target to bare Express: req/s (broker / express) and CPU (broker / express). */
  ratios: Record<'realistic' | 'best', { rps: Spread; cpu: Spread }>;
  /** Per-round ratios of a broker target to the limit baseline (the targets). */
  limitRatios: Record<'realistic' | 'best', { rps: Spread; cpu: Spread }>;
  /** Realistic broker vs the fair baseline, per round. */
  fairRatios: { rps: Spread; cpu: Spread };
  /** AssumeRole calls the emulator saw during the rounds (0 = every measured request was a cache hit). */
  assumeRoleDuringRounds: number;
  responseBytes: number;
  halfRate: number;
  paced: PacedRunResult[];
  latency: Record<'realistic' | 'express', PacedSummary>;
  /** Event-loop delay of each server over its two paced runs (10 ms resolution subtracted), ms. */
  loopDelay: { p99: number; max: number };
  expressLoopDelay: { p99: number; max: number };
  /**
   * Each server's GC pauses over its two paced runs, and how many of its answers at or above its own p99 were in
   * flight during one (charged to the longest pause they overlapped).
   */
  gc: Record<'realistic' | 'express', { pauses: PauseSummary; runSeconds: number; slow: ReturnType<typeof slowDuringPauses> }>;
  hotVmHwm: number | undefined;
}

const ORDER: TargetKey[] = ['express', 'limit', 'fair', 'best', 'realistic'];

export async function runCacheHit(ctx: BenchContext, sts: ChildServer): Promise<CacheHitResult> {
  const { log } = ctx;
  const hotTokens = await mintTokens(ctx.issuer, 'hot', SETTINGS.hotPrincipals);
  const [bestToken] = await mintTokens(ctx.issuer, 'best', 1);
  log(`minted ${hotTokens.length + 1} JWTs for the cache-hit targets`);

  // The budget is raised for this broker only so that warming the hot set takes seconds, not a minute; the rounds
  // then make no AssumeRole call at all (checked below).
  const broker = await startBroker(ctx, 'broker-hot', { sts, maxCallsPerSecond: 1000 });
  const first = await postOnce(broker.port, bestToken!);
  const second = await postOnce(broker.port, bestToken!);
  if (first.status !== 200 || second.status !== 200) {
    throw new Error(`broker answered ${first.status} / ${second.status}: ${first.text.slice(0, 300)} | ${second.text.slice(0, 300)}`);
  }
  const cachedFlags = [JSON.parse(first.text).cached, JSON.parse(second.text).cached];
  if (cachedFlags[0] !== false || cachedFlags[1] !== true) throw new Error(`expected a miss then a hit, got cached=${cachedFlags}`);
  const warmFailures = await touchAll(broker.port, hotTokens, 20);
  if (Object.keys(warmFailures).length > 0) throw new Error(`warming the hot set failed: ${JSON.stringify(warmFailures)}`);
  log(`broker-hot on :${broker.port}; ${hotTokens.length} hot principals hold a cached token`);

  const payload = sameShape(JSON.parse(second.text));
  const entry = { entry: ctx.built.serverEntry, pin: SETTINGS.pin };
  const express = await spawnServer('express', { kind: 'baseline', payload }, entry);
  const limitPrefix = `osbbench:${ctx.runId}:limit:`;
  ctx.prefixes.push(limitPrefix);
  const limit = await spawnServer('limit', { kind: 'limit', payload, redisUrl: SETTINGS.redisUrl, keyPrefix: limitPrefix }, entry);
  const fairPrefix = `osbbench:${ctx.runId}:fair:`;
  ctx.prefixes.push(fairPrefix);
  const fair = await spawnServer(
    'fair',
    {
      kind: 'fair',
      payload,
      jwks: ctx.issuer.jwks,
      issuer: ctx.issuer.issuer,
      audience: ctx.issuer.audience,
      redisUrl: SETTINGS.redisUrl,
      keyPrefix: fairPrefix,
    },
    entry,
  );
  // The fair baseline writes each subject's value on its first request: do that before the rounds, as for the broker.
  const fairFailures = await touchAll(fair.port, hotTokens, 20);
  if (Object.keys(fairFailures).length > 0) throw new Error(`warming the fair baseline failed: ${JSON.stringify(fairFailures)}`);
  const servers: Record<TargetKey, ChildServer> = { express, limit, fair, best: broker, realistic: broker };
  const tokens: Record<TargetKey, readonly string[]> = {
    express: hotTokens,
    limit: hotTokens,
    fair: hotTokens,
    best: [bestToken!],
    realistic: hotTokens,
  };

  const stsBefore = (await sts.stats()).sts!.assumeRoleCalls;
  const rounds: Round[] = [];
  const { connections, warmupSeconds, measureSeconds } = SETTINGS.throughput;
  for (let round = 1; round <= SETTINGS.throughput.rounds; round++) {
    const order = round % 2 === 1 ? ORDER : [...ORDER].reverse();
    for (const target of order) {
      const common = {
        url: `http://127.0.0.1:${servers[target].port}/v1/credentials`,
        tokens: tokens[target],
        body: REQUEST_BODY,
        connections,
      };
      await cannon({ ...common, durationSeconds: warmupSeconds });
      await servers[target].allocStart();
      const cpuBefore = servers[target].cpuMicros();
      const result = await cannon({ ...common, durationSeconds: measureSeconds });
      const cpuUs = (servers[target].cpuMicros() - cpuBefore) / Math.max(1, result.responses);
      const alloc = await servers[target].allocStop();
      const answers = Math.max(1, result.responses);
      const allocBytes = alloc.bytes / answers;
      const gcPauseMsPerThousand = (alloc.gcPauseMs / answers) * 1000;
      rounds.push({ round, target, result, cpuUs, allocBytes, collections: alloc.collections, gcPauseMsPerThousand });
      log(
        `round ${round} ${target.padEnd(9)} ${Math.round(result.rps)} 2xx/s, ${Math.round(cpuUs)} µs CPU/answer, ` +
          `${Math.round(allocBytes)} B allocated/answer, GC ${gcPauseMsPerThousand.toFixed(1)} ms/1000, ` +
          `non-2xx ${result.non2xx}, errors ${result.errors}`,
      );
    }
  }
  const assumeRoleDuringRounds = (await sts.stats()).sts!.assumeRoleCalls - stsBefore;

  const of = (target: TargetKey): Round[] => rounds.filter((r) => r.target === target);
  const byTarget = Object.fromEntries(
    ORDER.map((t) => [
      t,
      {
        rps: spread(of(t).map((r) => r.result.rps)),
        cpuUs: spread(of(t).map((r) => r.cpuUs)),
        allocBytes: spread(of(t).map((r) => r.allocBytes)),
        gcPauseMsPerThousand: spread(of(t).map((r) => r.gcPauseMsPerThousand)),
        failed: of(t).reduce((n, r) => n + r.result.non2xx + r.result.errors, 0),
      },
    ]),
  ) as CacheHitResult['byTarget'];
  const perRound = (a: TargetKey, b: TargetKey, f: (x: Round, y: Round) => number): Spread =>
    spread(of(a).map((x) => f(x, of(b).find((y) => y.round === x.round)!)));
  const ratioPair = (t: TargetKey, base: TargetKey) => ({
    rps: perRound(t, base, (x, y) => x.result.rps / y.result.rps),
    cpu: perRound(t, base, (x, y) => x.cpuUs / y.cpuUs),
  });
  const ratios = { realistic: ratioPair('realistic', 'express'), best: ratioPair('best', 'express') };
  const limitRatios = { realistic: ratioPair('realistic', 'limit'), best: ratioPair('best', 'limit') };
  const fairRatios = ratioPair('realistic', 'fair');
  await Promise.all([fair.stop(), limit.stop()]);

  // ---- latency at half the realistic broker's throughput ----------------------------------------------------------
  const halfRate = Math.max(1, Math.round(byTarget.realistic.rps.median / 2));
  let hot = 0;
  const paced: PacedRunResult[] = [];
  const outcomes: Record<'realistic' | 'express', PacedOutcome[]> = { realistic: [], express: [] };
  const offered: Record<'realistic' | 'express', number> = { realistic: 0, express: 0 };
  const timed: Record<'realistic' | 'express', TimedRun[]> = { realistic: [], express: [] };
  const halfRateRun = (target: 'realistic' | 'express', durationSeconds: number) =>
    pacedRun({
      port: servers[target].port,
      ratePerSecond: halfRate,
      durationSeconds,
      maxInFlight: SETTINGS.latency.maxInFlight,
      timeoutMs: SETTINGS.requestTimeoutMs,
      request: () => ({
        path: '/v1/credentials',
        headers: { authorization: `Bearer ${hotTokens[hot++ % hotTokens.length]}`, 'content-type': 'application/json' },
        body: REQUEST_BODY,
        tag: target,
      }),
    });
  // The generator's own first open-loop run is its slowest (its paced-send code is not yet optimized): its send lag
  // would fall on whichever server is measured first, always the broker. One unmeasured run against each takes it.
  for (const target of ['express', 'realistic'] as const) await halfRateRun(target, SETTINGS.latency.warmupSeconds);
  await Promise.all([broker.stats(true), express.stats(true)]);
  for (const target of ['realistic', 'express', 'express', 'realistic'] as const) {
    const server = servers[target];
    const cpuBefore = server.cpuMicros();
    const run = await halfRateRun(target, SETTINGS.latency.seconds);
    const answered = run.outcomes.filter((o) => o.status > 0).length;
    const summary = summarizePaced(run.outcomes, run.offered);
    paced.push({ target, summary, cpuUs: (server.cpuMicros() - cpuBefore) / Math.max(1, answered) });
    outcomes[target].push(...run.outcomes);
    offered[target] += run.offered;
    const pauses = (await server.pauses(run.startedEpochMs)).filter((p) => p.atEpochMs <= run.startedEpochMs + run.elapsedMs);
    timed[target].push({ outcomes: run.outcomes, startedEpochMs: run.startedEpochMs, pauses });
    log(`half rate ${halfRate}/s ${target}: p50 ${summary.p50.toFixed(2)} ms, p99 ${summary.p99.toFixed(2)} ms, failed ${summary.failed}`);
  }
  const loop = (await broker.stats()).loopDelayMs;
  const expressLoop = (await express.stats()).loopDelayMs;
  const latency = {
    realistic: summarizePaced(outcomes.realistic, offered.realistic),
    express: summarizePaced(outcomes.express, offered.express),
  };
  const gcOf = (target: 'realistic' | 'express') => ({
    pauses: summarizePauses(timed[target].flatMap((run) => run.pauses)),
    runSeconds: SETTINGS.latency.seconds * timed[target].length,
    slow: slowDuringPauses(timed[target], latency[target].p99),
  });
  const gc = { realistic: gcOf('realistic'), express: gcOf('express') };
  const hotVmHwm = broker.memory()?.hwm;
  await express.stop();
  await broker.stop();
  return {
    rounds,
    byTarget,
    ratios,
    limitRatios,
    fairRatios,
    assumeRoleDuringRounds,
    responseBytes: Buffer.byteLength(second.text),
    halfRate,
    paced,
    latency,
    loopDelay: { p99: loop.p99, max: loop.max },
    expressLoopDelay: { p99: expressLoop.p99, max: expressLoop.max },
    gc,
    hotVmHwm,
  };
}
