/**
 * Builds the `cloud_identity` readiness check (sts/identity-readiness.ts) from the broker's own credential and STS
 * settings. One check has two steps, so the log names the right culprit:
 * 1. the credentials chain, asked directly (the same credential object that signs AssumeRole, so its cached session
 *    is reused and a provider's own network error, e.g. RRSA's AssumeRoleWithOIDC, counts as "no cloud identity"
 *    rather than as STS being down): a failure is `no_cloud_identity`, with the chain's reason (safeChainError: no
 *    key, no body, no file content);
 * 2. GetCallerIdentity with it (sts/caller-identity.ts): `sts_unreachable` or `sts_rejected`.
 */
import type { BrokerConfig } from '../config/schema.js';
import {
  callerIdentityFailure,
  createCallerIdentityCall,
  createIdentityReadiness,
  type CallerIdentityCall,
  type IdentityCheckOutcome,
  type IdentityReadiness,
} from '../sts/index.js';
import type { Logger } from '../shared/logger.js';
import { safeChainError, withDeadline, type ChainCredential } from './credential-source.js';

/** Upper bound on one walk of the chain (metadata-service and RRSA timeouts included). */
const CHAIN_DEADLINE_MS = 20_000;

export function cloudIdentityCheck(
  credential: ChainCredential,
  callerIdentity: CallerIdentityCall,
  chainDeadlineMs: number = CHAIN_DEADLINE_MS,
): () => Promise<IdentityCheckOutcome> {
  return async () => {
    try {
      await withDeadline(credential.getCredential(), chainDeadlineMs);
    } catch (error) {
      return { kind: 'failed', reason: 'no_cloud_identity', detail: safeChainError(error) };
    }
    try {
      return { kind: 'ok', identity: await callerIdentity() };
    } catch (error) {
      return callerIdentityFailure(error);
    }
  };
}

export interface CloudIdentityReadinessOptions {
  credential: ChainCredential;
  /** The STS emulator's CA (local mode): see SdkClientOptions.trustedCa. */
  trustedCa?: string;
  logger: Logger;
}

/** The check for this configuration, not started (call `start()`, and `stop()` on shutdown). */
export function createCloudIdentityReadiness(
  sts: Readonly<BrokerConfig['sts']>,
  options: CloudIdentityReadinessOptions,
): IdentityReadiness {
  const callerIdentity = createCallerIdentityCall(sts, {
    credential: options.credential,
    ...(options.trustedCa === undefined ? {} : { trustedCa: options.trustedCa }),
  });
  return createIdentityReadiness({
    check: cloudIdentityCheck(options.credential, callerIdentity),
    intervalMs: sts.identityCheck.intervalSeconds * 1000,
    failureThreshold: sts.identityCheck.failureThreshold,
    logger: options.logger,
  });
}
