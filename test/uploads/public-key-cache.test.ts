/**
 * OSS's callback public keys over real HTTP (a loopback key server stands in for gosspublic.alicdn.com): the
 * allow-listed URL is fetched once and served from memory, with a deadline, never through a redirect; a page that
 * contains the key, an error status or another kind of key is no key. Logic with an injected fetch:
 * src/uploads/public-key-cache.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejectionCodeOf } from '../../dev/testing/errors.js';
import { createPublicKeyCache } from '../../src/uploads/public-key-cache.js';
import { systemClock } from '../../src/shared/clock.js';
import { ManualClock } from '../store/helpers.js';
import { startKeyServer, type KeyServer } from './helpers.js';

let keys: KeyServer;
beforeAll(async () => {
  keys = await startKeyServer();
});
afterAll(async () => keys.close());

const b64 = (text: string) => Buffer.from(text).toString('base64');
/** A key URL of its own on the key server, so each test counts its own hits. */
const urlFor = (path: string) => `http://${keys.host}${path}`;

describe('public key cache over HTTP', () => {
  it('fetches an allow-listed key once and serves it from memory afterwards', async () => {
    const url = urlFor('/cached.pem');
    const cache = createPublicKeyCache({ allowedUrls: [url], timeoutMs: 2000, clock: systemClock });
    const [a, b] = await Promise.all([cache.get(b64(url)), cache.get(b64(url))]);
    const c = await cache.get(b64(url));
    expect(a.asymmetricKeyType).toBe('rsa');
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(keys.hits.get('/cached.pem')).toBe(1);
  });

  it('never fetches another path on the allowed host', async () => {
    const cache = createPublicKeyCache({ allowedUrls: [urlFor('/only.pem')], timeoutMs: 2000, clock: systemClock });
    for (const path of ['/other.pem', '/only.pem?x=1', '/only.pem/', '//only.pem', '/ONLY.pem']) {
      expect(await rejectionCodeOf(cache.get(b64(urlFor(path)))), path).toBe('callback_rejected');
      expect(keys.hits.get(path), path).toBeUndefined();
    }
  });

  it('gives up at the deadline on a host that never answers', async () => {
    const url = urlFor('/hang.pem');
    const cache = createPublicKeyCache({ allowedUrls: [url], timeoutMs: 300, clock: systemClock });
    keys.mode = 'hang';
    try {
      expect(await rejectionCodeOf(cache.get(b64(url)))).toBe('public_key_unavailable');
    } finally {
      keys.mode = 'key';
    }
  });

  it.each([['error'], ['garbage'], ['ec-key'], ['redirect'], ['key-in-page']] as const)(
    'answers public_key_unavailable for a %s response, and keeps nothing',
    async (mode) => {
      const clock = new ManualClock();
      const url = urlFor(`/${mode}.pem`);
      const cache = createPublicKeyCache({ allowedUrls: [url], timeoutMs: 2000, clock, retryAfterFailureMs: 1000 });
      keys.mode = mode;
      try {
        expect(await rejectionCodeOf(cache.get(b64(url)))).toBe('public_key_unavailable');
      } finally {
        keys.mode = 'key';
      }
      clock.advance(1000);
      expect((await cache.get(b64(url))).asymmetricKeyType).toBe('rsa');
      expect(keys.hits.get(`/${mode}.pem`)).toBe(2);
    },
  );

  it('keeps a good key while its host fails to serve it again', async () => {
    const clock = new ManualClock();
    const url = urlFor('/stale.pem');
    const cache = createPublicKeyCache({ allowedUrls: [url], timeoutMs: 2000, clock, refreshAfterMs: 1000 });
    const key = await cache.get(b64(url));
    clock.advance(2000);
    keys.mode = 'error';
    try {
      expect(await cache.get(b64(url))).toBe(key);
    } finally {
      keys.mode = 'key';
    }
    expect(keys.hits.get('/stale.pem')).toBe(2);
  });
});
