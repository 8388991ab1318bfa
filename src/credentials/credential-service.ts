/**
 * Issuing credentials, as a list of named steps: profile → grant + policy (prepare-grant.ts) → (dry run) → the
 * profile offers tokens (`paths` has `sts`) → quota → cache/STS (or a stale token while STS cannot issue) → audit.
 * No HTTP here: the route hands in an authenticated principal and a validated request and gets a response body.
 *
 * Serve-stale (docs/clients.md, "The lifetime promise"): when the issuing path fails because STS is down, throttling, its
 * breaker is open or the shared STS budget cannot be reached, a cached token that is under the reuse floor but still
 * above `cache.staleFloorSeconds` is served, marked `stale: true`, counted and audited as such. Not when STS refused
 * (`upstream_rejected`): that can be a role or trust policy taken away on purpose. Below the hard floor, the 503.
 */
import { profilePaths, type BrokerConfig, type ProfileConfig } from '../config/schema.js';
import type { Principal } from '../auth/principal.js';
import type { CredentialRequest } from './credential-request.js';
import { BrokerError, assertThat } from '../errors.js';
import { takeQuotas, type CountRequest, type DeclaredBytes } from '../quotas/index.js';
import { auditPrincipal, type AuditEvent, type AuditSink } from '../audit/audit.js';
import { auditExpirationText } from './token-times.js';
import { isoMillis, type Clock } from '../shared/clock.js';
import type { Metrics } from '../metrics/metrics.js';
import type { StsClient } from '../sts/types.js';
import type { Grant } from '../rules/index.js';
import type { IssueToken, TokenCache } from '../cache/index.js';
import { createGrantPreparer, createSessionPreparer, type PreparedGrant } from './prepare-grant.js';
import { findProfile, formSigningGrant, formSigningProfile } from '../profiles/index.js';
import { applyProfile } from '../rules/index.js';
import { toCredentialResponse, toDryRunResponse, type CredentialResponse, type DryRunResponse, type ServedToken } from './responses.js';
import { refreshAfterMs } from './lifetime.js';
import type { Admission } from '../quotas/admission.js';

export interface CredentialServiceDeps {
  config: Readonly<BrokerConfig>;
  sts: StsClient;
  tokenCache: TokenCache;
  /** Counts the request quota and the byte quota (the declared sizes of a token's files: no callback follows). */
  admission: Admission;
  audit: AuditSink;
  metrics: Metrics;
  clock: Clock;
  /** Told of every token handed to a principal (issued, cached or stale), before the answer goes out. */
  handedOut?: RecordHandOut;
}

/**
 * Records that a principal was given a token from a cache entry: its AccessKeyId (for incident response) and the
 * entry (so it can be dropped when the principal is revoked). Rejects (503 `store_unavailable`) when the record
 * cannot be written: the token must then not be handed out.
 */
export type RecordHandOut = (
  principal: Principal,
  handOut: { accessKeyId: string; expiresAt: number; profile: string; prefix: string; cacheKey: string },
) => Promise<void>;

export interface RequestContext {
  requestId: string;
  sourceIp?: string | undefined;
  /**
   * The request's own limits, still to be counted (the HTTP layer's rate limits): counted with the grant's quotas
   * in one store round trip, or alone before an answer that takes no grant.
   */
  count?: CountRequest;
}

export interface CredentialService {
  handle(principal: Principal, request: CredentialRequest, context: RequestContext): Promise<CredentialResponse | DryRunResponse>;
}

const NOTHING_DECLARED: readonly DeclaredBytes[] = Object.freeze([]);

/** The declared sizes of a token's files, settled at once. */
function declaredNow(files: CredentialRequest['files'], nowMs: number): readonly DeclaredBytes[] {
  if (files === undefined || files.length === 0) return NOTHING_DECLARED;
  return files.map((file) => ({ bytes: file.size ?? 0, settle: 'now', expiresAt: nowMs }));
}

/** Failures of the issuing path that a still-valid cached token may stand in for. */
const STALE_STANDS_IN_FOR: ReadonlySet<string> = new Set(['upstream_unavailable', 'upstream_throttled', 'store_unavailable']);

/**
 * The audit event of one decision, as one object (a shared part spread into it was a second object per answer). The
 * token fields are left undefined for a dry run: pino does not write them, as JSON.stringify does not.
 */
function decisionEvent(
  principal: Principal,
  prepared: PreparedGrant,
  context: RequestContext,
  at: string,
  event: 'credentials.dry_run' | 'credentials.served_stale' | 'credentials.cached' | 'credentials.issued',
  outcome: 'dry_run' | 'stale' | 'cached' | 'issued',
  served?: ServedToken & { standIn?: BrokerError },
): AuditEvent {
  const { grant } = prepared;
  return {
    requestId: context.requestId,
    at,
    principal: auditPrincipal(principal),
    profile: grant.profile,
    prefix: grant.prefix,
    keys: grant.keys,
    policySha256: prepared.policySha256,
    roleSessionName: grant.roleSessionName,
    sourceIdentity: grant.sourceIdentity,
    sourceIp: context.sourceIp,
    event,
    outcome,
    accessKeyId: served?.credentials.accessKeyId,
    expiration: served === undefined ? undefined : auditExpirationText(served.credentials),
    stale: served?.standIn ? true : undefined,
    code: served?.standIn?.code,
  };
}

