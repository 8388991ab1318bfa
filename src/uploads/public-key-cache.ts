/**
 * OSS's callback public keys, fetched only from an exact list of key URLs and kept in memory.
 *
 * Alibaba's verification steps: base64-decode `x-oss-pub-key-url`, make sure the key is OSS's (its example names
 * `http://gosspublic.alicdn.com/callback_pub_key_v1.pem`), fetch and cache the PEM
 * (https://www.alibabacloud.com/help/en/oss/developer-reference/callback). Here the URL must be one of
 * `uploads.callbackPublicKeyUrls`, compared as text: a host check would let anyone name any page on that host.
 *
 * The header comes from an unauthenticated request, so nothing it names outside the list is ever fetched, and
 * nothing it names can take a key out of memory: each allowed URL has one fixed slot (no eviction among them).
 * A URL is fetched at most once at a time, with a deadline (OSS gives the whole callback 5 s), no redirects and a
 * size cap; after a failure it is not fetched again for `retryAfterFailureMs`, which is the per-URL fetch budget.
 * A fetched key is used until `refreshAfterMs`, then fetched again; a failed refresh keeps the key it had.
 * The body must be exactly one `-----BEGIN PUBLIC KEY-----` block (what Alibaba's file is): a page that merely
 * contains a key, a certificate or a private key is not a key file.
 * A plain-http key URL is fetched over https unless its host is loopback: the key decides what the broker
 * believes, so it must not be open to a network attacker (OSS's key host serves https; its docs use both).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { BrokerError } from '../errors.js';
import type { Clock } from '../shared/clock.js';

export interface PublicKeySource {
  /** The key named by an `x-oss-pub-key-url` header value. Throws callback_rejected or public_key_unavailable. */
  get(publicKeyUrlHeader: string): Promise<KeyObject>;
}

export interface PublicKeyCacheOptions {
  /** The key URLs a callback may name, exactly as they appear base64-decoded in `x-oss-pub-key-url`. */
  allowedUrls: readonly string[];
  timeoutMs: number;
  clock: Clock;
  fetch?: typeof fetch;
  /** How long a fetched key is used before it is fetched again. Default 1 day. */
  refreshAfterMs?: number;
  /** How long a URL whose fetch failed is not fetched again. Default 10 s. */
  retryAfterFailureMs?: number;
}

/** An RSA-8192 SPKI PEM is about 1.5 KB; Alibaba's key is far smaller. */
export const MAX_KEY_FILE_BYTES = 4096;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
/** One PEM public key and nothing else (surrounding whitespace is trimmed first). */
const BARE_PUBLIC_KEY_PEM = /^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----$/;

interface Slot {
  fetchUrl: string;
  key: KeyObject | undefined;
  refreshAt: number;
  /** No fetch before this (set by a failure). */
  retryAt: number;
  failure: BrokerError | undefined;
  inFlight: Promise<void> | undefined;
}

/** The URL the key is fetched from: the allowed URL, over https unless it is on loopback. */
function fetchUrlOf(allowed: string): string {
  const url = new URL(allowed);
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) url.protocol = 'https:';
  return url.href;
}

/** A fetched body as a key: exactly one PEM public key, RSA. */
export function parseKeyFile(body: string): KeyObject {
  const pem = body.trim();
  if (!BARE_PUBLIC_KEY_PEM.test(pem)) {
    throw new BrokerError('public_key_unavailable', 'the callback public key file is not a single PEM public key');
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new BrokerError('public_key_unavailable', 'the callback public key file does not hold a valid public key', { cause: error });
  }
  if (key.asymmetricKeyType !== 'rsa') throw new BrokerError('public_key_unavailable', 'the callback public key is not an RSA key');
  return key;
}

/** The body as text, refused past `max` bytes without reading the rest. */
async function readCapped(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > max) throw new Error(`the key file is larger than ${max} bytes`);
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      reader.cancel().catch(() => {});
      throw new Error(`the key file is larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function createPublicKeyCache(options: PublicKeyCacheOptions): PublicKeySource {
  const doFetch = options.fetch ?? fetch;
  const refreshAfterMs = options.refreshAfterMs ?? 24 * 3600 * 1000;
  const retryAfterFailureMs = options.retryAfterFailureMs ?? 10_000;
  // The http and https spellings of one key share a slot: they are fetched from the same https URL.
  const slots = new Map<string, Slot>();
  const byAllowedUrl = new Map<string, Slot>();
  for (const allowed of options.allowedUrls) {
    const fetchUrl = fetchUrlOf(allowed);
    let slot = slots.get(fetchUrl);
    if (slot === undefined) {
      slot = { fetchUrl, key: undefined, refreshAt: 0, retryAt: 0, failure: undefined, inFlight: undefined };
      slots.set(fetchUrl, slot);
    }
    byAllowedUrl.set(allowed, slot);
  }

  function slotFor(header: string): Slot {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(header)) throw new BrokerError('callback_rejected', 'x-oss-pub-key-url is not base64');
    const slot = byAllowedUrl.get(Buffer.from(header, 'base64').toString('utf8'));
    if (slot === undefined) {
      throw new BrokerError('callback_rejected', 'the public key URL in x-oss-pub-key-url is not allowed (uploads.callbackPublicKeyUrls)');
    }
    return slot;
  }

  async function fetchKey(url: string): Promise<KeyObject> {
    let body: string;
    try {
      const res = await doFetch(url, { redirect: 'error', signal: AbortSignal.timeout(options.timeoutMs) });
      if (res.status !== 200) {
        res.body?.cancel().catch(() => {});
        throw new Error(`status ${res.status}`);
      }
      body = await readCapped(res, MAX_KEY_FILE_BYTES);
    } catch (error) {
      throw new BrokerError('public_key_unavailable', 'the callback public key could not be fetched', { cause: error });
    }
    return parseKeyFile(body);
  }

  function refresh(slot: Slot): Promise<void> {
    return fetchKey(slot.fetchUrl).then(
      (key) => {
        slot.key = key;
        slot.refreshAt = options.clock.now() + refreshAfterMs;
        slot.failure = undefined;
      },
      (error: unknown) => {
        slot.failure =
          error instanceof BrokerError
            ? error
            : new BrokerError('public_key_unavailable', 'the callback public key could not be fetched', { cause: error });
        slot.retryAt = options.clock.now() + retryAfterFailureMs;
      },
    );
  }

  return {
    async get(header) {
      const slot = slotFor(header);
      const now = options.clock.now();
      if (slot.key !== undefined && now < slot.refreshAt) return slot.key;
      if (now >= slot.retryAt && slot.inFlight === undefined) {
        slot.inFlight = refresh(slot).finally(() => {
          slot.inFlight = undefined;
        });
      }
      if (slot.inFlight !== undefined) await slot.inFlight;
      // A key that was good stays good while its URL fails to serve it again.
      if (slot.key !== undefined) return slot.key;
      throw slot.failure ?? new BrokerError('public_key_unavailable', 'the callback public key could not be fetched');
    },
  };
}
