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
}
