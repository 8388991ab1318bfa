/** Revocations for one process (local mode, memory-store tests): the same contract as Redis, without replicas. */
import type { RevocationBackend } from './backend.js';
import type { HandedOutToken, Revocation } from './types.js';

interface Expiring<T> {
  value: T;
  expiresAt: number;
}

/**
 * What one identity was handed, in arrays rather than a Map per identity and kind: an identity usually holds one token
 * and one cache key, and two small Maps (about 180 bytes each, most of it their hash tables) were most of what every
 * principal cost here (a heap snapshot of the 10,000-principal soak). A lookup is a scan of a few entries.
 */
interface HandOuts {
  /** One per AccessKeyId: the last recorded. */
  tokens: Array<Expiring<HandedOutToken>>;
  /** One per cache key, until the latest expiry recorded for it. */
  cacheKeys: Array<Expiring<string>>;
}

export function createMemoryRevocationBackend(): RevocationBackend {
  let version = 0;
  const revocations = new Map<string, Revocation>();
  const listeners: Array<() => void> = [];
  const handedOut = new Map<string, HandOuts>();
  const changed = (): void => {
    version += 1;
    for (const listener of listeners) queueMicrotask(listener);
  };

  return {
    async version() {
      return version;
    },
    async load() {
      return { version, revocations: [...revocations.values()] };
    },
    async add(revocation) {
      revocations.set(revocation.id, revocation);
      changed();
    },
    async remove(id) {
      const existed = revocations.delete(id);
      if (existed) changed();
      return existed;
    },
    async removeLapsed(ids) {
      const removed = ids.filter((id) => revocations.delete(id)).length;
      if (removed > 0) changed();
      return removed;
    },
    onChange(listener) {
      listeners.push(listener);
    },
    async recordHandOut(identity, token, cacheKey, expiresAt, now) {
      let record = handedOut.get(identity);
      if (record === undefined) {
        record = { tokens: [], cacheKeys: [] };
        handedOut.set(identity, record);
      }
      // Built from a one-element literal: the common single entry then needs no spare capacity (a push would add 16).
      const tokens = [{ value: token, expiresAt }];
      for (const t of record.tokens) if (t.expiresAt > now && t.value.accessKeyId !== token.accessKeyId) tokens.push(t);
      const previous = record.cacheKeys.find((k) => k.value === cacheKey)?.expiresAt ?? 0;
      const keys = [{ value: cacheKey, expiresAt: Math.max(expiresAt, previous) }];
      for (const k of record.cacheKeys) if (k.expiresAt > now && k.value !== cacheKey) keys.push(k);
      record.tokens = tokens;
      record.cacheKeys = keys;
    },
    async tokens(identity, now) {
      return (handedOut.get(identity)?.tokens ?? [])
        .filter((t) => t.expiresAt > now)
        .sort((a, b) => a.expiresAt - b.expiresAt)
        .map((t) => t.value);
    },
    async cacheKeys(identity, now) {
      return (handedOut.get(identity)?.cacheKeys ?? []).filter((k) => k.expiresAt > now).map((k) => k.value);
    },
    async close() {},
  };
}
