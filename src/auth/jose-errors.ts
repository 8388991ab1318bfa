/**
 * Turns what jose throws into the broker's one error type. Details are short, fixed phrases: they reach the caller
 * (problem+json `detail`), so they never echo the token, a claim value or jose's own message. The jose error goes
 * into `cause`, which is logged only.
 */
import { errors } from 'jose';
import { BrokerError } from '../errors.js';

/**
 * Thrown by our key resolver when the JWKS could not be obtained (timeout, connection refused, non-200, not JSON,
 * not a key set). It is a failure of a dependency, not of the caller's token, so it must not look like a 401: a
 * 401 tells a client "get a new token", which would not help and would hide an outage. It becomes
 * `upstream_unavailable` (503 + Retry-After) instead.
 */
export class KeySourceUnavailable extends Error {
  constructor(cause: unknown) {
    super('JWKS unavailable', { cause });
    this.name = 'KeySourceUnavailable';
  }
}

/** Seconds a caller should wait when the identity provider's keys cannot be fetched. */
const JWKS_RETRY_AFTER_SECONDS = 5;

/**
 * Whether an error thrown by jose's remote JWKS resolver came from fetching the set rather than from matching the
 * token to a key. jose throws JWKSTimeout on timeout, a plain `JOSEError` (generic code) on a non-200 or non-JSON
 * answer, JWKSInvalid on a malformed set, and lets fetch's own TypeError ("fetch failed") through.
 */
export function isKeySourceFailure(err: unknown): boolean {
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return true;
  if (!(err instanceof errors.JOSEError)) return true;
  return err.code === errors.JOSEError.code;
}

/** Short, safe reason for a jose verification failure. */
function detailFor(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return `token lacks claim ${err.claim}`;
    switch (err.claim) {
      case 'iss':
        return 'issuer not accepted';
      case 'aud':
        return 'audience not accepted';
      case 'nbf':
        return 'token not yet valid';
      default:
        return `token claim ${err.claim} invalid`;
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return 'token algorithm not accepted';
  if (err instanceof errors.JOSENotSupported) return 'token algorithm not accepted';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'signature invalid';
  if (err instanceof errors.JWKSNoMatchingKey) return 'no matching signing key';
  if (err instanceof errors.JWKSMultipleMatchingKeys) return 'no unique signing key';
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return 'token malformed';
  return 'token invalid';
}

/** Maps any error out of `jwtVerify` (with our resolver) to a BrokerError. */
export function fromJoseError(err: unknown): BrokerError {
  if (err instanceof BrokerError) return err;
  if (err instanceof KeySourceUnavailable) {
    return new BrokerError('upstream_unavailable', 'identity provider keys unavailable', {
      retryAfterSeconds: JWKS_RETRY_AFTER_SECONDS,
      cause: err.cause,
    });
  }
  return new BrokerError('unauthenticated', detailFor(err), { cause: err });
}
