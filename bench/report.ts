/**
 * The benchmark's report as markdown: targets first (PASS / MISS, never asserted), then each scenario's numbers,
 * then the settings, which say what every figure includes. A target PASSes only when its figure meets the goal AND
 * every request behind it was answered with a 2xx: non-2xx answers, transport errors and dropped requests all count
 * against it.
 */
import { BENCH_PROFILE, EXAMPLE_CONFIG_PATH, REQUEST_BODY, SUBSTITUTIONS } from './broker-config.js';
import { CLOCK_TICKS_PER_SECOND } from './proc.js';
import type { CacheHitResult, TargetKey } from './scenarios/cache-hit.js';
import { TARGET_LABELS } from './scenarios/cache-hit.js';
import type { RefreshResult } from './scenarios/refresh.js';
import type { SoakResult } from './scenarios/soak.js';
import type { ZipfResult } from './scenarios/zipf-run.js';
import { SETTINGS, TARGETS } from './settings.js';
import type { PacedSummary, Spread } from './stats.js';

const MB = 1024 * 1024;
export const fmtInt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
export const fmtMs = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(n < 10 ? 2 : 1)} ms` : 'n/a');
export const fmtMb = (n: number | undefined | null): string => (n === undefined || n === null ? 'n/a' : `${(n / MB).toFixed(1)} MB`);
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
const times = (x: number): string => `${x.toFixed(2)}×`;
const range = (s: Spread, f: (x: number) => string): string => (s.n > 1 ? `${f(s.median)} (${f(s.min)} – ${f(s.max)})` : f(s.median));

/** PASS when the goal is met and nothing failed; otherwise MISS with the reasons. */
function verdict(goalMet: boolean, failed: number, extra: string[] = []): string {
  const reasons = [...extra];
  if (!goalMet) reasons.push('goal not met');
  if (failed > 0) reasons.push(`${fmtInt(failed)} request(s) not answered 2xx`);
  return reasons.length === 0 ? 'PASS' : `MISS (${reasons.join('; ')})`;
}

function failedText(s: PacedSummary): string {
  const failures = Object.entries(s.byCode)
    .filter(([key]) => !key.startsWith('2'))
    .sort((a, b) => b[1] - a[1])
    .map(([key, n]) => `${key} ${fmtInt(n)}`);
  const detail = failures.length === 0 ? '' : `: ${failures.join(', ')}`;
  return `${fmtInt(s.failed)} (non-2xx ${fmtInt(s.non2xx)}, errors ${fmtInt(s.errors)}, dropped ${fmtInt(s.dropped)}${detail})`;
}

export interface RunMeta {
  startedAt: Date;
  totalSeconds: number;
  node: string;
  cpus: string;
  loadBefore: number[];
  loadAfter: number[];
  commit: string;
  buildSeconds: number;
}

function header(meta: RunMeta, title: string): string[] {
  const load = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');
  return [
    `# ${title}`,
    '',
    `${meta.startedAt.toISOString()} · node ${meta.node} · ${meta.cpus} · commit ${meta.commit} · load average before ${load(meta.loadBefore)}, after ${load(meta.loadAfter)} · run took ${fmtInt(meta.totalSeconds)} s`,
    '',
    'The machine may be shared and busy: absolute figures move from run to run; the ratios against baselines measured in the same run are what to compare. Targets are reported, never asserted.',
    '',
  ];
}

