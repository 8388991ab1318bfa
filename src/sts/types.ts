/** The parameters of one AssumeRole call, as the broker decides them. */
export interface AssumeRoleInput {
  roleArn: string;
  roleSessionName: string;
  /**
   * `SourceIdentity`: who the token is for, recorded by ActionTrail and kept through role chains. Optional because
   * the broker's own reads (uploads/object-meta-reader.ts) act for no principal.
   */
  sourceIdentity?: string | undefined;
  /** Canonical JSON of the session policy. */
  policy: string;
  durationSeconds: number;
  externalId?: string | undefined;
  /**
   * Not sent to STS. `background` (refresh-ahead, nobody waiting): never waits for budget, leaves a reserve of it to
   * requests a client is waiting on, and makes one attempt only.
   */
  priority?: 'foreground' | 'background' | undefined;
}

/** Temporary credentials. `accessKeySecret` and `securityToken` are secrets: never log them. */
export interface StsCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** What the rest of the broker needs from STS; built once in createApp's caller and injected. */
export interface StsClient {
  /** Throws BrokerError (upstream_rejected / upstream_unavailable / upstream_throttled) on failure. */
  assumeRole(input: AssumeRoleInput): Promise<StsCredentials>;
}
