/**
 * The shipped haproxy.cfg, run for real on loopback in front of two real brokers, where HAProxy is installed
 * (Debian's `haproxy` package; .ci/run does not install it, so elsewhere this file is skipped). Only what Docker
 * provides is replaced: the bind address, the replicas' addresses, and the check interval (5 s → 100 ms, so the
 * test waits less). Every wait is a bounded poll; nothing asserts on time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createAuthenticator } from '../../src/auth/index.js';
import { loadConfigFile } from '../../src/runtime/load-config.js';
import { systemClock } from '../../src/shared/clock.js';
import { createLogger } from '../../src/shared/logger.js';
import { MemoryStore, RedisStore, type KeyValueStore } from '../../src/store/index.js';
import { accessKeyCredential, createStsClient } from '../../src/sts/index.js';
import { DEPLOY_DIR } from './manifests.js';

const haproxyBinary = ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy'].find((p) => existsSync(p));
const redisBinary = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function until(what: string, check: () => Promise<boolean>, attempts = 200): Promise<void> {
  for (let i = 0; i < attempts; i += 1) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting for: ${what}`);
}

interface Replica {
  server: Server;
  port: number;
  /** GET /healthz requests this replica served (HAProxy's own checks go to /readyz). */
  served: () => number;
}

async function startReplica(store: KeyValueStore): Promise<Replica> {
  const config = loadConfigFile(join(DEPLOY_DIR, 'config.example.yaml'), {
    BROKER_REDIS_URL: 'redis://unused:6379/0',
    BROKER_CACHE_KEY: Buffer.alloc(32, 7).toString('base64'),
    BROKER_GRANT_KEY: Buffer.alloc(32, 9).toString('base64'),
  });
  const { app } = createApp({
    config,
    store,
    sts: createStsClient({ config: config.sts, credential: accessKeyCredential('LTAIunused', 'unused-secret') }),
    authenticator: createAuthenticator({ clients: config.clients, clock: systemClock }),
    encryptionKey: Buffer.alloc(32, 7),
    logger: createLogger('silent'),
  });
  let served = 0;
  const outer = express();
  outer.use((req, _res, next) => {
    if (req.path === '/healthz') served += 1;
    next();
  });
  outer.use(app);
  const server = outer.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, port: (server.address() as AddressInfo).port, served: () => served };
}

describe.skipIf(haproxyBinary === undefined || redisBinary === undefined)('haproxy.cfg in front of two live brokers', () => {
  let redis: ChildProcess;
  let redisStore: RedisStore;
  let haproxy: ChildProcess;
  let a: Replica;
  let b: Replica;
  let lb: string;

  beforeAll(async () => {
    // Replica B's store is a Redis of its own, so the test can take it away without touching the shared one.
    const redisPort = await freePort();
    redis = spawn(redisBinary!, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    redisStore = RedisStore.fromConfig({
      url: `redis://127.0.0.1:${redisPort}`,
      keyPrefix: 'osb-haproxy-test:',
      commandTimeoutMs: 250,
      connectTimeoutMs: 500,
    });
    await until('the private redis-server', async () => {
      await redisStore.connect();
      return true;
    });
    a = await startReplica(new MemoryStore());
    b = await startReplica(redisStore);

    const lbPort = await freePort();
    lb = `http://127.0.0.1:${lbPort}`;
    const shipped = readFileSync(join(DEPLOY_DIR, 'haproxy/haproxy.cfg'), 'utf8');
    const cfg = shipped
      .replace(/^(\s*)bind :8080$/m, `$1bind 127.0.0.1:${lbPort}`)
      .replace(/^(\s*server broker-1) broker-1:8080/m, `$1 127.0.0.1:${a.port}`)
      .replace(/^(\s*server broker-2) broker-2:8080/m, `$1 127.0.0.1:${b.port}`)
      .replace(/\binter 5s\b/, 'inter 100ms');
    expect(cfg).not.toBe(shipped);
    expect(cfg).not.toMatch(/broker-\d:8080|bind :8080|inter 5s/);
    const file = join(mkdtempSync(join(tmpdir(), 'osb-haproxy-')), 'haproxy.cfg');
    writeFileSync(file, cfg);
    haproxy = spawn(haproxyBinary!, ['-db', '-f', file], { stdio: 'ignore' });
    await until('HAProxy to answer /lb-health', async () => (await fetch(`${lb}/lb-health`)).status === 200);
  });

  afterAll(async () => {
    haproxy?.kill();
    redis?.kill();
    await redisStore?.close().catch(() => undefined);
    for (const r of [a, b]) if (r?.server.listening) await new Promise((resolve) => r.server.close(resolve));
  });

  async function healthzBatch(n: number): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < n; i += 1) statuses.push((await fetch(`${lb}/healthz`)).status);
    return statuses;
  }

  it('spreads requests over both ready replicas', async () => {
    const before = [a.served(), b.served()];
    expect(await healthzBatch(20)).toEqual(Array(20).fill(200));
    expect(a.served() - before[0]!).toBeGreaterThan(0);
    expect(b.served() - before[1]!).toBeGreaterThan(0);
  });

  it('never routes /metrics', async () => {
    const res = await fetch(`${lb}/metrics`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('osb_');
  });

  it('takes a replica out when its /readyz fails (its Redis gone), and clients keep getting 200s', async () => {
    redis.kill();
    await until('B to report not ready', async () => (await fetch(`http://127.0.0.1:${b.port}/readyz`)).status === 503);
    const duringFailover: number[] = [];
    await until('HAProxy to stop sending to B', async () => {
      const before = b.served();
      duringFailover.push(...(await healthzBatch(10)));
      return b.served() === before;
    });
    // B's /healthz still answered while HAProxy took it out: no client saw an error meanwhile.
    expect(duringFailover.every((status) => status === 200)).toBe(true);
    const before = [a.served(), b.served()];
    expect(await healthzBatch(20)).toEqual(Array(20).fill(200));
    expect([a.served() - before[0]!, b.served() - before[1]!]).toEqual([20, 0]);
  });

  it('reports itself unhealthy once no replica is left', async () => {
    await new Promise((resolve) => a.server.close(resolve));
    await until('/lb-health to fail', async () => (await fetch(`${lb}/lb-health`)).status === 503);
    expect((await fetch(`${lb}/healthz`)).status).toBe(503);
  });
});
