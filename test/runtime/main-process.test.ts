/**
 * The production entry point (src/main.ts) as a real process:
 * - SIGTERM with a stalled client: readiness fails, new connections are refused, the stalled connection is cut at
 *   `server.drainTimeoutSeconds`, and the process exits 0 (it used to wait for ever);
 * - Redis down at start-up: the process starts and reports not ready instead of exiting (and crash-looping), answers
 *   503 store_unavailable, and becomes ready by itself when Redis comes.
 * Each has a cloud identity (an STS emulator and its AccessKey), so only the store decides readiness here.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/auth/index.js';
import { REDIS_URL } from '../helpers/broker.js';
import { deleteByPrefix, rawClient, uniquePrefix } from '../store/helpers.js';
import {
  type BrokerProcess,
  type CloudIdentity,
  connectionRefused,
  eventually,
  freePort,
  stalledRequest,
  startBrokerProcess,
  startCloudIdentity,
  tcpProxy,
} from './helpers.js';

const keyPrefix = uniquePrefix('main-process');
const partner = generateApiKey('pk_main_process');
const running: BrokerProcess[] = [];
let identity: CloudIdentity;

beforeAll(async () => {
  identity = await startCloudIdentity();
});

afterAll(async () => {
  await identity?.close();
  for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  const raw = rawClient();
  await deleteByPrefix(raw, keyPrefix);
  raw.disconnect();
});

function config(redisUrl: string, drainTimeoutSeconds: number) {
  return {
    server: { host: '127.0.0.1', port: 0, drainTimeoutSeconds },
    clients: [{ id: 'partner', type: 'apiKey', tenant: 'partner1', keys: [{ id: partner.keyId, sha256: partner.sha256 }] }],
    profiles: {
      'partner-read': {
        bucket: 'test-bucket',
        region: 'cn-hangzhou',
        roleArn: 'acs:ram::1234567890123456:role/partner',
        prefix: 'partners/${tenant}/',
        operations: ['get', 'list'],
        clients: ['partner'],
      },
    },
    sts: { endpoint: identity.emulator.endpoint },
    redis: { url: redisUrl, keyPrefix, connectTimeoutMs: 500 },
  };
}

function start(redisUrl: string, drainTimeoutSeconds = 20): BrokerProcess {
  const p = startBrokerProcess(config(redisUrl, drainTimeoutSeconds), {
    BROKER_CACHE_KEY: randomBytes(32).toString('base64'),
    ...identity.env,
  });
  running.push(p);
  return p;
}

const dryRun = (port: number) =>
  fetch(`http://127.0.0.1:${port}/v1/credentials`, {
    method: 'POST',
    headers: { 'x-api-key': partner.header, 'content-type': 'application/json' },
    body: JSON.stringify({ profile: 'partner-read', dryRun: true }),
  });

describe('src/main.ts as a process', { timeout: 90_000 }, () => {
  it('on SIGTERM drains, cuts a stalled client at the deadline, and exits 0', async () => {
    const broker = start(REDIS_URL, 1);
    const port = Number((await broker.waitFor('broker.started')).port);
    expect(await eventually(`http://127.0.0.1:${port}/readyz`, 200)).toBe(true);
    const body = JSON.stringify({ profile: 'partner-read', dryRun: true });
    const stalled = await stalledRequest(port, { 'X-Api-Key': partner.header }, body, 5);

    broker.child.kill('SIGTERM');
    await broker.waitFor('broker.draining');
    expect(await connectionRefused(port)).toBe(true);
    await stalled.closed;
    expect(await broker.exited).toEqual({ code: 0, signal: null });

    const order = broker.events.map((e) => e.event).filter((e) => typeof e === 'string' && e.startsWith('broker.'));
    expect(order).toEqual(['broker.started', 'broker.stopping', 'broker.draining', 'broker.drain_deadline', 'broker.stopped']);
  });

  it('starts not ready while Redis is down, answers 503, and becomes ready when Redis comes', async () => {
    const redisPort = await freePort();
    const broker = start(`redis://127.0.0.1:${redisPort}`);
    const port = Number((await broker.waitFor('broker.started')).port);
    const notReady = await broker.waitFor('store.redis.not_ready');
    expect(notReady).toMatchObject({ operation: 'connect', reason: expect.stringMatching(/redis connect failed after \d+ ms/) });

    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'not_ready', checks: { config: 'ok', store: 'failed', cloud_identity: 'ok' } });
    const refused = await dryRun(port);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { code: string }).code).toBe('store_unavailable');

    const redis = await tcpProxy(redisPort, { host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) });
    try {
      expect(await eventually(`http://127.0.0.1:${port}/readyz`, 200)).toBe(true);
      await broker.waitFor('store.redis.ready');
      expect((await dryRun(port)).status).toBe(200);
      broker.child.kill('SIGTERM');
      expect(await broker.exited).toEqual({ code: 0, signal: null });
    } finally {
      await redis.close();
    }
  });
});