/** The cache-hit targets (1-3 of the default report): the limit-baseline ratios and the tail. */
function cacheHitTargetRows(hit: CacheHitResult): string[] {
  const realistic = hit.byTarget.realistic;
  const limit = hit.byTarget.limit;
  const throughputFailed = realistic.failed + limit.failed;
  const notAllHits =
    hit.assumeRoleDuringRounds > 0
      ? [`${hit.assumeRoleDuringRounds} AssumeRole call(s) during the rounds: not every request was a cache hit`]
      : [];
  const latencyFailed = hit.latency.realistic.failed + hit.latency.express.failed;
  const p99Ratio = hit.latency.realistic.p99 / hit.latency.express.p99;
  const { rps, cpu } = hit.limitRatios.realistic;
  return [
    `| 1 | cache hit throughput, realistic broker / limit baseline (median of ${rps.n} per-round ratios, range) | ${range(rps, pct)} | ≥ ${pct(TARGETS.rpsRatio)} | ${verdict(rps.median >= TARGETS.rpsRatio, throughputFailed, notAllHits)} |`,
    `| 2 | cache hit CPU per request, realistic broker / limit baseline (median of per-round ratios, range) | ${range(cpu, times)} | ≤ ${times(TARGETS.cpuRatio)} | ${verdict(cpu.median <= TARGETS.cpuRatio, throughputFailed, notAllHits)} |`,
    `| 3 | p99 at half the realistic broker's throughput (${fmtInt(hit.halfRate)} req/s, scheduled-time): broker ${fmtMs(hit.latency.realistic.p99)} vs bare Express ${fmtMs(hit.latency.express.p99)} | ${times(p99Ratio)} | ≤ ${times(TARGETS.p99Ratio)} | ${verdict(p99Ratio <= TARGETS.p99Ratio, latencyFailed)} |`,
  ];
}

/** `npm run bench -- --cache-hit-only`: the cache-hit targets and section alone. */
export function cacheHitReport(meta: RunMeta, hit: CacheHitResult): string {
  const lines = header(meta, 'oss-sts-broker benchmark: cache hit only');
  lines.push('## Targets', '', '| # | target | measured | goal | verdict |', '|---|---|---:|---:|---|', ...cacheHitTargetRows(hit), '');
  lines.push(...cacheHitSection(hit), ...commonSettings(meta), ...defaultSettings(hit));
  return lines.join('\n') + '\n';
}

