/** Revocations for one process (local mode, memory-store tests): the same contract as Redis, without replicas. */
import type { RevocationBackend } from './backend.js';
import type { HandedOutToken, Revocation } from './types.js';

interface Expiring<T> {
  value: T;
  expiresAt: number;
}

export function createMemoryRevocationBackend(): RevocationBackend {
  let version = 0;
  const revocations = new Map<string, Revocation>();
  const listeners: Array<() => void> = [];
  const handedOut = new Map<string, Map<string, Expiring<HandedOutToken>>>();
  const cacheKeys = new Map<string, Map<string, number>>();
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
      const tokens = handedOut.get(identity) ?? new Map<string, Expiring<HandedOutToken>>();
      const keys = cacheKeys.get(identity) ?? new Map<string, number>();
      for (const [id, t] of tokens) if (t.expiresAt <= now) tokens.delete(id);
      for (const [k, at] of keys) if (at <= now) keys.delete(k);
      tokens.set(token.accessKeyId, { value: token, expiresAt });
      keys.set(cacheKey, Math.max(expiresAt, keys.get(cacheKey) ?? 0));
      handedOut.set(identity, tokens);
      cacheKeys.set(identity, keys);
    },
    async tokens(identity, now) {
      return [...(handedOut.get(identity)?.values() ?? [])]
        .filter((t) => t.expiresAt > now)
        .sort((a, b) => a.expiresAt - b.expiresAt)
        .map((t) => t.value);
    },
    async cacheKeys(identity, now) {
      return [...(cacheKeys.get(identity)?.entries() ?? [])].filter(([, at]) => at > now).map(([key]) => key);
    },
    async close() {},
  };
}
