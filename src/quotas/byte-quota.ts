/**
 * Byte quotas as the rest of the broker uses them after a grant: the profile's `quota.bytesPerPrincipal` windows
 * looked up, a form's bytes settled by its callback, usage reported. A grant's declared bytes are reserved by the
 * Admission (admission.ts, with the request quota); the counting itself is the ByteLedger (byte-ledger.ts).
 */
import { randomUUID } from 'node:crypto';
import type { BrokerConfig } from '../config/schema.js';
import type { ByteItem, ByteLedger, ByteScope, ByteWindowUsage, SettleInput } from './byte-ledger.js';

export interface DeclaredBytes {
  bytes: number;
  settle: ByteItem['settle'];
  /** Epoch ms when an unsettled reservation lapses. */
  expiresAt: number;
}

export interface ByteQuota {
  settle(principalKey: string, profile: string, input: SettleInput): Promise<'recorded' | 'duplicate' | 'not_counted'>;
  usage(principalKey: string, profile: string): Promise<ByteWindowUsage[]>;
}

/**
 * 122 random bits. randomUUID draws from an entropy cache Node refills in batches, where randomBytes asks OpenSSL
 * once per call (https://nodejs.org/api/crypto.html#cryptorandomuuidoptions); every file that waits for a callback gets
 * one (a file charged at once reserves nothing, so nothing will name it).
 */
export const newReservationId = (): string => randomUUID();

export function createByteQuota(config: Readonly<BrokerConfig>, ledger: ByteLedger): ByteQuota {
  function scope(profile: string, principalKey: string): ByteScope | undefined {
    const windows = Object.hasOwn(config.profiles, profile) ? config.profiles[profile]?.quota?.bytesPerPrincipal : undefined;
    return windows === undefined ? undefined : { profile, principalKey, windows };
  }

  return {
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
