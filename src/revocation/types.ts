/**
 * What a revocation names and what it records. A revocation names a principal the way an operator knows it: an app
 * user (tenant + subject), a partner API key id, or a credentials URL id. API key ids and credentials URL ids share
 * one namespace (config/cross-checks.ts refuses an id used twice), and a partner principal's subject is that id
 * (auth/api-key.ts, auth/credential-url.ts), so both name the same identity: `partner <id>`.
 */
import { z } from 'zod';
import type { Principal } from '../auth/principal.js';

/** Same characters as the configuration's key and URL ids. */
const PARTNER_ID = z.string().regex(/^[A-Za-z0-9_-]{4,64}$/, 'must be 4-64 of A-Z a-z 0-9 _ -');
/** Bounded like any other caller-supplied string; a tenant or subject is matched exactly, never parsed. */
const NAME = z.string().min(1).max(256);

export const revocationTargetSchema = z.union([
  z.object({ tenant: NAME, sub: NAME }).strict(),
  z.object({ apiKeyId: PARTNER_ID }).strict(),
  z.object({ credentialUrlId: PARTNER_ID }).strict(),
]);

export type RevocationTarget = z.infer<typeof revocationTargetSchema>;

export const revocationRequestSchema = z
  .object({
    principal: revocationTargetSchema,
    reason: z.string().min(1).max(500),
    /** RFC 3339 instant at which the revocation lapses; absent: until lifted. */
    until: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

export type RevocationRequest = z.infer<typeof revocationRequestSchema>;

export interface Revocation {
  id: string;
  principal: RevocationTarget;
  reason: string;
  /** ISO 8601; null: until lifted. */
  until: string | null;
  createdAt: string;
  /** Who revoked: the admin credential's name. */
  createdBy: string;
}

/** One STS token the broker handed to a principal (never its secret or security token). */
export interface HandedOutToken {
  accessKeyId: string;
  /** ISO 8601. */
  expiration: string;
  profile: string;
  prefix: string;
}

/**
 * The one string a target and a principal meet on: JSON, so no tenant or subject can shift a boundary (as in
 * auth/principal.ts's principalKey). A user is revoked across every OIDC client that authenticates it.
 */
export function targetIdentity(target: RevocationTarget): string {
  if ('tenant' in target) return JSON.stringify(['user', target.tenant, target.sub]);
  return JSON.stringify(['partner', 'apiKeyId' in target ? target.apiKeyId : target.credentialUrlId]);
}

export function principalIdentity(principal: Pick<Principal, 'kind' | 'tenant' | 'subject'>): string {
  return principal.kind === 'user'
    ? JSON.stringify(['user', principal.tenant, principal.subject])
    : JSON.stringify(['partner', principal.subject]);
}

/** Whether a revocation is in force at `now` (ms). */
export function isActive(revocation: Revocation, now: number): boolean {
  return revocation.until === null || Date.parse(revocation.until) > now;
}
