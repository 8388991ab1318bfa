/**
 * Where revocations and the per-principal records of what was handed out live. Redis in production (every replica
 * reads the same revocations; redis-backend.ts), memory in local mode (one process; memory-backend.ts).
 */
import type { HandedOutToken, Revocation } from './types.js';

export interface RevocationSnapshot {
  /** Bumped by every change; a replica that holds this version holds every revocation. */
  version: number;
  revocations: Revocation[];
}

export interface RevocationBackend {
  /** The current version only: what a replica polls (one small read). */
  version(): Promise<number>;
  /** Every stored revocation (lapsed ones included) with the version they belong to, read atomically. */
  load(): Promise<RevocationSnapshot>;
  add(revocation: Revocation): Promise<void>;
  /** Whether it existed. */
  remove(id: string): Promise<boolean>;
  /**
   * Deletes these revocations (lapsed ones, found by the caller); how many were still there. Idempotent, so every
   * replica may sweep at once: only a call that deleted something bumps the version.
   */
  removeLapsed(ids: readonly string[]): Promise<number>;
  /** Calls `onChange` soon after any replica changes the revocations (a hint: the version decides). */
  onChange(listener: () => void): void;
  /**
   * Records that `identity` was handed `token` (its AccessKeyId, for the admin list) from the cache entry
   * `cacheKey` (so the entry can be dropped when the principal is revoked), both until `expiresAt` (ms).
   */
  recordHandOut(identity: string, token: HandedOutToken, cacheKey: string, expiresAt: number, now: number): Promise<void>;
  /** The tokens handed to `identity` that have not expired at `now`, soonest expiry first. */
  tokens(identity: string, now: number): Promise<HandedOutToken[]>;
  /** The token cache keys `identity` was served from that may still hold an unexpired token. */
  cacheKeys(identity: string, now: number): Promise<string[]>;
  close(): Promise<void>;
}
