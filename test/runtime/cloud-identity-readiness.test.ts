/**
 * The `cloud_identity` readiness check in the production entry point (src/main.ts as a process, real Redis, the STS
 * emulator through the official SDK):
 * - no cloud identity (nothing in the environment, no credentials file): not ready, and the log says "no cloud
 *   identity", never a DNS error; ready by itself once an identity appears;
 * - STS out of reach: not ready with `sts_unreachable`; ready once it comes; not ready again when it goes away; and
 *   `osb_cloud_identity_ready` on /metrics says the same at each step;
 * - the check never spends an AssumeRole.
 * And the plain-http refusal of production (config/identity-urls.ts) at the same entry point.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/auth/index.js';
import { REDIS_URL } from '../helpers/broker.js';
import { deleteByPrefix, rawClient, uniquePrefix } from '../store/helpers.js';
import {
  type BrokerProcess,
  type CloudIdentity,
  eventually,
  freePort,
  startBrokerProcess,
  startCloudIdentity,
  tcpProxy,
} from './helpers.js';

const ROLE = 'acs:ram::1234567890123456:role/partner';
const keyPrefix = uniquePrefix('cloud-identity');
const partner = generateApiKey('pk_cloud_identity');
const running: BrokerProcess[] = [];
const home = mkdtempSync(path.join(tmpdir(), 'osb-home-'));
let identity: CloudIdentity;

beforeAll(async () => {
  identity = await startCloudIdentity([ROLE]);
});

afterAll(async () => {
  for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await identity?.close();
  rmSync(home, { recursive: true, force: true });
  const raw = rawClient();
  await deleteByPrefix(raw, keyPrefix);
  raw.disconnect();
});

function config(stsEndpoint: string) {
  return {
    server: { host: '127.0.0.1', port: 0 },
    clients: [{ id: 'partner', type: 'apiKey', tenant: 'partner1', keys: [{ id: partner.keyId, sha256: partner.sha256 }] }],
    profiles: {
      'partner-read': {
        bucket: 'test-bucket',
        region: 'cn-hangzhou',
        roleArn: ROLE,
        prefix: 'partners/${tenant}/',
        operations: ['get', 'list'],
        durationSeconds: 900,
        clients: ['partner'],
      },
    },
    // Checked every second here so the test sees changes soon; two failures in a row make a ready replica not ready.
    sts: { endpoint: stsEndpoint, timeoutMs: 4000, maxAttempts: 1, identityCheck: { intervalSeconds: 1, failureThreshold: 2 } },
    redis: { url: REDIS_URL, keyPrefix },
  };
}

/** A process with no identity anywhere: no AccessKey, no RRSA, no files under HOME, no metadata service. */
const NOTHING = {
  HOME: home,
  ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
};

function start(stsEndpoint: string, env: Record<string, string>): BrokerProcess {
  const p = startBrokerProcess(config(stsEndpoint), { BROKER_CACHE_KEY: randomBytes(32).toString('base64'), ...NOTHING, ...env });
  running.push(p);
  return p;
}

const readyz = async (port: number) => {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

/** The `osb_cloud_identity_ready` sample on /metrics, as its text line (undefined without one). */
const identityGauge = async (port: number) => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text.split('\n').find((line) => line.startsWith('osb_cloud_identity_ready '));
};

const credentials = (port: number) =>
  fetch(`http://127.0.0.1:${port}/v1/credentials`, {
    method: 'POST',
    headers: { 'x-api-key': partner.header, 'content-type': 'application/json' },
    body: JSON.stringify({ profile: 'partner-read' }),
  });

