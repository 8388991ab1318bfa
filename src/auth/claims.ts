/**
 * Reduces a verified JWT payload to the Principal the rules see. Only plain strings (and numbers, which some
 * identity providers use for ids) become claims: an array or object has no single meaning inside an object-key
 * prefix, so it is refused here rather than stringified into "a,b" or "[object Object]" (README.md, security property 1).
 * Character-set and length checks of the values belong to the rules, which see every source of prefix text.
 */
import type { JWTPayload } from 'jose';
import type { ClientConfig, OidcClientConfig } from '../config/schema.js';
import { BrokerError } from '../errors.js';
import type { Principal } from './principal.js';

/**
 * Reads one claim as a non-empty string. `Object.hasOwn` so a configured claim name such as `constructor` can
 * never resolve to something inherited from Object.prototype.
 */
function readStringClaim(payload: JWTPayload, name: string): string {
  if (!Object.hasOwn(payload, name) || payload[name] === undefined || payload[name] === null) {
    throw new BrokerError('unauthenticated', `token lacks claim ${name}`);
  }
  const value = payload[name];
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') throw new BrokerError('unauthenticated', `token claim ${name} is not a string`);
  if (value.length === 0) throw new BrokerError('unauthenticated', `token claim ${name} is empty`);
  return value;
}

/**
 * Reads one list claim: an array of strings (numbers become their decimal text, as for single claims), or a single
 * string, which some identity providers send when a user has exactly one group. Absent or null: no values (Amazon
 * Cognito leaves `cognito:groups` out for a user in no group). Anything else - an object, a boolean, an array holding
 * one - makes the token unusable here, as for a single claim that is not a string. Empty, unsafe, duplicate and
 * surplus values are the rules' to judge (rules/list-claims.ts): they matter only to a profile that uses the claim.
 */
function readListClaim(payload: JWTPayload, name: string): readonly string[] {
  const value = Object.hasOwn(payload, name) ? payload[name] : undefined;
  if (value === undefined || value === null) return Object.freeze([]);
  const items: unknown[] = Array.isArray(value) ? value : [value];
  const values = items.map((item) => {
    if (typeof item === 'string') return item;
    if (typeof item === 'number' && Number.isFinite(item)) return String(item);
    throw new BrokerError('unauthenticated', `token claim ${name} is not a list of strings`);
  });
  return Object.freeze(values);
}

/** Builds the user Principal from a payload that jose has already verified for this client. */
export function principalFromPayload(client: OidcClientConfig, payload: JWTPayload): Principal {
  const subject = readStringClaim(payload, client.subjectClaim);
  // Exactly one of `tenantClaim` / `tenant` is set (schema refine); the fixed tenant serves single-tenant issuers.
  const tenant = client.tenantClaim !== undefined ? readStringClaim(payload, client.tenantClaim) : client.tenant;
  if (tenant === undefined) throw new Error(`client ${client.id}: neither tenantClaim nor tenant is set`);

  const claims: Record<string, string> = {};
  for (const name of client.templateClaims) claims[name] = readStringClaim(payload, name);
  // `sub` and `tenant` are written last: they are the configured subject and tenant, and a template claim that
  // happens to be named `sub` or `tenant` must not replace them (e.g. subjectClaim: email with a raw `sub` claim).
  claims.sub = subject;
  claims.tenant = tenant;

  const principal: Principal = { kind: 'user', clientId: client.id, subject, tenant, claims: Object.freeze(claims) };
  if (client.listClaims === undefined) return principal;
  const lists: Record<string, readonly string[]> = {};
  for (const name of client.listClaims) lists[name] = readListClaim(payload, name);
  return { ...principal, listClaims: Object.freeze(lists) };
}

/**
 * The prefix placeholders a client's callers can fill, which start-up checks every profile's template against
 * (profiles/check-profiles.ts): an OIDC client gives `sub`, `tenant` and its `templateClaims`; an API-key
 * client gives `tenant` only.
 *
 * A partner has no `sub`. Its only per-caller value would be the key id, and a prefix built from it would move the
 * partner's objects to another folder at every key rotation; a partner is one tenant, so its profiles use
 * `${tenant}`. A template asking a partner for `${sub}` is refused at start-up instead of failing every request.
 */
export function placeholdersSuppliedBy(client: ClientConfig): readonly string[] {
  if (client.type === 'apiKey') return Object.keys(partnerTemplateValues(client.tenant));
  return [...new Set(['sub', 'tenant', ...client.templateClaims])];
}

/** The list claims a client's callers carry, which `${claims.name}` placeholders are checked against at start-up. */
export function listClaimsSuppliedBy(client: ClientConfig): readonly string[] {
  return client.type === 'apiKey' ? [] : (client.listClaims ?? []);
}

/** A partner's template values: exactly what placeholdersSuppliedBy promises for an API-key client. */
export function partnerTemplateValues(tenant: string): Record<string, string> {
  return { tenant };
}

/** A tenant fixed in the configuration (`tenant` of an API-key client, or of an OIDC client without tenantClaim). */
export function fixedTenantOf(client: ClientConfig): string | undefined {
  return client.type === 'apiKey' ? client.tenant : client.tenantClaim === undefined ? client.tenant : undefined;
}
