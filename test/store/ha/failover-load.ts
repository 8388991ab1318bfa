/**
 * Bounded load through two broker replicas while the Redis master dies, plus a write probe that measures what the
 * failover lost. The load stops by itself: after `maxRequests`, or once the broker has answered normally for a run of
 * `recoveredAfter` requests after the kill, or at the deadline (a bound, not an assertion).
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster, Redis } from 'ioredis';
import { type Answer, askCredentials } from './broker-pair.js';
import { waitFor } from './redis-processes.js';

export interface TimedAnswer extends Answer {
  /** ms since the load started, when the request was sent / answered. */
  sentAt: number;
  doneAt: number;
}

export interface LoadResult {
  answers: TimedAnswer[];
  /** ms since the load started at which the master was killed. */
  killedAt: number;
  /** Why the load stopped: the broker recovered, or a bound was hit. */
  stoppedBy: 'recovered' | 'maxRequests' | 'deadline';
}

export interface LoadOptions {
  urls: string[];
  jwt: string;
  profile: string;
  /** Kill the master once this many requests have been answered. */
  killAfter: number;
  kill: () => Promise<void>;
  concurrency: number;
  /** Pause between one worker's requests, so a few hundred requests span the whole failover. */
  gapMs: number;
  maxRequests: number;
  recoveredAfter: number;
  /** ...and not before this many quota refusals after the kill, so the limit is shown to hold after the failover. */
  minQuotaRefusals: number;
  deadlineMs: number;
}

export async function loadThroughFailover(options: LoadOptions): Promise<LoadResult> {
  const started = performance.now();
  const now = () => Math.round(performance.now() - started);
  const answers: TimedAnswer[] = [];
  let sent = 0;
  let killedAt = -1;
  let killing: Promise<void> | undefined;
  let normalSinceKill = 0;
  let quotaRefusalsSinceKill = 0;
  let stoppedBy: LoadResult['stoppedBy'] | undefined;

  const finished = (): boolean => {
    if (stoppedBy !== undefined) return true;
    if (killedAt >= 0 && normalSinceKill >= options.recoveredAfter && quotaRefusalsSinceKill >= options.minQuotaRefusals) {
      stoppedBy = 'recovered';
    } else if (sent >= options.maxRequests) stoppedBy = 'maxRequests';
    else if (now() > options.deadlineMs) stoppedBy = 'deadline';
    return stoppedBy !== undefined;
  };

  async function worker(): Promise<void> {
    while (!finished()) {
      const i = sent++;
      const sentAt = now();
      let answer: Answer;
      try {
        answer = await askCredentials(options.urls[i % options.urls.length]!, options.jwt, options.profile);
      } catch (error) {
        // The broker itself never went away; a transport failure here is a finding, recorded as status 0.
        answer = { status: 0, code: String(error), retryAfter: null, contentType: null, cached: undefined, accessKeyId: undefined };
      }
      answers.push({ ...answer, sentAt, doneAt: now() });
      if (killedAt >= 0 && sentAt > killedAt) {
        normalSinceKill = answer.status === 503 ? 0 : normalSinceKill + 1;
        if (answer.code === 'quota_exceeded') quotaRefusalsSinceKill++;
      }
      if (killing === undefined && answers.length >= options.killAfter) {
        killedAt = now();
        killing = options.kill();
      }
      await sleep(options.gapMs);
    }
  }

  await Promise.all(Array.from({ length: options.concurrency }, worker));
  await killing;
  return { answers, killedAt, stoppedBy: stoppedBy ?? 'maxRequests' };
}

/**
 * Writes unique members to a set on the master that is about to die, several hundred a second, and remembers
 * which writes the master acknowledged. Read after the failover, the set shows exactly which acknowledged writes the
 * new master never received: the asynchronous-replication window that a failover can lose.
 */
export function startWriteProbe(client: Redis | Cluster, key: string) {
  const acknowledged: string[] = [];
  let failed = 0;
  let running = true;
  const loop = (async () => {
    for (let n = 0; running; n++) {
      try {
        await client.sadd(key, String(n));
        acknowledged.push(String(n));
        await sleep(1); // a few hundred writes a second: plenty to hit the window, gentle on two shared cores
      } catch {
        failed++;
        await sleep(20);
      }
    }
  })();
  return {
    async stop(): Promise<{ acknowledged: number; failed: number; lostAcknowledged: number }> {
      running = false;
      await loop;
      // The probe's own client follows the failover too; give it the same few seconds the broker gets.
      const present = new Set(await waitFor('the probe client to reach the new master', () => client.smembers(key)));
      return { acknowledged: acknowledged.length, failed, lostAcknowledged: acknowledged.filter((m) => !present.has(m)).length };
    },
  };
}

export interface FailoverFigures {
  requests: number;
  granted: number;
  quotaRefused: number;
  storeUnavailable: number;
  other: number;
  /** From the kill to the first normal answer after the last 503 (ms). */
  unavailableMs: number;
}

export function figures(result: LoadResult): FailoverFigures {
  const { answers, killedAt } = result;
  const last503 = answers.filter((a) => a.status === 503).reduce((m, a) => Math.max(m, a.doneAt), killedAt);
  const firstNormalAfter = answers
    .filter((a) => a.status !== 503 && a.sentAt >= last503)
    .reduce((m, a) => Math.min(m, a.doneAt), Number.POSITIVE_INFINITY);
  return {
    requests: answers.length,
    granted: answers.filter((a) => a.status === 200).length,
    quotaRefused: answers.filter((a) => a.status === 429 && a.code === 'quota_exceeded').length,
    storeUnavailable: answers.filter((a) => a.status === 503 && a.code === 'store_unavailable').length,
    other: answers.filter(
      (a) =>
        !(a.status === 200 || (a.status === 429 && a.code === 'quota_exceeded') || (a.status === 503 && a.code === 'store_unavailable')),
    ).length,
    unavailableMs: Number.isFinite(firstNormalAfter) ? firstNormalAfter - killedAt : -1,
  };
}
