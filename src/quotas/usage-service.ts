/**
 * GET /v1/usage?profile=…: the caller's own counters, for apps that show "12 MB of 100 MB used". Only the caller's:
 * the principal comes from authentication, never from the query. Reading counts nothing.
 */
import type { Principal } from '../auth/principal.js';
import type { BrokerConfig } from '../config/schema.js';
import { principalKey } from '../auth/principal.js';
import { findProfile } from '../profiles/index.js';
import { isoSeconds, type Clock } from '../shared/clock.js';
import { quotaKey } from './request-quota.js';
import type { KeyValueStore } from '../store/types.js';
import type { ByteQuota } from './byte-quota.js';

export interface UsageResponse {
  profile: string;
  serverTime: string;
  /** Credential requests (quota.perPrincipal) counted in each window. */
  requests: Array<{ windowSeconds: number; limit: number; used: number }>;
  /** Bytes (quota.bytesPerPrincipal): settled or charged, and reserved for uploads not yet called back. */
  bytes: Array<{
    windowSeconds: number;
    limitBytes: number;
    usedBytes: number;
    reservedBytes: number;
    resetsAt?: string;
    /** When the last reservation lapses if its upload is never called back (the form's expiry plus a grace). */
    reservedUntil?: string;
  }>;
}

export interface UsageService {
  handle(principal: Principal, profile: string): Promise<UsageResponse>;
}

export function createUsageService(deps: {
  config: Readonly<BrokerConfig>;
  store: KeyValueStore;
  bytes: ByteQuota;
  clock: Clock;
}): UsageService {
  const { config, store, bytes, clock } = deps;

  return {
    async handle(principal, name) {
      const profile = findProfile(config, name, principal);
      const who = principalKey(principal);
      // Same de-duplication as the counter itself (request-quota.ts): one counter per window length, the stricter limit.
      const windows = new Map<number, number>();
      for (const w of profile.quota?.perPrincipal ?? []) {
        windows.set(w.windowSeconds, Math.min(w.limit, windows.get(w.windowSeconds) ?? Number.POSITIVE_INFINITY));
      }
      const requests = await Promise.all(
        [...windows].map(async ([windowSeconds, limit]) => {
          const raw = await store.get(quotaKey(name, who, windowSeconds));
          const used = raw === null ? 0 : Math.max(0, Number.parseInt(raw, 10) || 0);
          return { windowSeconds, limit, used };
        }),
      );
      const byteWindows = (await bytes.usage(who, name)).map((w) => ({
        windowSeconds: w.windowSeconds,
        limitBytes: w.limitBytes,
        usedBytes: w.usedBytes,
        reservedBytes: w.reservedBytes,
        ...(w.resetsAt === undefined ? {} : { resetsAt: isoSeconds(w.resetsAt) }),
        ...(w.reservedUntil === undefined ? {} : { reservedUntil: isoSeconds(w.reservedUntil) }),
      }));
      return { profile: name, serverTime: isoSeconds(clock.now()), requests, bytes: byteWindows };
    },
  };
}
