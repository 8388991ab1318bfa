/**
 * Audit events: one per credential decision. They name who got what (principal, profile, prefix or keys, the
 * policy's hash, the temporary AccessKeyId and its expiry) and never carry the AccessKeySecret or SecurityToken:
 * the event type has no field that could hold them (invariant 2).
 */
import type { Logger } from '../shared/logger.js';
import type { Principal } from '../auth/principal.js';

export type AuditEventName =
  | 'credentials.issued'
  | 'credentials.cached'
  | 'credentials.served_stale'
  | 'credentials.refused'
  | 'credentials.dry_run'
  | 'post_policy.issued'
  | 'post_policy.refused'
  | 'upload.recorded'
  | 'upload.callback_refused'
  | 'admin.revoked'
  | 'admin.revocation_lifted'
  | 'admin.revocations_listed'
  | 'admin.tokens_listed'
  | 'admin.bucket_policy_produced'
  | 'admin.bucket_policy_applied'
  | 'admin.bucket_policy_removed'
  | 'admin.refused';

/** Who an event is about: the principal without its claims. */
export interface AuditPrincipal {
  readonly kind: string;
  readonly clientId: string;
  readonly subject: string;
  readonly tenant: string;
}

const auditPrincipals = new WeakMap<Principal, AuditPrincipal>();

/**
 * The audit form of a principal, made once per principal object rather than once per decision: the JWT memo and the
 * API-key check hand out the same Principal for the same credential, so a cache hit reuses it. Weakly held: it goes
 * when the principal does.
 */
export function auditPrincipal(principal: Principal): AuditPrincipal {
  let known = auditPrincipals.get(principal);
  if (known === undefined) {
    const { kind, clientId, subject, tenant } = principal;
    known = Object.freeze({ kind, clientId, subject, tenant });
    auditPrincipals.set(principal, known);
  }
  return known;
}

export interface AuditEvent {
  event: AuditEventName;
  requestId: string;
  at: string;
  principal?: AuditPrincipal | undefined;
  profile?: string | undefined;
  prefix?: string | undefined;
  keys?: string[] | undefined;
  policySha256?: string | undefined;
  roleSessionName?: string | undefined;
  /** The AssumeRole SourceIdentity, as ActionTrail records it: joins a trail event back to this one. */
  sourceIdentity?: string | undefined;
  accessKeyId?: string | undefined;
  expiration?: string | undefined;
  outcome:
    | 'issued'
    | 'cached'
    | 'stale'
    | 'refused'
    | 'dry_run'
    | 'recorded'
    | 'duplicate'
    | 'revoked'
    | 'lifted'
    | 'listed'
    | 'applied'
    | 'removed';
  /** Admin actions: who did it (the admin credential's name), and the revocation and principal it concerned. */
  actor?: string | undefined;
  revocationId?: string | undefined;
  target?: Readonly<Record<string, string>> | undefined;
  reason?: string | undefined;
  /** Bucket-policy admin actions: the AccessKeyIds denied (or no longer denied), per bucket. */
  buckets?: { bucket: string; accessKeyIds: string[] }[] | undefined;
  until?: string | null | undefined;
  /** True when the token was served under the lifetime promise because STS could not issue (serve-stale). */
  stale?: boolean | undefined;
  /** Upload callbacks: the object's actual size and ETag. */
  bytes?: number | undefined;
  etag?: string | undefined;
  /** The problem code for refusals; for a stale token, the STS failure it stood in for. */
  code?: string | undefined;
  sourceIp?: string | undefined;
}

export interface AuditSink {
  record(event: AuditEvent): void;
}

/** The production sink: audit events as JSON log lines on their own channel (`channel: "audit"`). */
export function createLogAuditSink(logger: Logger): AuditSink {
  const audit = logger.child({ channel: 'audit' });
  return {
    record(event) {
      audit.info(event, event.event);
    },
  };
}
