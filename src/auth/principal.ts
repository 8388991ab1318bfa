/** Who is asking: the result of authentication, the input of every rule. */
export interface Principal {
  /** `user` for OIDC app users, `partner` for API-key callers. */
  kind: 'user' | 'partner';
  /** The configured client id that authenticated the caller. */
  clientId: string;
  /** End-user id (the configured subject claim) or, for partners, the API key id. */
  subject: string;
  tenant: string;
  /** Claims a prefix template may use (`${name}`), already reduced to strings; includes `sub` and `tenant`. */
  claims: Readonly<Record<string, string>>;
  /**
   * The client's list claims (`listClaims`) as the token carried them: each a list of strings, in the token's
   * order, duplicates and all (the rules dedupe, count and check them when a profile uses one). Absent for partners.
   */
  listClaims?: Readonly<Record<string, readonly string[]>>;
}

/**
 * The one encoding of a principal wherever it becomes a key: rate limits, quotas, the prepared-grant memo. JSON of
 * the three parts that tell principals apart, so no value can shift a boundary: joined with `:`, tenant `a:b` with
 * subject `c` and tenant `a` with subject `b:c` were one key and shared one rate limit and one quota. JSON also
 * escapes lone surrogates, which would otherwise turn into the same U+FFFD bytes in a Redis key (and which
 * encodeURIComponent refuses with an exception).
 */
export function principalKey(principal: Pick<Principal, 'clientId' | 'tenant' | 'subject'>): string {
  return JSON.stringify([principal.clientId, principal.tenant, principal.subject]);
}