export function defaultReport(meta: RunMeta, hit: CacheHitResult, zipf: ZipfResult, refresh: RefreshResult): string {
  const lines = header(meta, 'oss-sts-broker benchmark');
  const zipfOk = zipf.assumeRoleCalls === zipf.distinct;
  const replaced = refresh.distinctTokens >= 2;

  lines.push('## Targets', '');
  lines.push('| # | target | measured | goal | verdict |', '|---|---|---:|---:|---|');
  lines.push(...cacheHitTargetRows(hit));
  lines.push(
    `| 4 | Zipf, cold cache: AssumeRole calls / distinct principals (${fmtInt(zipf.assumeRoleCalls)} / ${fmtInt(zipf.distinct)}) | ${(zipf.assumeRoleCalls / Math.max(1, zipf.distinct)).toFixed(3)} | = ${TARGETS.assumeRatio.toFixed(3)} | ${verdict(zipfOk, zipf.summary.failed)} |`,
  );
  lines.push(
    `| 5 | Zipf: broker peak RSS | ${fmtMb(zipf.peakRss)} | ≤ ${TARGETS.peakRssMb} MB | ${verdict(zipf.peakRss <= TARGETS.peakRssMb * MB, zipf.summary.failed)} |`,
  );
  lines.push(
    `| 6 | hot key crossing its refresh point, STS ${refresh.stsLatencyMs} ms: client requests that waited on STS (of ${fmtInt(refresh.summary.offered)}) | ${fmtInt(refresh.waited)} | 0 | ${verdict(refresh.waited === 0, refresh.summary.failed, replaced ? [] : ['the token was not replaced inside the window: scenario not measured'])} |`,
  );
  lines.push('');
  lines.push('Memory at 10,000 principals (RSS ≤ 200 MB and flat, both stores) is measured by the opt-in soak: `npm run bench -- --soak`.');
  lines.push('');
  lines.push(...cacheHitSection(hit));

  // ---- Zipf --------------------------------------------------------------------------------------------------------
  lines.push(
    `## 2. Zipf, cold cache: ${fmtInt(SETTINGS.zipf.rate)} req/s × ${SETTINGS.zipf.seconds} s, s = ${SETTINGS.zipf.exponent}, ${fmtInt(SETTINGS.zipf.principals)} principals, STS ${SETTINGS.stsLatencyMs} ms`,
    '',
  );
  lines.push('| status | code | count |', '|---|---|---:|');
  for (const [key, n] of Object.entries(zipf.byCode).sort((a, b) => b[1] - a[1])) {
    const [status, ...code] = key.split(' ');
    lines.push(`| ${status} | ${code.join(' ')} | ${fmtInt(n)} |`);
  }
  lines.push('');
  lines.push(
    `Offered ${fmtInt(zipf.summary.offered)}, not 2xx ${failedText(zipf.summary)}; distinct principals ${fmtInt(zipf.distinct)}; AssumeRole calls ${fmtInt(zipf.assumeRoleCalls)} ` +
      `(emulator by code: ${
        Object.entries(zipf.stsByCode)
          .map(([c, n]) => `${c} ${fmtInt(n)}`)
          .join(', ') || 'none'
      }). ` +
      `Scheduled-time latency, all 2xx: p50 ${fmtMs(zipf.summary.p50)}, p99 ${fmtMs(zipf.summary.p99)}, max ${fmtMs(zipf.summary.max)}; cache hits only: p50 ${fmtMs(zipf.hitP50)}, p99 ${fmtMs(zipf.hitP99)}. ` +
      `Server CPU per answer ${fmtInt(zipf.cpuUs)} µs. Peak RSS ${fmtMb(zipf.peakRss)} (VmHWM ${fmtMb(zipf.vmHwm)}, RSS at start ${fmtMb(zipf.rssAtStart)}). ` +
      `Event-loop delay p99 ${fmtMs(zipf.loopDelay.p99)}, max ${fmtMs(zipf.loopDelay.max)}. Run took ${(zipf.elapsedMs / 1000).toFixed(1)} s.`,
  );
  lines.push('');
  lines.push(
    `By second (new principals = misses due; p99 of that second): ${zipf.bySecond.map((b) => `${b.second}s ${b.newPrincipals} new, p99 ${fmtMs(b.p99)}`).join(' · ')}`,
  );
  lines.push('');

  // ---- refresh -----------------------------------------------------------------------------------------------------
  lines.push(`## 3. Hot key crossing its refresh point, STS ${refresh.stsLatencyMs} ms`, '');
  lines.push(
    `One principal at ${fmtInt(SETTINGS.refresh.rate)} req/s for ${refresh.runSeconds.toFixed(1)} s (open loop); its token stopped being reusable ${refresh.crossingAtSeconds.toFixed(1)} s into the run. ` +
      `Requests that waited on STS (scheduled-time latency ≥ ${fmtInt(refresh.waitThresholdMs)} ms): **${fmtInt(refresh.waited)}** of ${fmtInt(refresh.summary.offered)}, ` +
      `of which ${fmtInt(refresh.waitedBeforeCrossing)} were due before the crossing (no refresh is due then: those are machine stalls, or a refresh ahead of time that made callers wait). ` +
      `Answers with \`cached: false\`: ${fmtInt(refresh.issued)}; with \`stale: true\`: ${fmtInt(refresh.stale)}; distinct AccessKeyIds served: ${fmtInt(refresh.distinctTokens)} ` +
      `(${refresh.distinctTokens >= 2 ? 'the token was replaced inside the window' : 'NOT replaced inside the window'}); AssumeRole calls during the run: ${fmtInt(refresh.assumeRoleCalls)}. ` +
      `Not 2xx: ${failedText(refresh.summary)}. Latency p50 ${fmtMs(refresh.summary.p50)}, p99 ${fmtMs(refresh.summary.p99)}, max ${fmtMs(refresh.summary.max)}. Server CPU per answer ${fmtInt(refresh.cpuUs)} µs.`,
  );
  lines.push('');

  lines.push(...commonSettings(meta), ...defaultSettings(hit));
  return lines.join('\n') + '\n';
}

