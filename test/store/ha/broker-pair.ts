/**
 * Broker replicas on an HA topology for the Sentinel and Cluster suites: the real app (test/helpers/broker.ts) with
 * its `redis` block pointed at the topology, listening on loopback, plus the small HTTP client the suites share.
 */
import type { Server } from 'node:http';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';

/** Profiles the HA suites add next to the helper's standard ones. */
export const QUOTA_PROFILE = 'ha-quota';
export const FAILOVER_PROFILE = 'ha-failover';
export const QUOTA_LIMIT = 3;
export const FAILOVER_QUOTA_LIMIT = 100;

export interface Replica {
  broker: TestBroker;
  url: string;
  server: Server;
}

export interface ReplicaSetOptions {
  redis: (keyPrefix: string) => Record<string, unknown>;
  /** Per-principal request limit (the rate-limit test uses a tight one on its own pair). */
  perPrincipalLimit: number;
  stsLatencyMs?: number;
  shared?: TestBroker['shared'];
}

function patch(options: ReplicaSetOptions) {
  return (c: Record<string, any>) => {
    c.redis = options.redis(c.redis.keyPrefix);
    c.rateLimits = { perPrincipal: { limit: options.perPrincipalLimit, windowSeconds: 60 }, perIp: { limit: 100_000, windowSeconds: 60 } };
    c.profiles[QUOTA_PROFILE] = { ...c.profiles.uploads, quota: { perPrincipal: [{ limit: QUOTA_LIMIT, windowSeconds: 3600 }] } };
    c.profiles[FAILOVER_PROFILE] = {
      ...c.profiles.uploads,
      quota: { perPrincipal: [{ limit: FAILOVER_QUOTA_LIMIT, windowSeconds: 3600 }] },
    };
  };
}

async function listen(broker: TestBroker): Promise<Replica> {
  const server = broker.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  return { broker, server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}

/** Two replicas sharing the emulator, issuer, cache key and key prefix, both on the topology. */
export async function startReplicaPair(options: ReplicaSetOptions): Promise<[Replica, Replica]> {
  const a = await startTestBroker({
    configPatch: patch(options),
    ...(options.shared ? { shared: options.shared } : {}),
    ...(options.stsLatencyMs === undefined ? {} : { stsLatencyMs: options.stsLatencyMs }),
  });
  const b = await startTestBroker({ configPatch: patch(options), shared: a.shared }).catch(async (error: unknown) => {
    await a.close();
    throw error;
  });
  return [await listen(a), await listen(b)];
}

export async function stopReplicas(replicas: Replica[]): Promise<void> {
  // Replicas that share state close first; the one that created it (and the emulator) last.
  for (const r of [...replicas].reverse()) {
    r.server.closeAllConnections();
    await new Promise((resolve) => r.server.close(resolve));
    await r.broker.close();
  }
}

export interface Answer {
  status: number;
  code: string | undefined;
  retryAfter: string | null;
  contentType: string | null;
  cached: boolean | undefined;
  accessKeyId: string | undefined;
}

export async function askCredentials(url: string, jwt: string, profile: string): Promise<Answer> {
  const res = await fetch(`${url}/v1/credentials`, {
    method: 'POST',
    headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
    body: JSON.stringify({ profile }),
  });
  const body = (await res.json()) as { code?: string; cached?: boolean; credentials?: { accessKeyId: string } };
  return {
    status: res.status,
    code: body.code,
    retryAfter: res.headers.get('retry-after'),
    contentType: res.headers.get('content-type'),
    cached: body.cached,
    accessKeyId: body.credentials?.accessKeyId,
  };
}
