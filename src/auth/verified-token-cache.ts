/**
 * Remembers JWTs that passed full verification, by the SHA-256 of the exact token text, so a client that sends the
 * same token on every request is not charged an ES256/RS256 verification each time (a signature check costs more
 * than everything else a cache hit does; `npm run bench` shows it).
 *
 * Only a byte-identical token hits. An entry lives until the token's own `exp` (no clock tolerance added, so it
 * is never accepted later than full verification would accept it) and at most `maxAgeMs`, so a key withdrawn from
 * the JWKS stops being honoured within that time, as with jose's own JWKS cache.
 */
import { hash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { ExpiringLru } from '../shared/expiring-lru.js';
import type { Clock } from '../shared/clock.js';
import type { Principal } from './principal.js';

export interface VerifiedTokenCache {
  get(token: string): Principal | undefined;
  remember(token: string, principal: Principal): void;
}

export function createVerifiedTokenCache(options: { clock: Clock; maxEntries?: number; maxAgeMs?: number }): VerifiedTokenCache {
  const { clock } = options;
  const maxAgeMs = options.maxAgeMs ?? 5 * 60 * 1000;
  const entries = new ExpiringLru<Principal>(options.maxEntries ?? 10_000, clock);
  // One-shot crypto.hash (Node ≥ 20.12, https://nodejs.org/api/crypto.html#cryptohashalgorithm-data-options): about
  // 40 % cheaper than createHash().update().digest() for a token, and this runs on every request.
  const keyOf = (token: string) => hash('sha256', token, 'base64url');
  return {
    get: (token) => entries.get(keyOf(token)),
    remember(token, principal) {
      const exp = decodeJwt(token).exp;
      if (typeof exp !== 'number') return;
      entries.set(keyOf(token), kept(principal), Math.min(exp * 1000, clock.now() + maxAgeMs));
    },
  };
}

/**
 * The principal as kept for the token's life: frozen, and rebuilt from one of two fixed object literals first. A
 * principal made by object spread (`{ ...principal, listClaims }`, auth/claims.ts) and then frozen got a hidden class
 * of its own, every one of them: V8 cannot add the frozen transition to a map its spread fast path made, so freezing
 * copies the map (about 280 bytes per principal: map, descriptor array, property array; a heap snapshot of the
 * 10,000-principal soak shows 10,000 of each). A literal's map is shared, and so is its frozen successor.
 */
function kept(principal: Principal): Principal {
  const { kind, clientId, subject, tenant, claims, listClaims, ...unlisted } = principal;
  // A field added to Principal must be added here too, or a memo hit would hand out a principal without it.
  const nothingElse: Record<string, never> = unlisted;
  void nothingElse;
  return Object.freeze(
    listClaims === undefined ? { kind, clientId, subject, tenant, claims } : { kind, clientId, subject, tenant, claims, listClaims },
  );
}
