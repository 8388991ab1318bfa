/**
 * Tokens in the shared store (every replica reads them): sealed with AES-256-GCM under the cache key as AAD
 * (encryption.ts), stored for the token's whole remaining life, read back with a floor. Store failures are reported
 * and turned into "nothing there": for the cache a store outage is a miss, never an error for the caller.
 */
import type { Clock } from '../shared/clock.js';
import type { StsCredentials } from '../sts/types.js';
import type { KeyValueStore } from '../store/index.js';
import { parseCredentials } from './credentials-codec.js';
import { createSealer } from './encryption.js';
import type { KeyRing } from '../secrets/key-ring.js';

export interface SharedTokens {
  /** The stored token for `key` if it has more than `floorMs` of life left; null on a miss, a bad value or a failure. */
  read(key: string, floorMs: number): Promise<StsCredentials | null>;
  /** Stores a token for its whole remaining life (readers apply their own floor). Failures are reported, not thrown. */
  write(key: string, credentials: StsCredentials): Promise<void>;
}

export interface SharedTokensOptions {
  store: KeyValueStore;
  /** The cache key, or its ring while it rotates (seal with the current key, open with either). */
  encryptionKey: Buffer | KeyRing;
  clock: Clock;
  /** Called for a store failure (`op`: read, write) or an unreadable value (`op`: open). */
  onProblem(op: 'read' | 'write' | 'open', key: string, error?: unknown): void;
}

export const tokenValueKey = (key: string): string => `token:${key}`;

export function createSharedTokens(options: SharedTokensOptions): SharedTokens {
  const { store, clock, onProblem } = options;
  const sealer = createSealer(options.encryptionKey);

  return {
    async read(key, floorMs) {
      let sealed: string | null;
      try {
        sealed = await store.get(tokenValueKey(key));
      } catch (error) {
        onProblem('read', key, error);
        return null;
      }
      if (sealed === null) return null;
      const json = sealer.open(key, sealed);
      const credentials = json === null ? null : parseCredentials(json);
      if (credentials === null) {
        // Usually replicas with different cache.encryptionKey values: a miss for the caller, a warning for operators.
        onProblem('open', key);
        return null;
      }
      return credentials.expiresAt - clock.now() > floorMs ? credentials : null;
    },

    async write(key, credentials) {
      const ttlMs = credentials.expiresAt - clock.now();
      if (ttlMs < 1) return;
      try {
        await store.set(tokenValueKey(key), sealer.seal(key, JSON.stringify(credentials)), ttlMs);
      } catch (error) {
        onProblem('write', key, error);
      }
    },
  };
}