/** Scenario 1 and 1b: every target's figures, the rounds, and the paced runs. */
function cacheHitSection(hit: CacheHitResult): string[] {
  const lines: string[] = [];
  const express = hit.byTarget.express;
  const limit = hit.byTarget.limit;
  lines.push(`## 1. Cache hit: throughput, CPU and allocation per request (${hit.ratios.realistic.rps.n} interleaved rounds)`, '');
  lines.push(
    '| target | 2xx req/s, median (min – max) | server CPU per answer, median (min – max) | JS heap allocated per answer | GC pause per 1,000 answers | req/s vs limit baseline | CPU vs limit baseline | req/s vs bare Express | CPU vs bare Express | not 2xx |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const key of ['express', 'limit', 'fair', 'best', 'realistic'] as TargetKey[]) {
    const t = hit.byTarget[key];
    const broker = key === 'realistic' || key === 'best';
    const vsRps = broker ? range(hit.ratios[key].rps, pct) : pct(t.rps.median / express.rps.median);
    const vsCpu = broker ? range(hit.ratios[key].cpu, times) : times(t.cpuUs.median / express.cpuUs.median);
    const vsLimitRps = broker ? range(hit.limitRatios[key].rps, pct) : pct(t.rps.median / limit.rps.median);
    const vsLimitCpu = broker ? range(hit.limitRatios[key].cpu, times) : times(t.cpuUs.median / limit.cpuUs.median);
    lines.push(
      `| ${TARGET_LABELS[key]} | ${range(t.rps, fmtInt)} | ${range(t.cpuUs, (x) => `${fmtInt(x)} µs`)} | ${range(t.allocBytes, (x) => `${fmtInt(x)} B`)} | ${fmtMs(t.gcPauseMsPerThousand.median)} | ${vsLimitRps} | ${vsLimitCpu} | ${vsRps} | ${vsCpu} | ${fmtInt(t.failed)} |`,
    );
  }
  lines.push('');
  lines.push(
    `Realistic broker vs the fair baseline (Express + JWT verify + one Redis GET): req/s ${range(hit.fairRatios.rps, pct)}, CPU ${range(hit.fairRatios.cpu, times)}. ` +
      `The previous round's goal, realistic vs bare Express (≥ 75 % req/s, ≤ 1.33× CPU), is the req/s and CPU vs bare Express columns. ` +
      `The best case (one principal) is shown for reference only; the targets are judged on the realistic hot set. ` +
      `AssumeRole calls during the measured rounds: ${fmtInt(hit.assumeRoleDuringRounds)} (0 = every measured broker request was a cache hit). ` +
      `Cache-hit broker VmHWM over its life: ${fmtMb(hit.hotVmHwm)}.`,
  );
  lines.push('');
  lines.push(
    '| round | target | 2xx req/s | not 2xx | errors (timeouts) | CPU per answer | allocated per answer | collections | closed-loop p50 | closed-loop p99 |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of hit.rounds) {
    lines.push(
      `| ${r.round} | ${r.target} | ${fmtInt(r.result.rps)} | ${fmtInt(r.result.non2xx)} | ${fmtInt(r.result.errors)} (${fmtInt(r.result.timeouts)}) | ${fmtInt(r.cpuUs)} µs | ${fmtInt(r.allocBytes)} B | ${fmtInt(r.collections)} | ${fmtMs(r.result.latency.p50)} | ${fmtMs(r.result.latency.p99)} |`,
    );
  }
  lines.push('');

  lines.push(`## 1b. Latency at half the realistic broker's throughput: ${fmtInt(hit.halfRate)} req/s, open loop`, '');
  lines.push(
    '| run | offered | not 2xx (non-2xx, errors, dropped) | p50 | p90 | p99 | max | generator send lag p99 | server CPU per answer |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|',
  );
  const pacedRow = (name: string, s: PacedSummary, cpu?: number): string =>
    `| ${name} | ${fmtInt(s.offered)} | ${failedText(s)} | ${fmtMs(s.p50)} | ${fmtMs(s.p90)} | ${fmtMs(s.p99)} | ${fmtMs(s.max)} | ${fmtMs(s.sendLagP99)} | ${cpu === undefined ? '' : `${fmtInt(cpu)} µs`} |`;
  hit.paced.forEach((p, i) => lines.push(pacedRow(`${i + 1}. ${p.target}`, p.summary, p.cpuUs)));
  lines.push(pacedRow('**realistic broker, both runs**', hit.latency.realistic));
  lines.push(pacedRow('**bare Express, both runs**', hit.latency.express));
  lines.push('');
  lines.push(
    `**Event-loop delay** over these runs (monitorEventLoopDelay in the server process, 10 ms resolution subtracted): broker p99 ${fmtMs(hit.loopDelay.p99)}, max ${fmtMs(hit.loopDelay.max)}; bare Express p99 ${fmtMs(hit.expressLoopDelay.p99)}, max ${fmtMs(hit.expressLoopDelay.max)}. ` +
      `Slowest broker requests (due at ms → latency): ${hit.latency.realistic.slowest.map((s) => `${s.dueMs} → ${s.latencyMs} ms (${s.code})`).join(', ')}.`,
  );
  lines.push('');
  lines.push(
    "**Garbage-collection pauses** over the same runs (PerformanceObserver in the server process), and the answers at or above each server's own p99 that were in flight during one (charged to the longest pause they overlapped):",
    '',
    '| server | scavenges (count, total, longest) | mark-compacts | incremental marking steps | GC pause per second of run | answers ≥ own p99 | of them during a pause (by kind) |',
    '|---|---|---|---|---:|---:|---|',
  );
  for (const target of ['realistic', 'express'] as const) {
    const { pauses, runSeconds, slow } = hit.gc[target];
    const kind = (k: keyof typeof pauses): string => {
      const p = pauses[k];
      return p === undefined ? '0' : `${fmtInt(p.count)}, ${fmtMs(p.totalMs)}, ${fmtMs(p.maxMs)}`;
    };
    const total = Object.values(pauses).reduce((n, p) => n + p.totalMs, 0);
    const byKind = Object.entries(slow.byKind)
      .map(([k, n]) => `${k} ${fmtInt(n)}`)
      .join(', ');
    lines.push(
      `| ${target} | ${kind('scavenge')} | ${kind('mark-compact')} | ${kind('incremental')} | ${fmtMs(total / runSeconds)} | ${fmtInt(slow.slow)} | ${fmtInt(slow.duringPause)}${byKind ? ` (${byKind})` : ''} |`,
    );
  }
  lines.push('');

  return lines;
}

