/**
 * Public shapes of the STS emulator: its options, the roles it knows, the faults tests can inject, and the running
 * server handle. Kept apart from the implementation so callers (local mode, tests, the OSS emulator) import types only.
 */
import type { FaultQueue } from './fault-queue.js';

export interface StsEmulatorClock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** An AccessKey pair the emulator trusts as a caller (the broker's own RAM identity). */
interface EmulatorAccessKey {
  accessKeyId: string;
  accessKeySecret: string;
  /** The account and RAM user GetCallerIdentity names; default: the first role's account, user `broker`. */
  accountId?: string;
  userName?: string;
}

export interface EmulatorRole {
  /** `acs:ram::<accountId>:role/<roleName>` (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole). */
  arn: string;
  /** The role's MaxSessionDuration, 3600..43200, default 3600 (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole). */
  maxSessionDurationSeconds?: number;
  /** The role's own permission policy; sealed into tokens so the OSS emulator can intersect it (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements, Evaluation). */
  policy?: object;
  /** AccessKey ids the role's trust policy trusts. Default: every configured access key. */
  trustedAccessKeyIds?: string[];
}

export interface StsEmulatorOptions {
  host?: string;
  /** 0 (the default) picks an ephemeral port. */
  port?: number;
  accessKeys: EmulatorAccessKey[];
  roles: EmulatorRole[];
  /** 32-byte AES-256-GCM key that seals SecurityTokens; the OSS emulator needs only this key to open them. */
  sealKey: Buffer;
  /** Added to every response, for realistic benchmark latency. */
  latencyMs?: number;
  clock?: StsEmulatorClock;
  /** Session policy limit in characters. Current docs say 2048, older ones 1024 (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole, G). */
  policyMaxChars?: number;
  /** Accepted clock skew for Timestamp / x-acs-date, and the nonce replay window. Default 900 s (https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature, G). */
  maxSkewSeconds?: number;
  /**
   * Also write the one-run CA (PEM) to this file, for a broker in another process: NODE_EXTRA_CA_CERTS=<file>.
   * In-process callers take `ca` from the handle instead.
   */
  caFile?: string;
}

export interface StsEmulatorStats {
  /** Requests routed to AssumeRole, whatever their outcome (faulted ones included). */
  assumeRoleCalls: number;
  /** Requests routed to GetCallerIdentity, whatever their outcome (faults never apply to them). */
  callerIdentityCalls: number;
  /**
   * Count per response code: STS error codes, `Success`, or `Fault.<kind>` for html/hang/reset faults. Every request
   * but GetCallerIdentity (counted in `callerIdentityCalls` only).
   */
  byCode: Record<string, number>;
}

export interface StsEmulator {
  /** `https://host:port` */
  url: string;
  /**
   * PEM of the CA that signed the emulator's certificate, made at start-up for this run only. The emulator serves
   * HTTPS only, because the broker reaches STS over HTTPS only; clients trust this CA (SDK `ca`, NODE_EXTRA_CA_CERTS).
   */
  ca: string;
  host: string;
  port: number;
  /** `host:port`, the form the Alibaba SDK's `endpoint` option wants (https://github.com/aliyun/alibabacloud-typescript-sdk/tree/master/sts-20150401). */
  endpoint: string;
  stats: StsEmulatorStats;
  faults: FaultQueue;
  close(): Promise<void>;
}

/** Faults applied, one per request, to the next AssumeRole requests (in push order). */
export type StsFault =
  | { kind: 'error'; status: 400 | 403 | 404 | 500 | 503; code: string; message: string }
  | { kind: 'throttle'; status?: number; retryAfterMs?: number }
  | { kind: 'html'; status?: number }
  | { kind: 'hang' }
  | { kind: 'reset' };

/** The plaintext sealed inside a SecurityToken. Times are milliseconds since the epoch. */
export interface SealedTokenPayload {
  v: 1;
  accessKeyId: string;
  accessKeySecret: string;
  roleArn: string;
  roleSessionName: string;
  /** The SourceIdentity sent with AssumeRole, when one was: what ActionTrail would record for every call of the session. */
  sourceIdentity?: string;
  /** The parsed session policy sent with AssumeRole, or null when none was sent. */
  sessionPolicy: object | null;
  /** The role's own policy at issue time, or null when the role has none configured. */
  rolePolicy: object | null;
  expiresAt: number;
  issuedAt: number;
}
