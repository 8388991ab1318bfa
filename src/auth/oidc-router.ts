/**
 * Several OIDC clients may be configured (e.g. the web app's and a mobile app's identity provider). A bearer token
 * is routed to one client by its **unverified** `iss` (and `aud` when two clients share an issuer), and then fully
 * verified by that client's verifier only. The unverified values choose which checks to run; they never decide
 * the outcome, so a forged `iss` can only select a verifier that will then refuse the token.
 */
import { decodeJwt, type JWTPayload } from 'jose';
import { BrokerError } from '../errors.js';
import type { Principal } from './principal.js';
import type { OidcVerifier } from './oidc-verifier.js';

/** Larger than any sane ID/access token; refusing early keeps a huge header from reaching base64/JSON parsing. */
const MAX_TOKEN_CHARS = 16 * 1024;

export interface OidcRouter {
  /** Whether any OIDC client is configured. */
  readonly enabled: boolean;
  verify(token: string): Promise<Principal>;
}

export function createOidcRouter(verifiers: readonly OidcVerifier[]): OidcRouter {
  const byIssuer = new Map<string, OidcVerifier[]>();
  for (const verifier of verifiers) {
    const list = byIssuer.get(verifier.client.issuer) ?? [];
    for (const other of list) {
      const shared = audiences(verifier.client.audience).filter((a) => audiences(other.client.audience).includes(a));
      // Two clients accepting the same (issuer, audience) would make routing ambiguous: refuse at start-up.
      if (shared.length > 0) {
        throw new Error(
          `clients ${other.client.id} and ${verifier.client.id} both accept issuer ${verifier.client.issuer} ` +
            `with audience ${shared.join(', ')}`,
        );
      }
    }
    list.push(verifier);
    byIssuer.set(verifier.client.issuer, list);
  }

  return {
    enabled: verifiers.length > 0,
    async verify(token) {
      if (token.length > MAX_TOKEN_CHARS) throw new BrokerError('unauthenticated', 'token too large');
      let unverified: JWTPayload;
      try {
        unverified = decodeJwt(token);
      } catch (err) {
        throw new BrokerError('unauthenticated', 'token malformed', { cause: err });
      }
      const candidates = typeof unverified.iss === 'string' ? byIssuer.get(unverified.iss) : undefined;
      if (candidates === undefined) throw new BrokerError('unauthenticated', 'issuer not accepted');
      const tokenAudiences = audiences(unverified.aud);
      // With one candidate, or none matching the audience, the first verifier runs and reports what is wrong.
      const chosen = candidates.find((v) => audiences(v.client.audience).some((a) => tokenAudiences.includes(a))) ?? candidates[0];
      if (chosen === undefined) throw new BrokerError('unauthenticated', 'issuer not accepted');
      return chosen.verify(token);
    },
  };
}

function audiences(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}
