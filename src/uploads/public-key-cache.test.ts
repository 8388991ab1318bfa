/**
 * The callback key source with an injected fetch that counts: only exact allow-listed URLs are fetched, a request
 * naming anything else is refused before any fetch and cannot displace a key or use up a URL's fetches, only a
 * bare PEM public key is a key, and failures and refreshes are bounded per URL.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { generate } from 'selfsigned';
import { beforeAll, describe, expect, it } from 'vitest';
import { rejectionCodeOf } from '../../dev/testing/errors.js';
import { ManualClock } from '../../dev/testing/clock.js';
import { createPublicKeyCache, MAX_KEY_FILE_BYTES, type PublicKeyCacheOptions } from './public-key-cache.js';

const OSS_HTTP = 'http://gosspublic.alicdn.com/callback_pub_key_v1.pem';
const OSS_HTTPS = 'https://gosspublic.alicdn.com/callback_pub_key_v1.pem';
const b64 = (text: string) => Buffer.from(text).toString('base64');

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pemOf = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();
const PEM = pemOf(rsa.publicKey);

type Reply = () => Response | Promise<Response>;

/** A fetch that records every URL it is asked for and answers with the current `reply`. */
function countingFetch(initial: Reply = () => new Response(PEM)) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const state = { reply: initial };
  const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init });
    return state.reply();
  }) as typeof globalThis.fetch;
  return {
    fetch,
    calls,
    set reply(r: Reply) {
      state.reply = r;
    },
  };
}

function cacheWith(fetch: typeof globalThis.fetch, options: Partial<PublicKeyCacheOptions> = {}) {
  return createPublicKeyCache({ allowedUrls: [OSS_HTTP, OSS_HTTPS], timeoutMs: 2000, clock: new ManualClock(), fetch, ...options });
}

/** Key URLs on OSS's own key host that are not the key: each was accepted by a host allow-list. */
const OTHER_URLS_ON_THE_HOST = [
  ...Array.from({ length: 10 }, (_, i) => `https://gosspublic.alicdn.com/evil-${i}.pem`),
  'http://gosspublic.alicdn.com/callback_pub_key_v1.pem?v=2',
  'http://gosspublic.alicdn.com/callback_pub_key_v1.pem#x',
  'http://gosspublic.alicdn.com/./callback_pub_key_v1.pem',
  'http://GOSSPUBLIC.alicdn.com/callback_pub_key_v1.pem',
  'http://gosspublic.alicdn.com:80/callback_pub_key_v1.pem',
  'https://gosspublic.alicdn.com/images/AppCallbackServer.html',
];