/** What every run shares: the build, the broker's configuration, the request, and how CPU and latency are taken. */
function commonSettings(meta: RunMeta): string[] {
  return [
    '## Settings: what each figure includes',
    '',
    `- **Build**: the broker runs the compiled build, \`npm run build\` → dist/ (${meta.buildSeconds.toFixed(1)} s this run), under plain \`node\`, one server per child process; the load generators (autocannon, and a node:http open-loop generator) run in the parent. ${SETTINGS.pin ? 'Servers pinned to the last CPU, the generator to CPU 0 (BENCH_PIN=1).' : 'No CPU pinning: servers, generator and Redis share the cores.'}`,
    `- **Broker configuration**: \`${EXAMPLE_CONFIG_PATH}\` as shipped, profile \`${BENCH_PROFILE}\` (its file types, size limit, key naming, conditions, both quota windows), its rate-limit windows, cache and server settings, with these substitutions: ${SUBSTITUTIONS.join('; ')}. So every broker request passes helmet, CORS, the per-IP and per-principal rate limits (both counts in one Redis round trip), JWT verification (the broker's own memo included), the profile rules, the request quota (every window in one script) and the byte quota's reservation (both in one more round trip), the token cache (the in-process layer: no store call on a hit) and the audit line, logged at \`${SETTINGS.logLevel}\` through production's asynchronous, batched log destination, to /dev/null.`,
    `- **Request**: \`POST /v1/credentials\`, body \`${REQUEST_BODY}\`, \`Authorization: Bearer <ES256 JWT>\`, the same for every target.`,
    "- **Allocation per request**: the bytes the server's JS heap allocated over the measured window, divided by the answers: heap in use at the end − at the start + what each collection in between freed (v8.GCProfiler, which reads the heap statistics around every collection; Node 20 has no allocation counter). Buffers outside the JS heap (socket data) are not included. GC pause = the summed cost GCProfiler reports for those collections.",
    `- **CPU per request**: utime + stime of the server process (every thread: JS, GC, libuv) from /proc/<pid>/stat, read by the parent before and after the measured window (resolution 1/${CLOCK_TICKS_PER_SECOND} s), divided by the answers given in it (2xx or not). It excludes Redis's own CPU and the load generator's.`,
    `- **Latency** of the open-loop runs: request i is due at start + i/rate; latency runs from that due time to the last byte of the answer, so time a request spent waiting for the generator or for a free slot counts (no coordinated omission). \`dueMs\` in the JSON is that due time; the send-lag column shows how late the generator actually sent. Percentiles are over 2xx answers. Every non-2xx answer, transport error, client timeout (${SETTINGS.requestTimeoutMs / 1000} s) and request still unsent ${SETTINGS.requestTimeoutMs / 1000} s after its due time (dropped) is counted and fails the target it belongs to.`,
    '- Every server listens on 127.0.0.1 with an ephemeral port; the run stops by itself; the Redis keys of the run are deleted at the end.',
  ];
}

