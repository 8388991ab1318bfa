/**
 * The scenarios both HA suites run, through the real broker app on a real topology: cache hits, the cross-replica
 * issuance lock, quotas and rate limits shared by two replicas, a planned failover, and the master killed under
 * load (clear 503s, recovery without a restart, no quota granted beyond its limit).
 *
 * `HA_REPORT=1 npx vitest run test/store/ha` prints the failover figures of each run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster, Redis } from 'ioredis';
import { quotaKey } from '../../../src/quotas/index.js';
import { principalKey } from '../../../src/auth/principal.js';
import {
  type Answer,
  askCredentials,
  FAILOVER_PROFILE,
  FAILOVER_QUOTA_LIMIT,
  QUOTA_LIMIT,
  QUOTA_PROFILE,
  type Replica,
  startReplicaPair,
  stopReplicas,
} from './broker-pair.js';
import { figures, loadThroughFailover, startWriteProbe } from './failover-load.js';
import { haToolsAvailable, waitFor } from './redis-processes.js';

export interface HaTopology {
  redisConfig(keyPrefix: string): Record<string, unknown>;
  /** A client for the test itself (probe, inspection) that follows failovers like the broker's does. */
  client(): Promise<Redis | Cluster>;
  /** The port of the master that serves `key` now. */
  masterPortFor(key: string): Promise<number>;
  /** A failover the operator asks for: the old master stays up and becomes a replica. Resolves once done. */
  plannedFailover?(key: string): Promise<void>;
  /** SIGKILL the master that serves `key` (a crashed host). */
  killMasterOf(key: string): Promise<void>;
  stop(): Promise<void>;
}

const SETUP_TIMEOUT_MS = 60_000;

export interface HaSuiteOptions {
  /**
   * Run the planned-failover scenario. Cluster only: CLUSTER FAILOVER is coordinated (the replica catches up before
   * the switch) and takes a second. A Sentinel forced failover leaves the old master writable until the Sentinels
   * demote it, 8 s or more later (README, "Redis high availability"), which a test can only wait out.
   */
  plannedFailover: boolean;
}