describe('callback public key source', () => {
  it('fetches an allowed URL once and serves the key from memory afterwards', async () => {
    const f = countingFetch();
    const cache = cacheWith(f.fetch);
    const [a, b] = await Promise.all([cache.get(b64(OSS_HTTPS)), cache.get(b64(OSS_HTTPS))]);
    const c = await cache.get(b64(OSS_HTTPS));
    expect(a.asymmetricKeyType).toBe('rsa');
    expect(a.equals(rsa.publicKey)).toBe(true);
    expect([b, c]).toEqual([a, a]);
    expect(f.calls.map((x) => x.url)).toEqual([OSS_HTTPS]);
    expect(f.calls[0]!.init).toMatchObject({ redirect: 'error' });
    expect(f.calls[0]!.init?.signal).toBeInstanceOf(AbortSignal);
  });

  it("fetches OSS's http URL over https, and both spellings share one key", async () => {
    const f = countingFetch();
    const cache = cacheWith(f.fetch);
    const fromHttp = await cache.get(b64(OSS_HTTP));
    expect(await cache.get(b64(OSS_HTTPS))).toBe(fromHttp);
    expect(f.calls.map((x) => x.url)).toEqual([OSS_HTTPS]);
  });

  it('fetches a loopback http URL as it is (the OSS emulator serves no https)', async () => {
    const f = countingFetch();
    const url = 'http://127.0.0.1:9001/.well-known/oss-callback-public-key.pem';
    await cacheWith(f.fetch, { allowedUrls: [url] }).get(b64(url));
    expect(f.calls.map((x) => x.url)).toEqual([url]);
  });

  it('refuses every URL that is not exactly in the list, before any fetch', async () => {
    const f = countingFetch();
    const cache = cacheWith(f.fetch);
    for (const url of [
      ...OTHER_URLS_ON_THE_HOST,
      'http://gosspublic.alicdn.com.evil.example/callback_pub_key_v1.pem',
      'http://evil.example/gosspublic.alicdn.com/callback_pub_key_v1.pem',
      'http://user:pw@gosspublic.alicdn.com/callback_pub_key_v1.pem',
      'ftp://gosspublic.alicdn.com/callback_pub_key_v1.pem',
      ` ${OSS_HTTP}`,
      `${OSS_HTTP}\n`,
      'file:///etc/passwd',
      'not a url',
    ]) {
      expect(await rejectionCodeOf(cache.get(b64(url))), url).toBe('callback_rejected');
    }
    expect(await rejectionCodeOf(cache.get('%%%'))).toBe('callback_rejected');
    expect(await rejectionCodeOf(cache.get(''))).toBe('callback_rejected');
    expect(f.calls).toEqual([]);
  });

  it('sixteen requests naming other URLs on the key host neither displace the key nor spend a fetch', async () => {
    const f = countingFetch();
    const cache = cacheWith(f.fetch);
    const key = await cache.get(b64(OSS_HTTP));
    for (let i = 0; i < 16; i++) {
      expect(await rejectionCodeOf(cache.get(b64(`http://gosspublic.alicdn.com/k${i}.pem`)))).toBe('callback_rejected');
    }
    expect(await cache.get(b64(OSS_HTTP))).toBe(key);
    expect(f.calls).toHaveLength(1);
  });

  it('sixteen such requests before the first genuine one leave its fetch untouched', async () => {
    const f = countingFetch();
    const cache = cacheWith(f.fetch);
    for (let i = 0; i < 16; i++) {
      expect(await rejectionCodeOf(cache.get(b64(`https://gosspublic.alicdn.com/k${i}.pem`)))).toBe('callback_rejected');
    }
    expect(f.calls).toHaveLength(0);
    expect((await cache.get(b64(OSS_HTTP))).equals(rsa.publicKey)).toBe(true);
    expect(f.calls).toHaveLength(1);
  });

  describe('takes a bare PEM public key only, and does not keep anything else', () => {
    const pkcs8 = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const pkcs1Public = rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const ec = pemOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
    let cert = '';
    beforeAll(async () => {
      // An RSA certificate: createPublicKey would take its key, so only the file check can refuse it.
      cert = (await generate([{ name: 'commonName', value: 'not a key file' }], { keyType: 'rsa', keySize: 2048 })).cert;
    });
    it.each<[string, () => string]>([
      ['an HTML page with the key inside', () => `<html><body><pre>\n${PEM}</pre></body></html>`],
      ['text before the key', () => `Alibaba Cloud OSS callback key:\n${PEM}`],
      ['text after the key', () => `${PEM}\nsee https://example.com`],
      ['two keys', () => `${PEM}${pemOf(otherRsa.publicKey)}`],
      ['a certificate', () => cert],
      ['a key and a certificate', () => `${PEM}${cert}`],
      ['a private key', () => pkcs8],
      ['a PKCS#1 RSA PUBLIC KEY block', () => pkcs1Public],
      ['an EC public key', () => ec],
      ['a block with a broken body', () => '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'],
      ['an empty body', () => ''],
    ])('%s', async (_what, body) => {
      const clock = new ManualClock();
      const f = countingFetch(() => new Response(body()));
      const cache = cacheWith(f.fetch, { clock, retryAfterFailureMs: 10_000 });
      expect(await rejectionCodeOf(cache.get(b64(OSS_HTTP)))).toBe('public_key_unavailable');
      // Nothing was kept: once the retry is due, a good file is fetched and used.
      f.reply = () => new Response(PEM);
      clock.time += 10_000;
      expect((await cache.get(b64(OSS_HTTP))).equals(rsa.publicKey)).toBe(true);
      expect(f.calls).toHaveLength(2);
    });

    it('whitespace around the block and CRLF line ends are fine (the block is what counts)', async () => {
      const f = countingFetch(() => new Response(`\r\n  ${PEM.replace(/\n/g, '\r\n')}\r\n\r\n`));
      expect((await cacheWith(f.fetch).get(b64(OSS_HTTP))).equals(rsa.publicKey)).toBe(true);
    });

    it("a 512-bit key (Alibaba's documented callback signatures are 64 bytes)", async () => {
      const small = generateKeyPairSync('rsa', { modulusLength: 512 }).publicKey;
      const f = countingFetch(() => new Response(pemOf(small)));
      expect((await cacheWith(f.fetch).get(b64(OSS_HTTP))).equals(small)).toBe(true);
    });
  });

  describe('bounds the body', () => {
    it(`refuses a declared Content-Length over ${MAX_KEY_FILE_BYTES} bytes`, async () => {
      const f = countingFetch(() => new Response(PEM, { headers: { 'content-length': String(MAX_KEY_FILE_BYTES + 1) } }));
      expect(await rejectionCodeOf(cacheWith(f.fetch).get(b64(OSS_HTTP)))).toBe('public_key_unavailable');
    });

    it('stops reading an undeclared body once it passes the cap', async () => {
      let served = 0;
      // 1 MiB in 1 KiB chunks, without a Content-Length.
      const large = () =>
        new Response(
          new ReadableStream<Uint8Array>({
            pull(controller) {
              if (served >= 1024 * 1024) return controller.close();
              served += 1024;
              controller.enqueue(new Uint8Array(1024).fill(65));
            },
          }),
        );
      const f = countingFetch(large);
      expect(await rejectionCodeOf(cacheWith(f.fetch).get(b64(OSS_HTTP)))).toBe('public_key_unavailable');
      // The stream may be pulled a little ahead of the reader, not to its end.
      expect(served).toBeLessThanOrEqual(MAX_KEY_FILE_BYTES + 4 * 1024);
    });
  });

  it('a failed fetch is retried only after retryAfterFailureMs, one fetch at a time', async () => {
    const clock = new ManualClock();
    const f = countingFetch(() => new Response('no', { status: 500 }));
    const cache = cacheWith(f.fetch, { clock, retryAfterFailureMs: 10_000 });
    const first = await Promise.all(Array.from({ length: 8 }, () => rejectionCodeOf(cache.get(b64(OSS_HTTP)))));
    expect(first).toEqual(Array(8).fill('public_key_unavailable'));
    expect(f.calls).toHaveLength(1);
    clock.time += 9_999;
    expect(await rejectionCodeOf(cache.get(b64(OSS_HTTPS)))).toBe('public_key_unavailable');
    expect(f.calls).toHaveLength(1);
    clock.time += 1;
    expect(await rejectionCodeOf(cache.get(b64(OSS_HTTP)))).toBe('public_key_unavailable');
    expect(f.calls).toHaveLength(2);
    // A minute of retries is at most six fetches of this URL, however many callbacks arrive.
    for (let s = 0; s < 60; s++) {
      clock.time += 1000;
      await rejectionCodeOf(cache.get(b64(OSS_HTTP)));
    }
    expect(f.calls).toHaveLength(8);
  });

  it('a thrown fetch (network error, deadline) is public_key_unavailable and counts as a failure', async () => {
    const f = countingFetch(() => {
      throw new TypeError('fetch failed');
    });
    const cache = cacheWith(f.fetch);
    expect(await rejectionCodeOf(cache.get(b64(OSS_HTTP)))).toBe('public_key_unavailable');
    expect(await rejectionCodeOf(cache.get(b64(OSS_HTTP)))).toBe('public_key_unavailable');
    expect(f.calls).toHaveLength(1);
  });

  it('keeps a key until its refresh; a failed refresh keeps it, a good one replaces it', async () => {
    const clock = new ManualClock();
    const f = countingFetch();
    const cache = cacheWith(f.fetch, { clock, refreshAfterMs: 3_600_000, retryAfterFailureMs: 10_000 });
    const key = await cache.get(b64(OSS_HTTP));
    clock.time += 3_599_999;
    expect(await cache.get(b64(OSS_HTTP))).toBe(key);
    expect(f.calls).toHaveLength(1);

    clock.time += 1;
    f.reply = () => new Response('<html>maintenance</html>', { status: 503 });
    expect(await cache.get(b64(OSS_HTTP))).toBe(key);
    expect(f.calls).toHaveLength(2);
    clock.time += 5_000;
    expect(await cache.get(b64(OSS_HTTP))).toBe(key);
    expect(f.calls).toHaveLength(2);

    clock.time += 5_000;
    f.reply = () => new Response(pemOf(otherRsa.publicKey));
    expect((await cache.get(b64(OSS_HTTP))).equals(otherRsa.publicKey)).toBe(true);
    expect(f.calls).toHaveLength(3);
  });
});
