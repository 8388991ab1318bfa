/**
 * Secrets from KMS that change while the broker runs: the production entry point (src/main.ts) in a process of its
 * own reads the partner key hashes (BROKER_API_KEYS), the named admin keys (BROKER_ADMIN_KEYS) and the Redis URL
 * with its password (BROKER_REDIS_URL) from the KMS emulator over verified HTTPS. Each is rotated in KMS, the broker
 * refreshes (SIGHUP, as the timer would), and without a restart:
 * - a partner key added works and one removed is refused;
 * - a rotated admin key works, the previous one until the next rotation, an operator removed is cut off at once,
 *   and every admin action is audited with the operator's name;
 * - after the Redis password is changed on the server and every connection is cut, the broker reconnects with the
 *   new one (its commands and the revocation subscriber alike).
 * A redis-server of its own on a free loopback port (requirepass), never the shared one; the STS and KMS emulators.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKmsEmulator, type KmsEmulator } from '../../dev/emulator/kms/index.js';
import { startStsEmulator, type StsEmulator } from '../../dev/emulator/sts/index.js';
import { generateApiKey } from '../../src/auth/index.js';
import { adminClient, processGroup, type RedisProcess } from '../store/ha/redis-processes.js';
import { startBrokerProcess, type BrokerProcess } from './helpers.js';

const ROLE = 'acs:ram::1234567890123456:role/kms-live-partner';
const TIMEOUT_MS = 120_000;
const SECRETS = { apiKeys: 'oss-sts-broker/api-keys', adminKeys: 'oss-sts-broker/admin-keys', redisUrl: 'oss-sts-broker/redis-url' };

const work = mkdtempSync(path.join(tmpdir(), 'osb-kms-live-'));
const caFile = path.join(work, 'ca.pem');
const accessKey = { accessKeyId: `LTAIkmslive${randomBytes(6).toString('hex')}`, accessKeySecret: randomBytes(20).toString('base64url') };
const group = processGroup('kms-live');
const [k1, k2] = [generateApiKey('pk_live_one'), generateApiKey('pk_live_two')];
const adminKey = () => randomBytes(24).toString('base64url');
const [alice1, alice2, alice3, bob] = [adminKey(), adminKey(), adminKey(), adminKey()];
const [password1, password2] = [randomBytes(12).toString('hex'), randomBytes(12).toString('hex')];
let sts: StsEmulator;
let kms: KmsEmulator;
let redis: RedisProcess;
let broker: BrokerProcess;
let base: string;
let adminBase: string;

const sha = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');
const apiKeys = (...keys: Array<{ keyId: string; sha256: string }>) =>
  JSON.stringify({ partner: keys.map((k) => ({ id: k.keyId, sha256: k.sha256 })) });
const adminKeys = (...keys: Array<[string, string]>) => JSON.stringify(keys.map(([name, key]) => ({ name, sha256: sha(key) })));
const redisUrl = (password: string) => `redis://:${password}@127.0.0.1:${redis.port}`;

async function vend(header: string): Promise<number> {
  const res = await fetch(`${base}/v1/credentials`, {
    method: 'POST',
    headers: { 'x-api-key': header, 'content-type': 'application/json' },
    body: JSON.stringify({ profile: 'partner-read' }),
  });
  return res.status;
}

async function listRevocations(key: string): Promise<number> {
  return (await fetch(`${adminBase}/admin/v1/revocations`, { headers: { authorization: `Bearer ${key}` } })).status;
}

/** The first log line named `name` after the `after`-th line. */
async function nextEvent(name: string, after: number): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const found = broker.events.slice(after).find((e) => e.event === name);
    if (found !== undefined) return found;
    if (broker.child.exitCode !== null) throw new Error(`broker exited: ${broker.stderr()}`);
    if (Date.now() > deadline) throw new Error(`no ${name} in the log`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** SIGHUP, then waits for the refresh to have run (one secrets.rotated line per secret that changed). */
async function refresh(changed: number): Promise<void> {
  const mark = broker.events.length;
  broker.child.kill('SIGHUP');
  const deadline = Date.now() + 60_000;
  while (broker.events.slice(mark).filter((e) => e.event === 'secrets.rotated').length < changed) {
    if (Date.now() > deadline) throw new Error(`refresh: ${JSON.stringify(broker.events.slice(mark))}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  redis = await group.start({ config: () => [`requirepass ${password1}`], password: password1 });
  sts = await startStsEmulator({
    accessKeys: [accessKey],
    roles: [{ arn: ROLE, maxSessionDurationSeconds: 3600 }],
    sealKey: randomBytes(32),
  });
  kms = await startKmsEmulator({ accessKeys: [accessKey] });
  writeFileSync(caFile, `${sts.ca.trim()}\n${kms.ca.trim()}\n`);
  kms.putSecretValue(SECRETS.apiKeys, apiKeys(k1));
  kms.putSecretValue(SECRETS.adminKeys, adminKeys(['alice', alice1], ['bob', bob]));
  kms.putSecretValue(SECRETS.redisUrl, redisUrl(password1));
  broker = startBrokerProcess(
    {
      server: { host: '127.0.0.1', port: 0, adminPort: 0 },
      clients: [{ id: 'partner', type: 'apiKey', tenant: 'partner1' }],
      profiles: {
        'partner-read': {
          bucket: 'kms-live-bucket',
          region: 'cn-hangzhou',
          roleArn: ROLE,
          prefix: 'partners/${tenant}/',
          operations: ['get', 'list'],
          clients: ['partner'],
        },
      },
      sts: { endpoint: sts.endpoint, timeoutMs: 4000 },
      kms: { endpoint: kms.endpoint, refreshSeconds: 3600 },
      redis: { keyPrefix: 'osb-kms-live:', commandTimeoutMs: 2000, connectTimeoutMs: 2000 },
      logLevel: 'info',
    },
    {
      HOME: work,
      NODE_EXTRA_CA_CERTS: caFile,
      ALIBABA_CLOUD_ACCESS_KEY_ID: accessKey.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: accessKey.accessKeySecret,
      BROKER_CACHE_KEY: randomBytes(32).toString('base64'),
      BROKER_API_KEYS_KMS_SECRET: SECRETS.apiKeys,
      BROKER_ADMIN_KEYS_KMS_SECRET: SECRETS.adminKeys,
      BROKER_REDIS_URL_KMS_SECRET: SECRETS.redisUrl,
    },
  );
  base = `http://127.0.0.1:${String((await broker.waitFor('broker.started')).port)}`;
  adminBase = `http://127.0.0.1:${String((await broker.waitFor('admin.listening')).port)}`;
}, TIMEOUT_MS);

afterAll(async () => {
  if (broker !== undefined && broker.child.exitCode === null) {
    broker.child.kill('SIGTERM');
    await broker.exited;
  }
  await sts?.close();
  await kms?.close();
  await group.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('secrets rotated in KMS while the broker runs', () => {
  it(
    'partner keys: an added key works and a removed one is refused, without a restart',
    async () => {
      expect([await vend(k1.header), await vend(k2.header)]).toEqual([200, 401]);
      kms.putSecretValue(SECRETS.apiKeys, apiKeys(k2));
      const mark = broker.events.length;
      await refresh(1);
      expect(await nextEvent('auth.api_keys.replaced', mark)).toMatchObject({ clients: 1, keys: 1 });
      expect([await vend(k1.header), await vend(k2.header)]).toEqual([401, 200]);
      // A version that does not fit the file (a client it does not have) is refused; the last good set stays.
      kms.putSecretValue(SECRETS.apiKeys, JSON.stringify({ ghost: [{ id: 'pk_ghost', sha256: k1.sha256 }] }));
      const before = broker.events.length;
      broker.child.kill('SIGHUP');
      expect(await nextEvent('secrets.refresh.failed', before)).toMatchObject({ secret: 'BROKER_API_KEYS', kmsSecret: SECRETS.apiKeys });
      expect([await vend(k1.header), await vend(k2.header)]).toEqual([401, 200]);
      kms.putSecretValue(SECRETS.apiKeys, apiKeys(k2));
      await refresh(1);
    },
    TIMEOUT_MS,
  );

  it(
    'admin keys: named in the audit trail; a rotated key works, the previous one until the next rotation',
    async () => {
      const mark = broker.events.length;
      const res = await fetch(`${adminBase}/admin/v1/revocations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice1}`, 'content-type': 'application/json' },
        body: JSON.stringify({ principal: { apiKeyId: 'pk_live_other' }, reason: 'audit test' }),
      });
      expect(res.status).toBe(201);
      expect(((await res.json()) as { createdBy: string }).createdBy).toBe('alice');
      expect(await nextEvent('admin.revoked', mark)).toMatchObject({ actor: 'alice' });
      expect(await listRevocations(bob)).toBe(200);
      // The audit line is written as the answer goes out; the test may read the child's output before it arrives.
      expect(await nextEvent('admin.revocations_listed', mark)).toMatchObject({ actor: 'bob' });
      expect(
        broker.events
          .slice(mark)
          .filter((e) => e.event === 'admin.revocations_listed')
          .map((e) => e.actor),
      ).toEqual(['bob']);

      // Alice rotates her key and bob leaves: one new version.
      kms.putSecretValue(SECRETS.adminKeys, adminKeys(['alice', alice2]));
      await refresh(1);
      expect([await listRevocations(alice2), await listRevocations(alice1), await listRevocations(bob)]).toEqual([200, 200, 401]);
      // The next rotation ends the previous key.
      kms.putSecretValue(SECRETS.adminKeys, adminKeys(['alice', alice3]));
      await refresh(1);
      expect([await listRevocations(alice3), await listRevocations(alice2), await listRevocations(alice1)]).toEqual([200, 200, 401]);
    },
    TIMEOUT_MS,
  );

  it(
    'Redis password: the next connection after a rotation authenticates with the new one',
    async () => {
      expect(await vend(k2.header)).toBe(200);
      const server = adminClient(redis.port, password1);
      server.on('error', () => {});
      await server.connect();
      try {
        // The order an operator follows: the new password in KMS, the broker refreshed, then the server changed.
        kms.putSecretValue(SECRETS.redisUrl, redisUrl(password2));
        const mark = broker.events.length;
        await refresh(1);
        expect(await nextEvent('store.redis.credentials_replaced', mark)).toMatchObject({ secret: 'BROKER_REDIS_URL' });
        await server.config('SET', 'requirepass', password2);
        // Connections already open stay authenticated; cut them all so every one must log in again.
        const before = broker.events.length;
        await server.call('CLIENT', 'KILL', 'TYPE', 'normal');
        await server.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
        await nextEvent('store.redis.ready', before);
        const deadline = Date.now() + 30_000;
        let status = await vend(k2.header);
        while (status !== 200 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 100));
          status = await vend(k2.header);
        }
        expect(status).toBe(200);
        // The revocation subscriber is back too: a pub/sub connection, authenticated with the new password.
        const subscribers = async () =>
          String(await server.call('CLIENT', 'LIST', 'TYPE', 'pubsub'))
            .trim()
            .split('\n')
            .filter(Boolean).length;
        while ((await subscribers()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        expect(await subscribers()).toBeGreaterThan(0);
      } finally {
        server.disconnect();
      }
      const output = JSON.stringify(broker.events) + broker.stderr();
      for (const secret of [password1, password2, alice1, alice2, alice3, bob, k1.secret, k2.secret, accessKey.accessKeySecret]) {
        expect(output).not.toContain(secret);
      }
    },
    TIMEOUT_MS,
  );
});