function defaultSettings(hit: CacheHitResult): string[] {
  const t = SETTINGS.throughput;
  return [
    `- **Baselines**: bare Express answers an object of the broker's response shape and size (${fmtInt(hit.responseBytes)} B) from \`express.json()\` + \`res.json()\`. The limit baseline (targets 1, 2) adds ONE Redis round trip before answering: an EVALSHA of a fixed-window INCR (PEXPIRE on the first hit) on a key of the caller's, as one rate-limit count is; no authentication, no audit line. The fair baseline adds jose \`jwtVerify\` (ES256, same key set, issuer and audience; no memo) and one Redis GET of a per-subject key holding a value of that size (written on a subject's first request).`,
    `- **Throughput** (targets 1, 2): autocannon, ${t.connections} connections, pipelining 1, closed loop; per target and round ${t.warmupSeconds} s warm-up then ${t.measureSeconds} s measured; ${t.rounds} rounds, order express → limit → fair → best → realistic, reversed every other round. req/s = 2xx answers ÷ measured seconds. The realistic target and both baselines rotate the bearer token over ${fmtInt(SETTINGS.hotPrincipals)} principals (one counter shared by all connections); the best case sends one token to the same broker process. The hot set is warmed (each principal's token issued) before the rounds, with \`sts.maxCallsPerSecond\` 1,000 on that broker so warming takes seconds. Ratios are taken per round (each broker target against the limit baseline and bare Express of the same round), then the median and range of those ratios. The closed-loop p50/p99 in the rounds table are service times under saturation, not the latency target.`,
    `- **Latency at half throughput** (target 3): half rate = half the realistic broker's median req/s; after one unmeasured ${SETTINGS.latency.warmupSeconds} s run against each (the generator's own warm-up), open-loop runs broker, Express, Express, broker, ${SETTINGS.latency.seconds} s each, the ${fmtInt(SETTINGS.hotPrincipals)} tokens round-robin, at most ${SETTINGS.latency.maxInFlight} in flight, keep-alive connections; the percentiles pool both runs of a target.`,
    `- **Zipf** (targets 4, 5): a fresh broker process, warmed up ${t.warmupSeconds} s on one principal outside the set; seed ${SETTINGS.zipf.seed}; at most ${SETTINGS.zipf.maxInFlight} in flight; STS emulator with ${SETTINGS.stsLatencyMs} ms per answer; \`sts.maxCallsPerSecond\` = ${SETTINGS.zipfStsMaxCallsPerSecond} (one replica may use most of the account's ~100 AssumeRole/s; the example's 20/s would answer the cold start with upstream_throttled). Peak RSS = max(RSS sampled every 100 ms in the process, VmHWM).`,
    `- **Hot-key refresh** (target 6): profile durationSeconds 900 and \`cache.minRemainingSeconds\` ${900 - SETTINGS.refresh.reuseSeconds}, so a token is reusable for ~${SETTINGS.refresh.reuseSeconds} s (STS Expiration has whole seconds, so up to 1 s less); a fresh broker warmed up on another principal; the hot principal's token is issued just before the run, which lasts until ${SETTINGS.refresh.afterSeconds} s after the crossing. STS emulator with ${SETTINGS.refresh.stsLatencyMs} ms per answer; the example's budget (20/s). "Waited on STS" = scheduled-time latency ≥ 80 % of the STS delay: a cache hit never takes that long unless the machine stalls.`,
    '',
  ];
}

