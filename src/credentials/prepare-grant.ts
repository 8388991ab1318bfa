/**
 * Profile + principal + declared files → grant, session policy, its hash and the token-cache key. All of it is a
 * pure function of those inputs, so the result is remembered briefly: a client asking again with the same token
 * and body (the common cache-hit case) skips the rules, the policy builder and the hashing.
 *
 * `purpose` goes into the token-cache key (cache/cache-key.ts): the token that signs forms never shares a cache entry
 * with a token /v1/credentials returns.
 *
 * Not remembered: refusals (they are thrown and recomputed every time) and grants with random key names (every
 * request must get fresh keys). The memo key is the exact input, so a different claim or file name never shares
 * an entry; the rules themselves still ran, in full, on the request that filled it.
 */
import type { BrokerConfig, ProfileConfig } from '../config/schema.js';
import { principalKey, type Principal } from '../auth/principal.js';
import type { FileSpec } from '../rules/grant.js';
import { applyProfile, type Grant } from '../rules/index.js';
import { assertPolicyFits, buildSessionPolicy, policyHash, type PolicyDocument } from '../policy/index.js';
import { tokenCacheKey, type TokenPurpose } from '../cache/index.js';
import { ExpiringLru } from '../shared/expiring-lru.js';
import type { Clock } from '../shared/clock.js';

/**
 * One per principal and request shape while its memo entry lives, so it stays small: the session policy is kept as
 * the JSON sent to STS only (its document tree was a third of the entry, and only a dry run shows it: `document()`
 * parses the JSON back, the same document by construction).
 */
export interface PreparedGrant {
  grant: Grant;
  policy: { json: string; document(): PolicyDocument };
  policySha256: string;
  cacheKey: string;
}

function documentOf(this: { json: string }): PolicyDocument {
  return JSON.parse(this.json) as PolicyDocument;
}

const MEMO_TTL_MS = 60_000;

/** A grant the rules have decided → its session policy (checked against the STS size limit), hash and cache key. */
function prepareSession(config: Readonly<BrokerConfig>, grant: Grant, purpose: TokenPurpose): PreparedGrant {
  const policy = buildSessionPolicy(grant);
  assertPolicyFits(policy.json, config.sts.policyMaxChars, grant);
  const cacheKey = tokenCacheKey({
    purpose,
    roleArn: grant.roleArn,
    externalId: grant.externalId,
    policyJson: policy.json,
    durationSeconds: grant.durationSeconds,
    roleSessionName: grant.roleSessionName,
    sourceIdentity: grant.sourceIdentity,
  });
  const kept = { json: policy.json, document: documentOf };
  return Object.freeze({ grant, policy: kept, policySha256: policyHash(policy.json), cacheKey });
}

/**
 * A grant the memo hands to every request that hits its entry, frozen with its lists: nothing a request does can
 * change it for the next one, and the answers can share its lists instead of copying them (responses.ts).
 */
function frozenGrant(grant: Grant): Grant {
  for (const value of Object.values(grant)) if (Array.isArray(value)) Object.freeze(value);
  for (const area of grant.areas ?? []) Object.freeze(Object.freeze(area).operations);
  return Object.freeze(grant);
}

export function createGrantPreparer(config: Readonly<BrokerConfig>, clock: Clock, maxEntries = 10_000) {
  const memo = new ExpiringLru<PreparedGrant>(maxEntries, clock);

  function compute(
    profileName: string,
    profile: ProfileConfig,
    principal: Principal,
    files: FileSpec[],
    purpose: TokenPurpose,
  ): PreparedGrant {
    return prepareSession(config, frozenGrant(applyProfile({ profileName, profile, principal, files })), purpose);
  }

  return function prepare(
    profileName: string,
    profile: ProfileConfig,
    principal: Principal,
    files: FileSpec[],
    purpose: TokenPurpose,
  ): PreparedGrant {
    if (profile.keyNaming === 'random' && profile.scope === 'keys') return compute(profileName, profile, principal, files, purpose);
    // The list claims are part of the input: a caller whose groups changed (a new token) must not be answered
    // from the grant of its old groups. Absent, the key is what it was before list claims existed.
    const input = [purpose, profileName, principalKey(principal), principal.claims, files];
    const key = JSON.stringify(principal.listClaims === undefined ? input : [...input, principal.listClaims]);
    const known = memo.get(key);
    if (known !== undefined) return known;
    const prepared = compute(profileName, profile, principal, files, purpose);
    memo.set(key, prepared, clock.now() + MEMO_TTL_MS);
    return prepared;
  };
}

/**
 * The same for a grant whose rules already ran, for a request that would otherwise run them twice: the form-signing
 * token's grant, derived from the grant of the forms it signs (profiles/form-signing.ts). Remembered by the grant itself, so
 * two grants share an entry only when they are equal.
 */
export function createSessionPreparer(config: Readonly<BrokerConfig>, clock: Clock, maxEntries = 10_000) {
  const memo = new ExpiringLru<PreparedGrant>(maxEntries, clock);
  return function prepareDecided(grant: Grant, purpose: TokenPurpose): PreparedGrant {
    const key = JSON.stringify([purpose, grant]);
    const known = memo.get(key);
    if (known !== undefined) return known;
    const prepared = prepareSession(config, grant, purpose);
    memo.set(key, prepared, clock.now() + MEMO_TTL_MS);
    return prepared;
  };
}
