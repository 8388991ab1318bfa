/**
 * OSS's callback public keys: fetched only from allow-listed hosts (the test allow-lists its own loopback key
 * server), cached, fetched with a deadline, never followed through a redirect, never fetched for a forged host.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerError } from '../../src/errors.js';
import { createPublicKeyCache } from '../../src/uploads/public-key-cache.js';
import { systemClock } from '../../src/shared/clock.js';
import { ManualClock } from '../store/helpers.js';
import { startKeyServer, type KeyServer } from './helpers.js';

let keys: KeyServer;
beforeAll(async () => {
  keys = await startKeyServer();
});
afterAll(async () => keys.close());

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (error) {
    if (error instanceof BrokerError) return error.code;
    throw error;
  }
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('public key cache', () => {
  it('fetches an allow-listed key once and serves it from memory afterwards', async () => {
    const cache = createPublicKeyCache({ allowedHosts: [keys.host], timeoutMs: 2000, clock: systemClock });
    const path = '/cached.pem';
    const header = b64(`http://${keys.host}${path}`);
    const [a, b] = await Promise.all([cache.get(header), cache.get(header)]);
    const c = await cache.get(header);
    expect(a.asymmetricKeyType).toBe('rsa');
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(keys.hits.get(path)).toBe(1);
  });

  it('refuses a host that is not allow-listed, without fetching anything', async () => {
    const fetched: string[] = [];
    const cache = createPublicKeyCache({
      allowedHosts: ['gosspublic.alicdn.com'],
      timeoutMs: 2000,
      clock: systemClock,
      fetch: async (url) => {
        fetched.push(String(url));
        throw new Error('must not fetch');
      },
    });
    for (const url of [
      `http://${keys.host}/callback_pub_key_v1.pem`,
      'http://gosspublic.alicdn.com.evil.example/k.pem',
      'http://evil.example/gosspublic.alicdn.com/k.pem',
      'http://gosspublic.alicdn.com:8080/k.pem',
      'http://user:pw@gosspublic.alicdn.com/k.pem',
      'ftp://gosspublic.alicdn.com/k.pem',
      'file:///etc/passwd',
    ]) {
      expect(await codeOf(cache.get(b64(url))), url).toBe('callback_rejected');
    }
    expect(await codeOf(cache.get('%%%'))).toBe('callback_rejected');
    expect(await codeOf(cache.get(b64('not a url')))).toBe('callback_rejected');
    expect(fetched).toEqual([]);
  });

  it("fetches OSS's http key URL over https (a network attacker must not choose the key)", async () => {
    const fetched: string[] = [];
    const cache = createPublicKeyCache({
      allowedHosts: ['gosspublic.alicdn.com'],
      timeoutMs: 2000,
      clock: systemClock,
      fetch: async (url) => {
        fetched.push(String(url));
        return new Response('x', { status: 404 });
      },
    });
    expect(await codeOf(cache.get(b64('http://gosspublic.alicdn.com/callback_pub_key_v1.pem')))).toBe('public_key_unavailable');
    expect(fetched).toEqual(['https://gosspublic.alicdn.com/callback_pub_key_v1.pem']);
  });

  it('gives up at the deadline on a host that never answers', async () => {
    const cache = createPublicKeyCache({ allowedHosts: [keys.host], timeoutMs: 300, clock: systemClock });
    keys.mode = 'hang';
    try {
      expect(await codeOf(cache.get(b64(`http://${keys.host}/hang.pem`)))).toBe('public_key_unavailable');
    } finally {
      keys.mode = 'key';
    }
  });

  it.each([['error'], ['garbage'], ['ec-key'], ['redirect']] as const)('answers public_key_unavailable for a %s response', async (mode) => {
    const cache = createPublicKeyCache({ allowedHosts: [keys.host], timeoutMs: 2000, clock: systemClock });
    keys.mode = mode;
    try {
      expect(await codeOf(cache.get(b64(`http://${keys.host}/${mode}.pem`)))).toBe('public_key_unavailable');
    } finally {
      keys.mode = 'key';
    }
  });

  it('remembers a failure briefly and limits fetches per minute (no fetch amplification by forged callbacks)', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const cache = createPublicKeyCache({
      allowedHosts: [keys.host],
      timeoutMs: 2000,
      clock,
      maxFetchesPerMinute: 3,
      fetch: async () => {
        calls += 1;
        return new Response('x', { status: 404 });
      },
    });
    const url = (n: number) => b64(`http://${keys.host}/k${n}.pem`);
    expect(await codeOf(cache.get(url(1)))).toBe('public_key_unavailable');
    expect(await codeOf(cache.get(url(1)))).toBe('public_key_unavailable');
    expect(calls).toBe(1);
    await codeOf(cache.get(url(2)));
    await codeOf(cache.get(url(3)));
    await codeOf(cache.get(url(4)));
    expect(calls).toBe(3);
    clock.advance(61_000);
    await codeOf(cache.get(url(5)));
    expect(calls).toBe(4);
  });

  it('keeps a good key while its host fails to serve it again', async () => {
    const clock = new ManualClock();
    const cache = createPublicKeyCache({ allowedHosts: [keys.host], timeoutMs: 2000, clock, ttlMs: 1000 });
    const header = b64(`http://${keys.host}/stale.pem`);
    const key = await cache.get(header);
    clock.advance(2000);
    keys.mode = 'error';
    try {
      expect(await cache.get(header)).toBe(key);
    } finally {
      keys.mode = 'key';
    }
    expect(keys.hits.get('/stale.pem')).toBe(2);
  });
});