export function soakReport(meta: RunMeta, results: SoakResult[]): string {
  const lines = header(meta, 'oss-sts-broker memory soak');
  const s = SETTINGS.soakRun;
  lines.push('## Targets', '');
  lines.push(
    '| store | peak RSS (sampled; VmHWM) | RSS half-way → end | live heap per principal | not 2xx | verdict: ≤ 200 MB and flat |',
    '|---|---:|---:|---:|---:|---|',
  );
  for (const r of results) {
    const peak = Math.max(r.rssMax, r.vmHwm ?? 0);
    const flat = r.rssEnd <= r.rssHalfway * (1 + TARGETS.soakFlatFraction);
    lines.push(
      `| ${r.store} | ${fmtMb(r.rssMax)}; ${fmtMb(r.vmHwm)} | ${fmtMb(r.rssHalfway)} → ${fmtMb(r.rssEnd)} | ${r.liveHeapPerPrincipal === null ? 'n/a' : `${fmtInt(r.liveHeapPerPrincipal)} B`} | ${failedText(r.summary)} | ${verdict(peak <= TARGETS.peakRssMb * MB && flat, r.summary.failed, flat ? [] : ['RSS still rising'])} |`,
    );
  }
  lines.push('');
  for (const r of results) {
    lines.push(`## ${r.store} store`, '');
    lines.push(
      `Fill (each principal once at ${fmtInt(s.fillRate)}/s, before the measured soak): ${r.fill.seconds.toFixed(0)} s, ${fmtInt(r.fill.assumeRoleCalls)} AssumeRole calls, peak RSS ${fmtMb(r.fill.peakRss)}, not 2xx: ${failedText(r.fill.summary)}. ` +
        `Live heap after a forced full GC: ${fmtMb(r.liveHeapStart)} after warm-up → ${fmtMb(r.liveHeapEnd)} at the end, ${r.liveHeapPerPrincipal === null ? 'n/a' : `${fmtInt(r.liveHeapPerPrincipal)} B`} per principal. ` +
        `AssumeRole calls during the soak ${fmtInt(r.assumeRoleCalls)}; server CPU per answer ${fmtInt(r.cpuUs)} µs; latency p50 ${fmtMs(r.summary.p50)}, p99 ${fmtMs(r.summary.p99)}, max ${fmtMs(r.summary.max)}.`,
      '',
    );
    lines.push('| t (s) | RSS | JS heap used | JS heap reserved | external (Buffers) |', '|---:|---:|---:|---:|---:|');
    for (const s of r.samples) {
      lines.push(`| ${s.atSeconds.toFixed(0)} | ${fmtMb(s.rss)} | ${fmtMb(s.heapUsed)} | ${fmtMb(s.heapTotal)} | ${fmtMb(s.external)} |`);
    }
    lines.push('');
  }
  lines.push(...commonSettings(meta));
  lines.push(
    `- **Soak**: per store a fresh broker process started with \`--expose-gc\` (it only exposes gc(); collection is unchanged), warmed up 2 s on one principal outside the set; then the fill: each of ${fmtInt(s.principals)} principals (each with its own JWT) once, at ${fmtInt(s.fillRate)} req/s (about the AssumeRole rate STS allows an account), not measured but its peak RSS reported; then the measured soak: the same principals round-robin at ${fmtInt(s.rate)} req/s for ${s.seconds} s, open loop (at most ${s.maxInFlight} in flight), so every principal is active every ${(s.principals / s.rate).toFixed(0)} s. STS emulator ${SETTINGS.stsLatencyMs} ms; \`sts.maxCallsPerSecond\` 1,000 (the fill's pace is the bound). RSS is VmRSS from /proc every ${s.sampleSeconds} s; live heap per principal = (heap used after a forced full GC at the end − the same after warm-up) ÷ principals. Flat = RSS at the end ≤ RSS half-way + ${TARGETS.soakFlatFraction * 100} %. The memory store's broker runs with local mode's relaxation (no Redis); everything else as above.`,
    '',
  );
  return lines.join('\n') + '\n';
}
