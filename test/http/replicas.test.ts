/**
 * Two broker replicas sharing one Redis: many concurrent identical requests spread over both end in exactly one
 * AssumeRole at the emulator (coalescing within a process and across processes), and every caller gets the
 * same token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from 'node:http';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';

/** 80 requests from one principal and one address must not trip the rate limits this test is not about. */
const roomyLimits = (c: Record<string, any>) => {
  c.rateLimits = { perPrincipal: { limit: 10000, windowSeconds: 60 }, perIp: { limit: 10000, windowSeconds: 60 } };
};

let a: TestBroker;
let b: TestBroker;
const servers: Server[] = [];
const urls: string[] = [];

beforeAll(async () => {
  // Realistic STS latency widens the window in which replicas race for the same key.
  a = await startTestBroker({ stsLatencyMs: 150, configPatch: roomyLimits });
  b = await startTestBroker({ shared: a.shared, configPatch: roomyLimits });
  for (const broker of [a, b]) {
    const server = broker.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    servers.push(server);
    const address = server.address();
    urls.push(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
  }
});
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await b.close();
  await a.close();
});

describe('two replicas, one Redis', () => {
  it('turns 80 concurrent identical requests over both replicas into exactly one AssumeRole', async () => {
    const token = await a.token('grace', 'acme');
    const before = a.emulator.stats.assumeRoleCalls;
    const responses = await Promise.all(
      Array.from({ length: 80 }, (_, i) =>
        fetch(`${urls[i % 2]}/v1/credentials`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ profile: 'uploads', files: [{ name: 'me.png', size: 10, contentType: 'image/png' }] }),
        }).then(async (res) => ({
          status: res.status,
          body: (await res.json()) as { cached: boolean; credentials: { accessKeyId: string } },
        })),
      ),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(a.emulator.stats.assumeRoleCalls - before).toBe(1);
    expect(new Set(responses.map((r) => r.body.credentials.accessKeyId)).size).toBe(1);
    expect(responses.filter((r) => !r.body.cached)).toHaveLength(1);
  });

  it('serves a token issued by one replica from the other', async () => {
    const token = await a.token('heidi', 'acme');
    const ask = (url: string) =>
      fetch(`${url}/v1/credentials`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ profile: 'uploads' }),
      }).then((res) => res.json() as Promise<{ cached: boolean; credentials: { accessKeyId: string } }>);
    const fromA = await ask(urls[0]!);
    const fromB = await ask(urls[1]!);
    expect(fromA.cached).toBe(false);
    expect(fromB.cached).toBe(true);
    expect(fromB.credentials.accessKeyId).toBe(fromA.credentials.accessKeyId);
  });
});
