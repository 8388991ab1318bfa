/**
 * Which STS error codes mean what, for the broker (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole (error codes)). Exact codes first, then the documented families
 * (`InvalidParameter.*` grows as STS adds parameters), then the SDK's own rule that any code containing
 * "Throttling" is throttling (openapi-core 1.0.8 `doRequest`).
 *
 * - rejected: STS refused because of how *we* are set up (role, trust policy, session policy, our AccessKey,
 *   signing, our clock). A retry gets the same answer, so none is made; an operator must fix the config.
 * - throttled: the account's AssumeRole quota is used up. Not retried: the quota is shared by every replica and
 *   every other service of the account, so an immediate retry only adds to the overload (20 throttled requests once
 *   made 56 calls). The caller gets 503 `upstream_throttled` with Retry-After instead.
 * - unavailable: STS itself failed; retried with backoff.
 */
type StsErrorKind = 'rejected' | 'throttled' | 'unavailable';

export interface StsErrorRule {
  kind: StsErrorKind;
  retryable: boolean;
}

export const REJECTED: StsErrorRule = { kind: 'rejected', retryable: false };
export const THROTTLED: StsErrorRule = { kind: 'throttled', retryable: false };
export const UNAVAILABLE: StsErrorRule = { kind: 'unavailable', retryable: true };

/** Every code in https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole (error codes) (AssumeRole table, troubleshooting list, common gateway codes), exact match. */
export const STS_ERROR_TABLE: Readonly<Record<string, StsErrorRule>> = {
  // AssumeRole table (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole (error codes)): all caused by our profile config or our RAM setup.
  InvalidParameter: REJECTED,
  'InvalidParameter.RoleArn': REJECTED,
  'InvalidParameter.RoleSessionName': REJECTED,
  'InvalidParameter.DurationSeconds': REJECTED,
  'InvalidParameter.PolicyGrammar': REJECTED,
  'InvalidParameter.PolicySize': REJECTED,
  NoPermission: REJECTED,
  'EntityNotExist.Role': REJECTED,
  InternalError: UNAVAILABLE,
  // Troubleshooting list: our own AccessKey / token.
  MissingSecurityToken: REJECTED,
  'InvalidAccessKeyId.NotFound': REJECTED,
  'InvalidAccessKeyId.Inactive': REJECTED,
  // Common gateway codes (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole (error codes), mirrored from the error center).
  SignatureDoesNotMatch: REJECTED,
  IncompleteSignature: REJECTED,
  'InvalidTimeStamp.Format': REJECTED,
  // Our clock is off by more than STS allows (~15 min, (not documented by Alibaba)): an operator must fix it, a retry will not.
  'InvalidTimeStamp.Expired': REJECTED,
  // Each SDK attempt signs with a fresh nonce, so a reused nonce (a duplicating proxy) is cured by a retry.
  SignatureNonceUsed: UNAVAILABLE,
  'InvalidSecurityToken.Expired': REJECTED,
  'InvalidSecurityToken.Malformed': REJECTED,
  'InvalidSecurityToken.MismatchWithAccessKey': REJECTED,
  Throttling: THROTTLED,
  'Throttling.User': THROTTLED,
  'Throttling.Api': THROTTLED,
  'InvalidApi.NotFound': REJECTED,
  MissingParameter: REJECTED,
  'Forbidden.AccessKeyDisabled': REJECTED,
  ServiceUnavailable: UNAVAILABLE,
};

/** Families of codes STS documents only by example (`InvalidParameter.*` grows with new parameters). */
const PREFIX_RULES: ReadonlyArray<readonly [string, StsErrorRule]> = [
  ['InvalidParameter.', REJECTED],
  ['MissingParameter.', REJECTED],
  ['EntityNotExist.', REJECTED],
  ['InvalidAccessKeyId.', REJECTED],
  ['InvalidSecurityToken.', REJECTED],
  ['Forbidden.', REJECTED],
  ['Throttling.', THROTTLED],
];

/** Looks a code up in the table, then in the prefix families. */
export function ruleForCode(code: string): StsErrorRule | undefined {
  const exact = STS_ERROR_TABLE[code];
  if (exact !== undefined) return exact;
  if (code.includes('Throttling')) return THROTTLED; // the SDK's own test (openapi-core doRequest)
  return PREFIX_RULES.find(([prefix]) => code.startsWith(prefix))?.[1];
}
