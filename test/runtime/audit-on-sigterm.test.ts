/**
 * The audit trail survives a shutdown under load. Log and audit lines are written asynchronously, in batches
 * (src/shared/log-destination.ts): the production entry (src/main.ts), stopped with SIGTERM while requests keep
 * arriving, must still have written an audit line for every credential request it answered, the last ones included.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/auth/index.js';
import { REDIS_URL } from '../helpers/broker.js';
import { deleteByPrefix, rawClient, uniquePrefix } from '../store/helpers.js';
import { eventually, startBrokerProcess, startCloudIdentity, type BrokerProcess, type CloudIdentity } from './helpers.js';

const keyPrefix = uniquePrefix('audit-sigterm');
const partner = generateApiKey('pk_audit_sigterm');
let broker: BrokerProcess | undefined;
/** A cloud identity (an STS emulator and its AccessKey), so that the broker reports ready. */
let identity: CloudIdentity;

beforeAll(async () => {
  identity = await startCloudIdentity();
});

afterAll(async () => {
  await identity?.close();
  if (broker?.child.exitCode === null) broker.child.kill('SIGKILL');
  const raw = rawClient();
  await deleteByPrefix(raw, keyPrefix);
  raw.disconnect();
});

const config = () => ({
  server: { host: '127.0.0.1', port: 0, drainTimeoutSeconds: 5 },
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
  redis: { url: REDIS_URL, keyPrefix, connectTimeoutMs: 2000 },
  rateLimits: { perIp: { limit: 1_000_000, windowSeconds: 60 }, perPrincipal: { limit: 1_000_000, windowSeconds: 60 } },
});

/** Answered credential requests: request id → status. */
async function loadUntilRefused(port: number, answered: Map<string, number>, onAnswer: () => void): Promise<void> {
  for (;;) {
    let res: Response;
    try {
      res = await fetch(`http://127.0.0.1:${port}/v1/credentials`, {
        method: 'POST',
        headers: { 'x-api-key': partner.header, 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ profile: 'partner-read', dryRun: true }),
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
    } catch {
      return; // refused or cut: the listener is closed
    }
    const id = res.headers.get('x-request-id');
    if (id !== null) answered.set(id, res.status);
    onAnswer();
  }
}

describe('audit lines on SIGTERM', { timeout: 90_000 }, () => {
  it('a process stopped under load has written an audit line for every credential request it answered', async () => {
    broker = startBrokerProcess(config(), { BROKER_CACHE_KEY: randomBytes(32).toString('base64'), ...identity.env });
    const port = Number((await broker.waitFor('broker.started')).port);
    expect(await eventually(`http://127.0.0.1:${port}/readyz`, 200)).toBe(true);

    const answered = new Map<string, number>();
    let signalled = false;
    const stopAfter = 300;
    const workers = Array.from({ length: 8 }, () =>
      loadUntilRefused(port, answered, () => {
        if (!signalled && answered.size >= stopAfter) {
          signalled = true;
          broker!.child.kill('SIGTERM');
        }
      }),
    );
    await Promise.all(workers);
    const exit = await broker.exited;

    expect(signalled).toBe(true);
    expect(answered.size).toBeGreaterThanOrEqual(stopAfter);
    expect([...answered.values()].every((status) => status === 200)).toBe(true);
    const audited = new Set(
      broker.events.filter((e) => e.channel === 'audit' && e.event === 'credentials.dry_run').map((e) => String(e.requestId)),
    );
    const missing = [...answered.keys()].filter((id) => !audited.has(id));
    expect(missing).toEqual([]);
    expect(exit).toEqual({ code: 0, signal: null });
    // The shutdown's own lines come after the audit lines of the drained requests, and the last one is written.
    expect(broker.events.at(-1)?.event).toBe('broker.stopped');
  });
});
