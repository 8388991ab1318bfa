/**
 * Issuing credentials, as a list of named steps: profile → grant + policy (prepare-grant.ts) → (dry run) → quota →
 * cache/STS → audit.
 * No HTTP here: the route hands in an authenticated principal and a validated request and gets a response body.
 */
import type { BrokerConfig } from '../config/schema.js';
import { principalKey, type Principal } from '../auth/principal.js';
import type { CredentialRequest } from '../http/credential-request.js';
import { BrokerError, assertThat } from '../errors.js';
import type { AuditSink } from '../audit/audit.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Clock } from '../shared/clock.js';
import type { StsClient, StsCredentials } from '../sts/types.js';
import type { Grant } from '../rules/index.js';
import type { TokenCache } from '../cache/index.js';
import { createGrantPreparer } from './prepare-grant.js';
import type { QuotaCounter } from '../store/index.js';
import { toCredentialResponse, toDryRunResponse, type CredentialResponse, type DryRunResponse } from './responses.js';
import type { ByteQuota } from '../uploads/byte-quota.js';

export interface CredentialServiceDeps {
  config: Readonly<BrokerConfig>;
  sts: StsClient;
  tokenCache: TokenCache;
  quota: QuotaCounter;
  audit: AuditSink;
  metrics: Metrics;
  clock: Clock;
  /** Byte quotas: the declared sizes of a token's files are counted when it is granted (no callback follows). */
  bytes?: ByteQuota;
}

export interface RequestContext {
  requestId: string;
  sourceIp?: string | undefined;
}

export interface CredentialService {
  handle(principal: Principal, request: CredentialRequest, context: RequestContext): Promise<CredentialResponse | DryRunResponse>;
}

/** The profile's credential quota (requests per window): one unit taken, or 429 quota_exceeded. Returns the give-back. */
export async function takeRequestQuota(
  config: Readonly<BrokerConfig>,
  quota: QuotaCounter,
  principal: Principal,
  profile: string,
): Promise<() => Promise<void>> {
  const windows = config.profiles[profile]?.quota?.perPrincipal;
  if (!windows) return async () => {};
  const result = await quota.consume({ principalKey: principalKey(principal), profile, windows });
  if (!result.allowed) {
    throw new BrokerError(
      'quota_exceeded',
      `credential quota for profile "${profile}" is used up (${result.limit} per ${result.windowSeconds}s)`,
      { retryAfterSeconds: result.retryAfterSeconds },
    );
  }
  return result.release;
}

export function createCredentialService(deps: CredentialServiceDeps): CredentialService {
  const { config, sts, tokenCache, quota, audit, metrics, clock } = deps;
  const prepare = createGrantPreparer(config, clock);

  function findProfile(name: string) {
    const profile = Object.hasOwn(config.profiles, name) ? config.profiles[name] : undefined;
    assertThat(profile, 'unknown_profile', `no profile named "${name}"`);
    return profile;
  }

  function assume(grant: Grant, policyJson: string): () => Promise<StsCredentials> {
    return () =>
      sts.assumeRole({
        roleArn: grant.roleArn,
        roleSessionName: grant.roleSessionName,
        policy: policyJson,
        durationSeconds: grant.durationSeconds,
        externalId: grant.externalId,
      });
  }

  return {
    async handle(principal, request, context) {
      const profile = findProfile(request.profile);
      const { grant, policy, policySha256, cacheKey } = prepare(request.profile, profile, principal, request.files ?? []);
      const base = {
        requestId: context.requestId,
        at: new Date(clock.now()).toISOString(),
        principal: { kind: principal.kind, clientId: principal.clientId, subject: principal.subject, tenant: principal.tenant },
        profile: grant.profile,
        prefix: grant.prefix,
        keys: grant.keys,
        policySha256,
        roleSessionName: grant.roleSessionName,
        sourceIp: context.sourceIp,
      };

      if (request.dryRun) {
        audit.record({ ...base, event: 'credentials.dry_run', outcome: 'dry_run' });
        metrics.credentialRequests.inc({ profile: grant.profile, outcome: 'dry_run' });
        return toDryRunResponse(grant, policy.document);
      }

      const release = await takeRequestQuota(config, quota, principal, grant.profile);
      let result: { credentials: StsCredentials; cached: boolean };
      let releaseBytes = async () => {};
      try {
        // An STS token is never followed by a callback, so its declared sizes are counted at once (DESIGN:
        // "on the STS path it counts declared sizes only").
        const declared = (request.files ?? []).map((f) => ({ bytes: f.size ?? 0, settle: 'now' as const, expiresAt: clock.now() }));
        if (deps.bytes) releaseBytes = (await deps.bytes.reserve(principal, grant.profile, declared)).release;
        result = await tokenCache.getOrIssue(cacheKey, assume(grant, policy.json));
      } catch (error) {
        await release().catch(() => undefined);
        await releaseBytes().catch(() => undefined);
        throw error;
      }
      const outcome = result.cached ? 'cached' : 'issued';
      metrics.tokenCache.inc({ result: result.cached ? 'hit' : 'miss' });
      metrics.credentialRequests.inc({ profile: grant.profile, outcome });
      audit.record({
        ...base,
        event: result.cached ? 'credentials.cached' : 'credentials.issued',
        outcome,
        accessKeyId: result.credentials.accessKeyId,
        expiration: new Date(result.credentials.expiresAt).toISOString(),
      });
      return toCredentialResponse(grant, result.credentials, result.cached, clock.now());
    },
  };
}
