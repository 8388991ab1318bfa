/**
 * GetCallerIdentity, the call the readiness check makes to learn whether STS can be reached with the broker's
 * identity. It proves what an AssumeRole would (the endpoint resolves, TLS verifies, the clock is close enough for the
 * signature, the identity is one STS accepts) without spending the account's AssumeRole budget (~100/s, shared by
 * every replica and every other user of the account) and without any RAM permission: Alibaba documents it as taking
 * no parameters and needing no authorization
 * (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-getcalleridentity).
 * Same SDK client settings as AssumeRole (sdk-client.ts): HTTPS, the configured endpoint, one attempt, our timeouts.
 */
import { describeCause, mapStsError } from './error-map.js';
import { createSdkClient, sdkRuntimeOptions, type SdkClientOptions, type StsConfig } from './sdk-client.js';

/** Who STS says the broker is. Not secret (no key in it); logged when readiness changes. */
export interface CallerIdentity {
  identityType: string;
  accountId: string;
  arn: string;
}

/** Why the broker cannot use STS: no identity at all, STS out of reach, or STS refusing the identity. */
export type IdentityFailureReason = 'no_cloud_identity' | 'sts_unreachable' | 'sts_rejected';

export type IdentityCheckOutcome =
  | { kind: 'ok'; identity: CallerIdentity }
  | { kind: 'failed'; reason: IdentityFailureReason; detail: string; upstream?: Record<string, string | number> }
  /** STS answered but throttled the call: it was reached, the identity was not judged. */
  | { kind: 'inconclusive'; detail: string };

export type CallerIdentityCall = () => Promise<CallerIdentity>;

export function createCallerIdentityCall(config: StsConfig, options: SdkClientOptions = {}): CallerIdentityCall {
  const sdk = createSdkClient(config, options);
  const runtime = sdkRuntimeOptions(config);
  return async () => {
    const { body } = await sdk.getCallerIdentityWithOptions(runtime);
    return { identityType: body?.identityType ?? 'unknown', accountId: body?.accountId ?? '', arn: body?.arn ?? '' };
  };
}

/** What a failed GetCallerIdentity says about readiness, through the same error map as AssumeRole. */
export function callerIdentityFailure(error: unknown): IdentityCheckOutcome {
  const mapped = mapStsError(error);
  const upstream = describeCause(mapped.error.cause ?? error);
  if (mapped.outcomeCode === 'no_credentials') {
    return { kind: 'failed', reason: 'no_cloud_identity', detail: 'the credentials chain found none', upstream };
  }
  if (mapped.error.code === 'upstream_throttled') return { kind: 'inconclusive', detail: 'STS throttled GetCallerIdentity' };
  const detail = `${mapped.error.detail} (${mapped.outcomeCode})`;
  if (mapped.error.code === 'upstream_rejected') return { kind: 'failed', reason: 'sts_rejected', detail, upstream };
  return { kind: 'failed', reason: 'sts_unreachable', detail, upstream };
}