export function defineHaSuite(name: string, options: HaSuiteOptions, startTopology: () => Promise<HaTopology>): void {
  describe(name, () => {
    let topology: HaTopology | undefined;
    let replicas: Replica[] = [];
    let a: Replica;
    let b: Replica;
    let tight: Replica[] = [];
    const jwt = (sub: string) => a.broker.token(sub, 'acme');

    beforeAll(async () => {
      if (!haToolsAvailable()) throw new Error('the HA suites need redis-server 7+ and `redis-cli --cluster` (.ci/run installs them)');
      topology = await startTopology();
      const t = topology;
      // Realistic STS latency widens the window in which the replicas race for the same key.
      [a, b] = await startReplicaPair({ redis: (p) => t.redisConfig(p), perPrincipalLimit: 100_000, stsLatencyMs: 100 });
      replicas = [a, b];
      tight = await startReplicaPair({ redis: (p) => t.redisConfig(p), perPrincipalLimit: 3, shared: a.broker.shared });
    }, SETUP_TIMEOUT_MS);

    afterAll(async () => {
      // Each step runs even when an earlier one failed, so no process or server outlives the suite.
      await stopReplicas(tight).catch(() => undefined);
      await stopReplicas(replicas).catch(() => undefined);
      await topology?.stop();
    }, SETUP_TIMEOUT_MS);

    it('serves a token issued through one replica from the other (a cache hit in the shared store)', async () => {
      const token = await jwt('cache-user');
      const before = a.broker.emulator.stats.assumeRoleCalls;
      const first = await askCredentials(a.url, token, 'uploads');
      const second = await askCredentials(b.url, token, 'uploads');
      expect([first.status, first.cached, second.status, second.cached]).toEqual([200, false, 200, true]);
      expect(second.accessKeyId).toBe(first.accessKeyId);
      expect(a.broker.emulator.stats.assumeRoleCalls - before).toBe(1);
    });

    it('elects one issuer across replicas: 40 concurrent identical requests, one AssumeRole', async () => {
      const token = await jwt('lock-user');
      const before = a.broker.emulator.stats.assumeRoleCalls;
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => askCredentials(replicas[i % 2]!.url, token, 'uploads')));
      expect(answers.map((x) => x.status)).toEqual(Array(40).fill(200));
      expect(a.broker.emulator.stats.assumeRoleCalls - before).toBe(1);
      expect(new Set(answers.map((x) => x.accessKeyId)).size).toBe(1);
      expect(answers.filter((x) => x.cached === false)).toHaveLength(1);
    });

    it('holds a per-principal quota across replicas under concurrency', async () => {
      const token = await jwt('quota-user');
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => askCredentials(replicas[i % 2]!.url, token, QUOTA_PROFILE)));
      const outcomes = answers.map((x) => `${x.status} ${x.code ?? ''}`.trim()).sort();
      expect(outcomes).toEqual([...Array(QUOTA_LIMIT).fill('200'), ...Array(8 - QUOTA_LIMIT).fill('429 quota_exceeded')]);
    });

    it('holds a per-principal rate limit across replicas', async () => {
      const token = await jwt('rate-user');
      const answers: Answer[] = [];
      for (let i = 0; i < 5; i++) answers.push(await askCredentials(tight[i % 2]!.url, token, 'uploads'));
      expect(answers.map((x) => [x.status, x.code])).toEqual([
        [200, undefined],
        [200, undefined],
        [200, undefined],
        [429, 'rate_limited'],
        [429, 'rate_limited'],
      ]);
    });

    if (options.plannedFailover) {
      it('follows a planned failover without a restart, counting on the new master', async () => {
        const t = topology!;
        const key = `${a.broker.shared.keyPrefix}${quotaKey(QUOTA_PROFILE, principalKey({ clientId: 'web', tenant: 'acme', subject: 'planned-user' }), 3600)}`;
        const token = await jwt('planned-user');
        expect((await askCredentials(a.url, token, QUOTA_PROFILE)).status).toBe(200);
        const oldMaster = await t.masterPortFor(key);
        await t.plannedFailover!(key);
        expect(await t.masterPortFor(key)).not.toBe(oldMaster);

        // Both replicas write to the new master by themselves; meanwhile only clear 503s are allowed.
        const seen: Answer[] = [];
        for (const replica of replicas) {
          await waitFor('the replica to write to the new master', async () => {
            const answer = await askCredentials(replica.url, token, QUOTA_PROFILE);
            seen.push(answer);
            return answer.status === 200 || answer.status === 429 ? answer : undefined;
          });
        }
        expect(seen.filter((x) => !(x.status === 200 || (x.status === 503 && x.code === 'store_unavailable')))).toEqual([]);
        // The count from before the hand-over survived, and both later ones landed on the new master: 1 + 2 = 3.
        const inspect = await t.client();
        try {
          expect(Number(await inspect.get(key))).toBe(1 + seen.filter((x) => x.status === 200).length);
        } finally {
          inspect.disconnect();
        }
        expect(seen.filter((x) => x.status === 200)).toHaveLength(2);
        expect((await askCredentials(b.url, token, QUOTA_PROFILE)).code).toBe('quota_exceeded');
      });
    }

    it('answers 503 while the master is down, recovers without a restart, and grants no quota beyond its limit', async () => {
      const t = topology!;
      const key = `${a.broker.shared.keyPrefix}${quotaKey(FAILOVER_PROFILE, principalKey({ clientId: 'web', tenant: 'acme', subject: 'failover-user' }), 3600)}`;
      const token = await jwt('failover-user');
      // The hash tag puts the probe in the quota counter's slot: on the very master that dies.
      const probeClient = await t.client();
      const probe = startWriteProbe(probeClient, `ha-probe:{${key}}`);
      try {
        const result = await loadThroughFailover({
          urls: replicas.map((r) => r.url),
          jwt: token,
          profile: FAILOVER_PROFILE,
          killAfter: 50,
          kill: () => t.killMasterOf(key),
          concurrency: 4,
          gapMs: 30,
          maxRequests: 800,
          recoveredAfter: 40,
          minQuotaRefusals: 20,
          deadlineMs: 45_000,
        });
        const probed = await probe.stop();
        const f = figures(result);
        if (process.env.HA_REPORT) console.info(`[ha] ${name}: ${JSON.stringify({ ...f, probe: probed })}`);

        // Every answer is a grant, a quota refusal, or a clear 503; nothing else (no 500, no hang, no transport error).
        expect(f.other, JSON.stringify(result.answers.filter((x) => ![200, 429, 503].includes(x.status)).slice(0, 3))).toBe(0);
        expect(f.storeUnavailable).toBeGreaterThan(0);
        for (const x of result.answers.filter((y) => y.status === 503)) {
          expect([x.code, x.retryAfter, x.contentType]).toEqual(['store_unavailable', '1', 'application/problem+json; charset=utf-8']);
        }
        // Recovered by itself: the load ended on a run of normal answers, not at its bound.
        expect(result.stoppedBy).toBe('recovered');
        expect(f.granted).toBeLessThanOrEqual(FAILOVER_QUOTA_LIMIT);
        expect(f.quotaRefused).toBeGreaterThan(0);
        for (const [i, replica] of replicas.entries()) {
          expect((await fetch(`${replica.url}/readyz`)).status).toBe(200);
          expect((await askCredentials(replica.url, await jwt(`after-failover-${i}`), 'uploads')).status).toBe(200);
        }
      } finally {
        probeClient.disconnect();
      }
    }, 90_000);
  });
}