describe('cloud_identity readiness', { timeout: 90_000 }, () => {
  it('without a cloud identity: not ready, says "no cloud identity" (not DNS), and recovers when one appears', async () => {
    const credentialsFile = path.join(home, 'credentials');
    const before = { ...identity.emulator.stats };
    const broker = start(identity.emulator.endpoint, {
      ALIBABA_CLOUD_CREDENTIALS_FILE: credentialsFile,
      NODE_EXTRA_CA_CERTS: identity.env.NODE_EXTRA_CA_CERTS!,
    });
    const port = Number((await broker.waitFor('broker.started')).port);
    const unavailable = await broker.waitFor('cloud_identity.unavailable');
    expect(unavailable).toMatchObject({ check: 'cloud_identity', reason: 'no_cloud_identity' });
    expect(unavailable.msg).toMatch(/^no cloud identity: unable to get credentials from any of the providers in the chain/);

    expect(await readyz(port)).toEqual({
      status: 503,
      body: {
        status: 'not_ready',
        checks: { config: 'ok', store: 'ok', cloud_identity: 'failed' },
        reasons: { cloud_identity: 'no_cloud_identity' },
      },
    });
    const refused = await credentials(port);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { code: string }).code).toBe('upstream_unavailable');
    const failed = await broker.waitFor('sts.assume_role.failed');
    expect(failed).toMatchObject({ stsCode: 'no_credentials' });
    expect(failed.msg).toMatch(/^no cloud identity/);
    // Nothing was sent to STS, and nothing sent an operator to look at DNS.
    expect(identity.emulator.stats.assumeRoleCalls).toBe(before.assumeRoleCalls);
    expect(identity.emulator.stats.callerIdentityCalls).toBe(before.callerIdentityCalls);
    expect(JSON.stringify(broker.events)).not.toMatch(/ENOTFOUND|getaddrinfo/);

    // An identity appears (here a credentials file): ready again without a restart.
    writeFileSync(
      credentialsFile,
      `[default]\ntype = access_key\naccess_key_id = ${identity.accessKey.accessKeyId}\naccess_key_secret = ${identity.accessKey.accessKeySecret}\n`,
    );
    expect(await eventually(`http://127.0.0.1:${port}/readyz`, 200)).toBe(true);
    expect(await broker.waitFor('cloud_identity.ok')).toMatchObject({
      identityType: 'RAMUser',
      arn: 'acs:ram::1234567890123456:user/broker',
    });
    expect((await credentials(port)).status).toBe(200);
    // The readiness check asked GetCallerIdentity; the one AssumeRole is the credential request's.
    expect(identity.emulator.stats.assumeRoleCalls).toBe(before.assumeRoleCalls + 1);
    expect(identity.emulator.stats.callerIdentityCalls).toBeGreaterThan(before.callerIdentityCalls);
    const output = JSON.stringify(broker.events) + broker.stderr();
    expect(output).not.toContain(identity.accessKey.accessKeySecret);
    broker.child.kill('SIGTERM');
    expect(await broker.exited).toEqual({ code: 0, signal: null });
  });

  it('with STS out of reach: not ready (sts_unreachable), ready when it comes, not ready again when it goes', async () => {
    const stsPort = await freePort();
    const broker = start(`127.0.0.1:${stsPort}`, identity.env);
    const port = Number((await broker.waitFor('broker.started')).port);
    const unavailable = await broker.waitFor('cloud_identity.unavailable');
    expect(unavailable).toMatchObject({ reason: 'sts_unreachable', upstream: { code: 'ECONNREFUSED' } });
    expect(unavailable.msg).toMatch(/^STS cannot be reached with the broker's identity: STS could not be reached \(network\)/);
    expect((await readyz(port)).body).toMatchObject({ status: 'not_ready', reasons: { cloud_identity: 'sts_unreachable' } });
    expect(await identityGauge(port)).toBe('osb_cloud_identity_ready 0');

    const sts = await tcpProxy(stsPort, { host: '127.0.0.1', port: identity.emulator.port });
    let stsUp = true;
    try {
      expect(await eventually(`http://127.0.0.1:${port}/readyz`, 200)).toBe(true);
      expect((await readyz(port)).body).toEqual({ status: 'ready', checks: { config: 'ok', store: 'ok', cloud_identity: 'ok' } });
      expect(await identityGauge(port)).toBe('osb_cloud_identity_ready 1');
      await sts.close();
      stsUp = false;
      expect(await eventually(`http://127.0.0.1:${port}/readyz`, 503)).toBe(true);
      expect((await readyz(port)).body).toMatchObject({ reasons: { cloud_identity: 'sts_unreachable' } });
      expect(await identityGauge(port)).toBe('osb_cloud_identity_ready 0');
      // Not on the first failure: a ready replica warned once before it turned not ready. The log is written in
      // batches (up to 100 ms later), so /readyz can turn before the line saying why has arrived: wait for it.
      const names = () => broker.events.map((e) => e.event);
      for (let i = 0; i < 50 && names().lastIndexOf('cloud_identity.unavailable') < names().indexOf('cloud_identity.check_failed'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const events = names();
      expect(events.indexOf('cloud_identity.check_failed')).toBeGreaterThan(events.indexOf('cloud_identity.ok'));
      expect(events.lastIndexOf('cloud_identity.unavailable')).toBeGreaterThan(events.indexOf('cloud_identity.check_failed'));
    } finally {
      if (stsUp) await sts.close();
    }
    broker.child.kill('SIGTERM');
    expect(await broker.exited).toEqual({ code: 0, signal: null });
  });

  it('production refuses a plain-http JWKS URL at start-up, naming the field', async () => {
    const broker = startBrokerProcess(
      {
        ...config(identity.emulator.endpoint),
        clients: [
          {
            id: 'web',
            type: 'oidc',
            issuer: 'https://login.example.com/',
            audience: 'b',
            jwksUri: 'http://login.example.com/jwks.json',
            tenant: 'acme',
          },
        ],
        profiles: { uploads: { ...config('x').profiles['partner-read'], clients: ['web'] } },
      },
      { BROKER_CACHE_KEY: randomBytes(32).toString('base64'), NODE_ENV: 'production', ...NOTHING },
    );
    running.push(broker);
    const { code } = await broker.exited;
    expect(code).not.toBe(0);
    expect(broker.stderr()).toContain('clients[0].jwksUri: must be https');
    expect(broker.events).toEqual([]);
  });
});
