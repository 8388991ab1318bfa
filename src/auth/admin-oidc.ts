/**
 * Operators who sign in to the admin API with their identity provider (`server.adminOidc`) instead of holding an
 * admin key: nothing long-lived to leak or rotate, and leaving the company (or the admin group) ends their access at
 * the token's expiry. The token is checked like a user's (pinned algorithms, issuer, audience, expiry, not-before),
 * then must carry the configured claim; the audit trail names the operator `oidc:<name claim>`.
 */
import { BrokerError } from '../errors.js';
import { ADMIN_NAME, type AdminOidcConfig } from '../config/schema.js';
import { inSpan } from '../tracing/index.js';
import { createJwtPayloadVerifier, type OidcVerifierOptions } from './oidc-verifier.js';

/** What an operator signed in with OIDC is recorded as: never the same as a key's name, which has no colon. */
export const OIDC_ACTOR_PREFIX = 'oidc:';

export interface AdminOidc {
  /** The actor a token stands for; throws BrokerError (`unauthenticated`) for anything but a valid admin token. */
  identify(token: string): Promise<string>;
}

/** Whether a claim value is `required`, or a list (`groups`, `roles`) that holds it. */
function holds(claim: unknown, required: string): boolean {
  return Array.isArray(claim) ? claim.includes(required) : claim === required;
}

export function createAdminOidc(config: AdminOidcConfig, options: OidcVerifierOptions): AdminOidc {
  const verify = createJwtPayloadVerifier({ ...config, id: 'admin' }, options);
  const { requireClaim, nameClaim } = config;
  async function identify(token: string): Promise<string> {
    const payload = await verify(token);
    // The details name the configured claims, never what the token holds.
    if (!holds(payload[requireClaim.name], requireClaim.value)) {
      throw new BrokerError('unauthenticated', `not an admin token: its ${requireClaim.name} claim lacks the admin value`);
    }
    const name = payload[nameClaim];
    if (typeof name !== 'string' || !ADMIN_NAME.test(name)) {
      throw new BrokerError('unauthenticated', `not an admin token: its ${nameClaim} claim must be 1-64 of A-Z a-z 0-9 . _ @ -`);
    }
    return `${OIDC_ACTOR_PREFIX}${name}`;
  }
  return {
    identify: (token) => inSpan('jwt.verify', { attributes: { 'broker.client_id': 'admin' } }, () => identify(token)),
  };
}