export function createCredentialService(deps: CredentialServiceDeps): CredentialService {
  const { config, sts, tokenCache, admission, audit, metrics, clock } = deps;
  const prepare = createGrantPreparer(config, clock, config.cache.l1MaxEntries);
  const prepareDecided = createSessionPreparer(config, clock, config.cache.l1MaxEntries);
  const minRemainingMs = config.cache.minRemainingSeconds * 1000;
  /**
   * Per prepared grant: how to issue its token. The hot-key registry keeps it for refresh-ahead, so one made per
   * request would outlive the young generation and end as old-generation garbage.
   */
  const issuers = new WeakMap<PreparedGrant, IssueToken>();
  function issuerOf(prepared: PreparedGrant): IssueToken {
    let issue = issuers.get(prepared);
    if (issue === undefined) {
      issue = assume(prepared.grant, prepared.policy.json);
      issuers.set(prepared, issue);
    }
    return issue;
  }

  /** The cached token or a new one; a stale one when STS cannot issue; else the failure. */
  async function obtain(cacheKey: string, issue: IssueToken): Promise<ServedToken & { standIn?: BrokerError }> {
    try {
      const { credentials, cached } = await tokenCache.getOrIssue(cacheKey, issue);
      return { credentials, cached, stale: false, refreshAfterMs: refreshAfterMs(credentials.expiresAt, clock.now(), minRemainingMs) };
    } catch (error) {
      if (!(error instanceof BrokerError) || !STALE_STANDS_IN_FOR.has(error.code)) throw error;
      const stale = await tokenCache.peekStale(cacheKey);
      if (stale === null) throw error;
      const after = refreshAfterMs(stale.expiresAt, clock.now(), minRemainingMs, { retryAfterSeconds: error.retryAfterSeconds });
      return { credentials: stale, cached: true, stale: true, refreshAfterMs: after, standIn: error };
    }
  }

  /** How to issue a token for this grant; the cache calls it for a miss, and again in the background while hot. */
  function assume(grant: Grant, policyJson: string): IssueToken {
    return ({ background }) =>
      sts.assumeRole({
        roleArn: grant.roleArn,
        roleSessionName: grant.roleSessionName,
        sourceIdentity: grant.sourceIdentity,
        policy: policyJson,
        durationSeconds: grant.durationSeconds,
        externalId: grant.externalId,
        priority: background ? 'background' : 'foreground',
      });
  }

  /**
   * A forms-only profile (`paths: [form]`) issues no token to anyone: its forms' signing token must stay in the
   * broker, or its holder could write what the forms refuse. A dry run issues nothing, so it is still answered, with
   * the grant and policy of that signing token (the session policy actually in use), after the declared files pass
   * the rules a form would apply. The rules run once either way: with files, the signing grant is derived from the
   * files' grant, as the form route derives it.
   */
  function formsOnlyDryRun(name: string, profile: ProfileConfig, principal: Principal, files: CredentialRequest['files']): PreparedGrant {
    if (files === undefined || files.length === 0) return prepare(name, formSigningProfile(profile), principal, [], 'form-signing');
    const checked = applyProfile({ profileName: name, profile: { ...profile, scope: 'keys' }, principal, files });
    return prepareDecided(formSigningGrant(checked), 'form-signing');
  }

  return {
    async handle(principal, request, context) {
      const profile = findProfile(config, request.profile, principal);
      const offersTokens = profilePaths(profile).includes('sts');
      if (!offersTokens) {
        assertThat(
          request.dryRun,
          'forms_only',
          `profile "${request.profile}" offers signed form uploads only (paths: [form]); use POST /v1/post-policy`,
        );
      }
      const prepared = offersTokens
        ? prepare(request.profile, profile, principal, request.files ?? [], 'credentials')
        : formsOnlyDryRun(request.profile, profile, principal, request.files);
      const { grant, policy, cacheKey } = prepared;
      const decidedAt = isoMillis(clock.now());

      if (request.dryRun) {
        await context.count?.();
        audit.record(decisionEvent(principal, prepared, context, decidedAt, 'credentials.dry_run', 'dry_run'));
        metrics.credentialAnswers.inc(grant.profile, 'dry_run');
        return toDryRunResponse(grant, policy.document());
      }

      // An STS token is never followed by a callback, so its declared sizes are counted at once (docs/api.md,
      // "What each upload path guarantees": on the STS path it counts declared sizes only).
      const quotas = await takeQuotas(config, admission, principal, grant.profile, declaredNow(request.files, clock.now()), context.count);
      let served: Awaited<ReturnType<typeof obtain>>;
      try {
        served = await obtain(cacheKey, issuerOf(prepared));
        // Recorded before the answer goes out; a token that cannot be recorded is not handed out (503).
        await deps.handedOut?.(principal, {
          accessKeyId: served.credentials.accessKeyId,
          expiresAt: served.credentials.expiresAt,
          profile: grant.profile,
          prefix: grant.prefix,
          cacheKey,
        });
      } catch (error) {
        await quotas.release();
        throw error;
      }
      const outcome = served.stale ? 'stale' : served.cached ? 'cached' : 'issued';
      metrics.tokenCacheResults.inc(served.stale ? 'stale' : served.cached ? 'hit' : 'miss');
      metrics.credentialAnswers.inc(grant.profile, outcome);
      if (served.standIn) metrics.staleServed.inc({ profile: grant.profile, reason: served.standIn.code });
      const event = served.stale ? 'credentials.served_stale' : served.cached ? 'credentials.cached' : 'credentials.issued';
      audit.record(decisionEvent(principal, prepared, context, decidedAt, event, outcome, served));
      return toCredentialResponse(grant, served, clock.now());
    },
  };
}
