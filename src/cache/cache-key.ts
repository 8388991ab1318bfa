/**
 * The token cache key (README, security property 5): a cached token is handed only to a request that would make the very
 * same AssumeRole call, so the key covers every parameter of that call: role, external id, session policy,
 * duration, session name and source identity. It also covers what the token is for (`purpose`): the token that signs a profile's
 * forms is never returned by any endpoint, and a form-signing key can never equal a /v1/credentials key even when
 * the two AssumeRole calls would be identical, so no request for credentials can be answered with the signing token.
 *
 * Encoding: each field is written as `name=<byte length>:<value>;` in a fixed order (absent as `name=~;`), and the
 * whole is hashed with SHA-256. The length prefix makes the encoding injective: no choice of values can move a
 * boundary (`a|b` + `c` vs `a` + `b|c`), and an absent externalId differs from an empty one.
 * A hash (not the raw fields) goes into Redis key names and logs, so no policy text or tenant name appears there.
 */
import { createHash } from 'node:crypto';

/**
 * `credentials`: a token handed to the caller (POST and GET /v1/credentials). `form-signing`: a token that only ever
 * signs PostObject forms inside the broker (POST /v1/post-policy). `callback-reader`: a token with which the broker
 * reads an uploaded object's metadata for an upload callback (uploads/object-meta-reader.ts).
 */
export type TokenPurpose = 'credentials' | 'form-signing' | 'callback-reader';

export interface TokenCacheKeyInput {
  purpose: TokenPurpose;
  roleArn: string;
  externalId?: string | undefined;
  /** The canonical JSON of the session policy, exactly as sent to STS. */
  policyJson: string;
  durationSeconds: number;
  roleSessionName: string;
  /** AssumeRole `SourceIdentity`; absent for the broker's own tokens, which act for no principal. */
  sourceIdentity?: string | undefined;
}

/** Bump when the encoding or the meaning of a field changes, so old entries are never read with a new meaning. */
const KEY_VERSION = 'osb-token-cache-v3';

function field(name: string, value: string | undefined): string {
  return value === undefined ? `${name}=~;` : `${name}=${Buffer.byteLength(value, 'utf8')}:${value};`;
}

export function tokenCacheKey(input: TokenCacheKeyInput): string {
  if (!Number.isInteger(input.durationSeconds)) throw new RangeError('durationSeconds must be an integer');
  const encoded =
    `${KEY_VERSION};` +
    field('purpose', input.purpose) +
    field('roleArn', input.roleArn) +
    field('externalId', input.externalId) +
    field('policy', input.policyJson) +
    field('durationSeconds', String(input.durationSeconds)) +
    field('roleSessionName', input.roleSessionName) +
    field('sourceIdentity', input.sourceIdentity);
  return createHash('sha256').update(encoded, 'utf8').digest('hex');
}
