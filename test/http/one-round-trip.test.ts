/**
 * What a cache hit costs the store: the per-IP limit, the per-principal limit, the request quota and the byte
 * reservation are counted with exactly two commands (the address's count, and one script for everything keyed by
 * the caller), sent together. Seen from Redis itself (MONITOR on a separate connection), not from the code under test.
 * Also: the counts are exact (every window moved by one request), and a request refused before it took a grant is
 * still counted, in the README's order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { rawClient } from '../store/helpers.js';
import { monitorRedis, type RedisMonitor } from '../helpers/redis-monitor.js';

let broker: TestBroker;
let monitor: RedisMonitor;
const seen: string[][] = [];

beforeAll(async () => {
  broker = await startTestBroker({
    configPatch: (c) => {
      c.rateLimits = { perIp: { limit: 1000, windowSeconds: 60 }, perPrincipal: { limit: 3, windowSeconds: 3600 } };
      c.profiles.uploads.quota = {
        perPrincipal: [
          { limit: 100, windowSeconds: 3600 },
          { limit: 1000, windowSeconds: 86_400 },
        ],
        bytesPerPrincipal: [{ limitBytes: 10_000_000, windowSeconds: 3600 }],
      };
    },
  });
  monitor = await monitorRedis(({ args, source }) => {
    // Commands a script runs are reported too, from source `lua`: only what the broker sent counts. The revocations
    // are polled on a timer of their own (revocation/revocations.ts), not per request.
    if (source === 'lua' || args.some((arg) => arg.includes('{revocations}'))) return;
    if (args.some((arg) => arg.startsWith(broker.shared.keyPrefix))) seen.push(args);
  });
});
afterAll(async () => {
  monitor?.close();
  await broker?.close();
});

const credentials = async (sub: string, body: object) =>
  request(broker.app)
    .post('/v1/credentials')
    .set('authorization', `Bearer ${await broker.token(sub, 'acme')}`)
    .send(body);

const png = { profile: 'uploads', files: [{ name: 'a.png', size: 100 }] };

/** The broker's commands of one request, once MONITOR has reported them (it streams asynchronously). */
async function commandsOf(send: () => Promise<{ status: number }>, expected: number): Promise<string[][]> {
  seen.length = 0;
  expect((await send()).status).toBe(200);
  await expect.poll(() => seen.length, { timeout: 5000 }).toBeGreaterThanOrEqual(expected);
  // Anything more would arrive with the rest: give it a moment to show up, then take the list.
  await new Promise((resolve) => setTimeout(resolve, 200));
  return [...seen];
}

describe('one round trip per cache hit', () => {
  it('counts the address, the caller, the request quota and the bytes with two scripts and nothing else', async () => {
    // The first request issues the token and records its hand-out; the second is a cache hit.
    expect((await credentials('hana', png)).status).toBe(200);
    const commands = await commandsOf(() => credentials('hana', png), 2);
    expect(commands.map((c) => c[0]?.toLowerCase())).toEqual(['evalsha', 'evalsha']);
    const keysOf = (c: string[]) => c.slice(3, 3 + Number(c[2]));
    const [byAddress, byCaller] = commands.map(keysOf);
    expect(byAddress).toEqual([expect.stringMatching(/rl:ip:/)]);
    // Every key of the caller's script shares one hash tag (one Redis Cluster slot).
    const tags = new Set(byCaller!.map((key) => /\{[^}]*\}/.exec(key)?.[0]));
    expect(tags.size).toBe(1);
    expect([...tags][0]).toContain('hana');
    expect(byCaller!.some((key) => key.includes('rl:principal:'))).toBe(true);
    expect(byCaller!.filter((key) => key.includes('quota:'))).toHaveLength(2);
    expect(byCaller!.some((key) => key.includes('bq:'))).toBe(true);
  });

  it('a refused request is counted once, and over its limit hears the limit before its input error', async () => {
    // Three requests of one caller with an invalid body: each counted against the caller's limit (3).
    for (let i = 0; i < 3; i += 1) {
      const refused = await credentials('ines', { profile: 'uploads', files: [{ name: 'a.exe', size: 1 }] });
      expect(refused.status).toBe(400);
    }
    const fourth = await credentials('ines', { profile: 'uploads', files: [{ name: 'a.exe', size: 1 }] });
    expect({ status: fourth.status, code: fourth.body.code, limit: fourth.body.limit }).toEqual({
      status: 429,
      code: 'rate_limited',
      limit: 'principal',
    });
    // The refusals took no quota: the caller's quota windows were never started.
    const raw = rawClient();
    const quotaKeys = await raw.keys(`${broker.shared.keyPrefix}quota:*ines*`);
    raw.disconnect();
    expect(quotaKeys).toEqual([]);
  });
});
