/**
 * The token lifetime contract, end to end, on one controlled clock: every component reads time through `Date` (the
 * broker, both emulators, the STS SDK's request signing, ali-oss's refresh timer), so `vi.setSystemTime` moves them
 * together without waiting. Clients built exactly as docs/clients.md says (test/clients/snippets/ali-oss-uploader.mjs, which
 * docs/clients.md shows) upload every 30 s over three token lifetimes, one of them starting when the broker's cached
 * token has just over the floor left, the worst case. None of them ever sends an expired token. A client on the old
 * fixed 10-minute interval does, which shows the check can fail. Refresh-ahead is off here: it only makes
 * the worst case rarer.
 */
import { Agent, type Server } from 'node:http';
import type OSS from 'ali-oss';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ossFailure, startStack, type Stack } from './stack.js';

interface Uploader {
  client: OSS;
  prefix: string;
}
type CreateUploader = (options: {
  broker: string;
  profile: string;
  authHeaders: () => Promise<Record<string, string>>;
  ossOptions?: Record<string, unknown>;
}) => Promise<Uploader>;

const SNIPPET = '../clients/snippets/ali-oss-uploader.mjs';
const T0 = Math.floor(Date.now() / 1000) * 1000;
const LIFE_S = 900;
const FLOOR_S = 300;
let createUploader: CreateUploader;
let stack: Stack;
let server: Server;
let base: string;

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
  ({ createUploader } = (await import(/* @vite-ignore */ SNIPPET)) as { createUploader: CreateUploader });
  stack = await startStack({
    configPatch: (c) => {
      c.cache.minRemainingSeconds = FLOOR_S;
      c.cache.refreshAhead = { enabled: false };
    },
  });
  server = stack.broker.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await stack.close();
  vi.useRealTimers();
});

const at = (seconds: number) => vi.setSystemTime(T0 + seconds * 1000);

function uploader(sub: string, ossOptions: Record<string, unknown> = {}): Promise<Uploader> {
  return createUploader({
    broker: base,
    profile: 'uploads',
    // A fresh JWT for every credentials request: the development issuer's tokens live an hour.
    authHeaders: async () => ({ authorization: `Bearer ${await stack.broker.token(sub, 'acme')}` }),
    ossOptions: { sldEnable: true, agent: new Agent({ keepAlive: false }), timeout: 10_000, ...ossOptions },
  });
}

describe('token lifetime contract', () => {
  it('every token handed out has the promised life left, and refreshAfter says when it stops being handed out', async () => {
    const auth = { authorization: `Bearer ${await stack.broker.token('promise', 'acme')}` };
    for (const seconds of [0, 299, 599, 600, 601, 1199]) {
      at(seconds);
      const res = await request(stack.broker.app).post('/v1/credentials').set(auth).send({ profile: 'uploads' });
      const { expiration } = res.body.credentials;
      expect(Date.parse(expiration) - Date.parse(res.body.serverTime)).toBeGreaterThan(FLOOR_S * 1000);
      expect(Date.parse(expiration) - Date.parse(res.body.refreshAfter)).toBeGreaterThanOrEqual(FLOOR_S * 1000);
      expect(Date.parse(res.body.refreshAfter)).toBeGreaterThanOrEqual(Date.parse(res.body.serverTime));
      expect(res.body.stale).toBe(false);
    }
  });

  it('clients following docs/clients.md never send an expired token over three lifetimes, worst case included', async () => {
    at(10_000);
    const early = await uploader('alice'); // gets a fresh token (900 s)
    at(10_000 + LIFE_S - FLOOR_S - 1);
    const late = await uploader('alice'); // same user: the cached token, with 301 s left
    const keyOf = (u: Uploader) => (u.client as unknown as { options: { accessKeyId: string } }).options.accessKeyId;
    expect(keyOf(late)).toBe(keyOf(early));
    const uploads: Array<{ who: string; second: number; ok: boolean; code?: string }> = [];
    for (let s = LIFE_S - FLOOR_S; s <= 3 * LIFE_S; s += 30) {
      at(10_000 + s);
      for (const [who, u] of [
        ['early', early],
        ['late', late],
      ] as const) {
        const outcome = await u.client.put(`${u.prefix}t-${s}.png`, Buffer.from('png')).then(
          () => ({ ok: true }),
          (error: { code?: string }) => ({ ok: false, code: error.code }),
        );
        uploads.push({ who, second: s, ...outcome });
      }
    }
    expect(uploads.filter((u) => !u.ok)).toEqual([]);
    expect(uploads.length).toBeGreaterThanOrEqual(140);
  });

  it('a client on a timer longer than the promise (10 minutes) does send an expired token', async () => {
    at(20_000);
    await uploader('bob');
    at(20_000 + LIFE_S - FLOOR_S - 1);
    const careless = await uploader('bob', { refreshSTSTokenInterval: 10 * 60 * 1000 });
    at(20_000 + LIFE_S + 10); // the token it was given expired 10 s ago, and its timer has not fired yet
    const error = await ossFailure(careless.client.put(`${careless.prefix}late.png`, Buffer.from('png')));
    expect(error.code).toBe('SecurityTokenExpired');
  });
});
