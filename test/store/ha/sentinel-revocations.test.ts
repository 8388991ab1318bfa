/**
 * Revocations through a Redis Sentinel failover: two broker replicas on a real Sentinel set-up (test/store/ha), the
 * master killed. Afterwards each replica's revocation subscriber is subscribed again on the new master (counted
 * there with PUBSUB NUMSUB, not inferred), and a revocation made after the failover reaches both replicas: refused
 * with 403 `revoked`, cache hits included. The time it took is printed (`HA_REPORT=1`); the bound asserted is a
 * generous deadline, not a measure (the 1 s promise rests on the staleness check: a replica whose view is older than
 * a second refreshes it before answering, or refuses).
 */
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { adminClient, haToolsAvailable, waitFor } from './redis-processes.js';
import { startSentinelTopology, type SentinelTopology } from './sentinel-topology.js';

const ADMIN_KEY = randomBytes(32).toString('base64url');
const bearer = { authorization: `Bearer ${ADMIN_KEY}` };
const DEADLINE_MS = 10_000;
const SETUP_TIMEOUT_MS = 60_000;

let topology: SentinelTopology;
let a: TestBroker;
let b: TestBroker;

function patch(c: Record<string, unknown>): void {
  const keyPrefix = (c.redis as { keyPrefix: string }).keyPrefix;
  c.redis = topology.redisConfig(keyPrefix);
  c.server = { ...(c.server as object), adminPort: 0, adminKeySha256: createHash('sha256').update(ADMIN_KEY).digest('hex') };
  c.rateLimits = { perPrincipal: { limit: 100_000, windowSeconds: 60 }, perIp: { limit: 100_000, windowSeconds: 60 } };
}

beforeAll(async () => {
  if (!haToolsAvailable()) throw new Error('the HA suites need redis-server 7+ and `redis-cli --cluster` (.ci/run installs them)');
  topology = await startSentinelTopology();
  a = await startTestBroker({ configPatch: patch });
  b = await startTestBroker({ configPatch: patch, shared: a.shared });
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await b?.close().catch(() => undefined);
  await a?.close().catch(() => undefined);
  await topology?.stop();
}, SETUP_TIMEOUT_MS);

const ask = (app: Express, token: string) =>
  request(app).post('/v1/credentials').set('authorization', `Bearer ${token}`).send({ profile: 'uploads' });

/** How many connections are subscribed to the revocation channel on the data node at `port`. */
async function subscribersOn(port: number): Promise<number> {
  const client = adminClient(port, topology.nodePassword);
  client.on('error', () => {});
  try {
    await client.connect();
    const [, count] = (await client.call('PUBSUB', 'NUMSUB', `${a.shared.keyPrefix}{revocations}:changed`)) as [string, number];
    return Number(count);
  } finally {
    client.disconnect();
  }
}

describe('revocations through a Sentinel failover', () => {
  it('resubscribes on the new master, and a revocation made after the failover reaches both replicas', async () => {
    const oldMaster = await topology.currentMasterPort();
    await waitFor('both subscribers on the master', async () => ((await subscribersOn(oldMaster)) === 2 ? true : undefined));
    const victim = await a.token('after-failover', 'acme');
    // A token in the cache before the failover: the later refusal covers cache hits.
    expect((await ask(a.app, victim)).status).toBe(200);

    await topology.node(oldMaster).kill();
    const newMaster = await waitFor('the Sentinels to promote the replica', async () => {
      const port = await topology.currentMasterPort();
      return port !== oldMaster ? port : undefined;
    });
    // Both replicas serve again by themselves, and each has its subscriber back on the new master.
    for (const replica of [a, b]) {
      await waitFor('the replica to serve after the failover', async () =>
        (await ask(replica.app, await a.token(`probe-${randomBytes(3).toString('hex')}`, 'acme'))).status === 200 ? true : undefined,
      );
    }
    await waitFor('both subscribers on the new master', async () => ((await subscribersOn(newMaster)) === 2 ? true : undefined));
    expect((await ask(b.app, victim)).status).toBe(200);

    const revoked = await request(a.admin!)
      .post('/admin/v1/revocations')
      .set(bearer)
      .send({ principal: { tenant: 'acme', sub: 'after-failover' }, reason: 'failover test' });
    expect(revoked.status).toBe(201);
    const startedAt = performance.now();
    const reachedAfter: Record<string, number> = {};
    while (Object.keys(reachedAfter).length < 2) {
      for (const [name, replica] of [
        ['a', a],
        ['b', b],
      ] as const) {
        if (reachedAfter[name] !== undefined) continue;
        const res = await ask(replica.app, victim);
        if (res.status === 403 && res.body.code === 'revoked') reachedAfter[name] = Math.round(performance.now() - startedAt);
      }
      if (performance.now() - startedAt > DEADLINE_MS) throw new Error(`not on both replicas within ${DEADLINE_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    if (process.env.HA_REPORT)
      console.info(`[ha] revocation after a Sentinel failover reached the replicas after ${JSON.stringify(reachedAfter)} ms`);
    expect(Object.keys(reachedAfter).sort()).toEqual(['a', 'b']);
  }, 90_000);
});
