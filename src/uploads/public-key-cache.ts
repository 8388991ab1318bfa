/**
 * OSS's callback public keys, fetched only from allow-listed hosts and kept in memory.
 *
 * Alibaba's verification steps: base64-decode `x-oss-pub-key-url`, accept it only on OSS's key host
 * (gosspublic.alicdn.com), fetch and cache the PEM
 * (https://www.alibabacloud.com/help/en/oss/developer-reference/callback). Here the host list is configuration
 * (`uploads.callbackPublicKeyHosts`; local mode names the OSS emulator) and compared exactly, port included.
 *
 * Because the URL comes from an unauthenticated request, fetching is hedged: a deadline per fetch (OSS gives the
 * whole callback 5 s), no redirects, a size cap, one fetch in flight per URL, a small cache, failures remembered
 * briefly, and at most a few fetches a minute, so forged callbacks cannot turn the broker into a fetch amplifier.
 * A plain-http key URL is fetched over https unless its host is loopback: the key decides what the broker
 * believes, so it must not be open to a network attacker (OSS's key host serves https; its docs accept both).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { BrokerError } from '../errors.js';
import type { Clock } from '../shared/clock.js';

export interface PublicKeySource {
  /** The key named by an `x-oss-pub-key-url` header value. Throws callback_rejected or public_key_unavailable. */
  get(publicKeyUrlHeader: string): Promise<KeyObject>;
}

export interface PublicKeyCacheOptions {
  allowedHosts: readonly string[];
  timeoutMs: number;
  clock: Clock;
  fetch?: typeof fetch;
  /** How long a fetched key is trusted before it is fetched again. Default 1 day. */
  ttlMs?: number;
  /** How long a failed fetch is not retried. Default 10 s. */
  failureTtlMs?: number;
  maxFetchesPerMinute?: number;
}

const MAX_KEY_BYTES = 16 * 1024;
const MAX_CACHED_URLS = 16;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export function createPublicKeyCache(options: PublicKeyCacheOptions): PublicKeySource {
  const allowed = new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  const doFetch = options.fetch ?? fetch;
  const ttlMs = options.ttlMs ?? 24 * 3600 * 1000;
  const failureTtlMs = options.failureTtlMs ?? 10_000;
  const budget = options.maxFetchesPerMinute ?? 10;
  const cache = new Map<string, { key?: KeyObject; failure?: BrokerError; until: number }>();
  const inFlight = new Map<string, Promise<KeyObject>>();
  const recentFetches: number[] = [];

  function allowedUrl(header: string): URL {
    const text = /^[A-Za-z0-9+/]+={0,2}$/.test(header) ? Buffer.from(header, 'base64').toString('utf8') : '';
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new BrokerError('callback_rejected', 'x-oss-pub-key-url is not a base64-encoded URL');
    }
    const ok = (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '';
    if (!ok || !allowed.has(url.host)) throw new BrokerError('callback_rejected', `public key host "${url.host}" is not allowed`);
    if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) url.protocol = 'https:';
    return url;
  }

  async function fetchKey(url: string): Promise<KeyObject> {
    const now = options.clock.now();
    while (recentFetches.length > 0 && recentFetches[0]! <= now - 60_000) recentFetches.shift();
    if (recentFetches.length >= budget) throw new BrokerError('public_key_unavailable', 'too many public key fetches; try again shortly');
    recentFetches.push(now);
    let pem: string;
    try {
      const res = await doFetch(url, { redirect: 'error', signal: AbortSignal.timeout(options.timeoutMs) });
      if (res.status !== 200) throw new Error(`status ${res.status}`);
      const bytes = Buffer.from(await res.arrayBuffer());
      if (bytes.length > MAX_KEY_BYTES) throw new Error('key too large');
      pem = bytes.toString('utf8');
    } catch (error) {
      throw new BrokerError('public_key_unavailable', 'the callback public key could not be fetched', { cause: error });
    }
    let key: KeyObject;
    try {
      key = createPublicKey(pem);
    } catch (error) {
      throw new BrokerError('public_key_unavailable', 'the callback public key is not a PEM public key', { cause: error });
    }
    if (key.asymmetricKeyType !== 'rsa') throw new BrokerError('public_key_unavailable', 'the callback public key is not an RSA key');
    return key;
  }

  function remember(url: string, entry: { key?: KeyObject; failure?: BrokerError; until: number }): void {
    if (!cache.has(url) && cache.size >= MAX_CACHED_URLS) cache.delete(cache.keys().next().value as string);
    cache.set(url, entry);
  }

  return {
    async get(header) {
      const url = allowedUrl(header).href;
      const now = options.clock.now();
      const cached = cache.get(url);
      if (cached !== undefined && cached.until > now) {
        if (cached.key !== undefined) return cached.key;
        if (cached.failure !== undefined) throw cached.failure;
      }
      const running = inFlight.get(url);
      if (running !== undefined) return running;
      const stale = cached?.key;
      const attempt = fetchKey(url)
        .then((key) => {
          remember(url, { key, until: options.clock.now() + ttlMs });
          return key;
        })
        .catch((error: unknown) => {
          // A key that was good stays good while its host is unreachable (or a flood spends the fetch budget).
          if (stale !== undefined) {
            remember(url, { key: stale, until: options.clock.now() + failureTtlMs });
            return stale;
          }
          if (error instanceof BrokerError) remember(url, { failure: error, until: options.clock.now() + failureTtlMs });
          throw error;
        })
        .finally(() => inFlight.delete(url));
      inFlight.set(url, attempt);
      return attempt;
    },
  };
}
