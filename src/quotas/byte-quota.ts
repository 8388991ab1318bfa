/**
 * Byte quotas as the rest of the broker uses them: the profile's `quota.bytesPerPrincipal` windows looked up,
 * declared bytes reserved (or refused with 429 quota_exceeded and the refusing window's Retry-After), settled by
 * the callback. The counting itself is the ByteLedger (byte-ledger.ts) (one atomic step per operation).
 */
import { randomUUID } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import type { BrokerConfig } from '../config/schema.js';
import { BrokerError } from '../errors.js';
import type { ByteItem, ByteLedger, ByteScope, ByteWindowUsage, SettleInput } from './byte-ledger.js';
import { principalKey } from '../auth/principal.js';

export interface DeclaredBytes {
  bytes: number;
  settle: ByteItem['settle'];
  /** Epoch ms when an unsettled reservation lapses. */
  expiresAt: number;
}

export interface Reservation {
  /** One id per declared item, in order; `x:grant` carries it to the callback. */
  ids: string[];
  /** Gives everything back (issuing failed afterwards). Safe to call twice. */
  release(): Promise<void>;
}

export interface ByteQuota {
  /** Throws quota_exceeded (429) when the items do not fit every window; store failures propagate (503). */
  reserve(
    principal: Pick<Principal, 'clientId' | 'tenant' | 'subject'>,
    profile: string,
    items: readonly DeclaredBytes[],
  ): Promise<Reservation>;
  settle(principalKey: string, profile: string, input: SettleInput): Promise<'recorded' | 'duplicate' | 'not_counted'>;
  usage(principalKey: string, profile: string): Promise<ByteWindowUsage[]>;
}

/**
 * 122 random bits. randomUUID draws from an entropy cache Node refills in batches, where randomBytes asks OpenSSL
 * once per call (https://nodejs.org/api/crypto.html#cryptorandomuuidoptions); every declared file gets an id.
 */
export const newReservationId = (): string => randomUUID();

export function createByteQuota(config: Readonly<BrokerConfig>, ledger: ByteLedger): ByteQuota {
  function scope(profile: string, principalKey: string): ByteScope | undefined {
    const windows = Object.hasOwn(config.profiles, profile) ? config.profiles[profile]?.quota?.bytesPerPrincipal : undefined;
    return windows === undefined ? undefined : { profile, principalKey, windows };
  }

  return {
    async reserve(principal, profile, items) {
      const ids = items.map(() => newReservationId());
      const s = scope(profile, principalKey(principal));
      if (s === undefined || items.length === 0) return { ids, release: async () => {} };
      const total = items.reduce((sum, item) => sum + item.bytes, 0);
      const tooBig = s.windows.find((w) => total > w.limitBytes);
      if (tooBig !== undefined) {
        // Waiting would not help: no Retry-After.
        throw new BrokerError(
          'quota_exceeded',
          `${total} bytes declared; the byte quota of profile "${profile}" is ${tooBig.limitBytes} per ${tooBig.windowSeconds}s`,
          { extensions: { quota: 'bytes', limitBytes: tooBig.limitBytes, windowSeconds: tooBig.windowSeconds } },
        );
      }
      const decision = await ledger.reserve(
        s,
        items.map((item, i) => ({ id: ids[i]!, bytes: item.bytes, expiresAt: item.expiresAt, settle: item.settle })),
      );
      if (!decision.allowed) {
        throw new BrokerError(
          'quota_exceeded',
          `byte quota for profile "${profile}" is used up (${decision.limitBytes} bytes per ${decision.windowSeconds}s)`,
          {
            retryAfterSeconds: decision.retryAfterSeconds,
            extensions: { quota: 'bytes', limitBytes: decision.limitBytes, windowSeconds: decision.windowSeconds },
          },
        );
      }
      let released = false;
      return {
        ids,
        async release() {
          if (released) return;
          released = true;
          await ledger.release(s, ids, decision.charge);
        },
      };
    },
    async settle(principalKey, profile, input) {
      const s = scope(profile, principalKey);
      return s === undefined ? 'not_counted' : ledger.settle(s, input);
    },
    async usage(principalKey, profile) {
      const s = scope(profile, principalKey);
      return s === undefined ? [] : ledger.usage(s);
    },
  };
}
