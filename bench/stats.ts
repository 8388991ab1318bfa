/** Small statistics for the report: percentiles, medians with their spread, and paced-run summaries. */
import type { PacedOutcome } from './load.js';
import type { GcPause } from './protocol.js';

/** Nearest-rank percentile of an ascending array (0 for an empty one). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

export function ascending(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** Median and range of a set of round results. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(values: readonly number[]): Spread {
  const sorted = ascending(values);
  const n = sorted.length;
  if (n === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n };
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[n - 1]!, n };
}

export function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) {
    const k = key(item);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

/** A paced run in numbers. Latency percentiles are over 2xx responses, from their scheduled (due) times. */
export interface PacedSummary {
  offered: number;
  ok2xx: number;
  /** HTTP answers outside 2xx. */
  non2xx: number;
  /** Transport errors and client timeouts. */
  errors: number;
  /** Never sent before the run's deadline. */
  dropped: number;
  /** Every request that was not a 2xx answer: what counts against a PASS. */
  failed: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** How late the generator sent requests after their due time (p99, ms): its own share of the latency. */
  sendLagP99: number;
  byCode: Record<string, number>;
  /** The slowest requests: when they were due (ms into the run), their scheduled-time latency and their answer. */
  slowest: Array<{ dueMs: number; latencyMs: number; code: string }>;
}

export function summarizePaced(outcomes: readonly PacedOutcome[], offered: number): PacedSummary {
  const ok = outcomes.filter((o) => o.status >= 200 && o.status < 300);
  const latencies = ascending(ok.map((o) => o.latencyMs));
  const non2xx = outcomes.filter((o) => o.status >= 300 || (o.status > 0 && o.status < 200)).length;
  const errors = outcomes.filter((o) => o.status === 0).length;
  const dropped = outcomes.filter((o) => o.status === -1).length + Math.max(0, offered - outcomes.length);
  return {
    offered,
    ok2xx: ok.length,
    non2xx,
    errors,
    dropped,
    failed: non2xx + errors + dropped,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? 0,
    sendLagP99: percentile(ascending(outcomes.filter((o) => o.sendLagMs >= 0).map((o) => o.sendLagMs)), 99),
    byCode: countBy(outcomes, (o) => `${o.status <= 0 ? (o.status === 0 ? 'error' : 'dropped') : o.status} ${o.code}`),
    slowest: outcomes
      .filter((o) => Number.isFinite(o.latencyMs))
      .sort((a, b) => b.latencyMs - a.latencyMs)
      .slice(0, 5)
      .map((o) => ({ dueMs: Math.round(o.dueMs), latencyMs: Math.round(o.latencyMs * 10) / 10, code: `${o.status} ${o.code}` })),
  };
}

/** A server's garbage-collection pauses over some runs, by kind: how many, their summed and longest pause. */
export type PauseSummary = Record<GcPause['kind'], { count: number; totalMs: number; maxMs: number }>;

export function summarizePauses(pauses: readonly GcPause[]): PauseSummary {
  const summary = {} as PauseSummary;
  for (const p of pauses) {
    const s = summary[p.kind] ?? { count: 0, totalMs: 0, maxMs: 0 };
    summary[p.kind] = s;
    s.count += 1;
    s.totalMs += p.ms;
    s.maxMs = Math.max(s.maxMs, p.ms);
  }
  return summary;
}

/** A paced run's answers with their wall-clock window, and the server's pauses over that run. */
export interface TimedRun {
  outcomes: readonly PacedOutcome[];
  startedEpochMs: number;
  pauses: readonly GcPause[];
}

/**
 * Of the 2xx answers at or above a latency, how many were in flight (from their due time to their answer) while
 * the server was paused by a collection, and by which kind: whether the tail is made of GC pauses or of something
 * else (queueing, the generator, the machine).
 */
export function slowDuringPauses(
  runs: readonly TimedRun[],
  atLeastMs: number,
): { slow: number; duringPause: number; byKind: Record<string, number> } {
  let slow = 0;
  let duringPause = 0;
  const byKind: Record<string, number> = {};
  for (const run of runs) {
    for (const o of run.outcomes) {
      if (o.status < 200 || o.status >= 300 || !(o.latencyMs >= atLeastMs)) continue;
      slow += 1;
      const from = run.startedEpochMs + o.dueMs;
      const to = from + o.latencyMs;
      const hit = run.pauses.filter((p) => p.atEpochMs < to && p.atEpochMs + p.ms > from);
      if (hit.length === 0) continue;
      duringPause += 1;
      // Charged to the longest pause it overlapped.
      const longest = hit.reduce((a, b) => (b.ms > a.ms ? b : a));
      byKind[longest.kind] = (byKind[longest.kind] ?? 0) + 1;
    }
  }
  return { slow, duringPause, byKind };
}
