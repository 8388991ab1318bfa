/**
 * RAM authorization of an authenticated request (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "Evaluation"): the bucket policy's Deny statements
 * first (an explicit deny wins, https://www.alibabacloud.com/help/en/object-storage-service/latest/examples), then the token's session policy intersected with
 * the role's policy, through the shared evaluator. Only `allow` lets a request through; an unparsable policy denies.
 */
import {
  bucketPolicyDenies,
  evaluateSession,
  parsePolicy,
  type AccessRequest,
  type ContextValue,
  type ParsedBucketPolicy,
  type ParsedPolicy,
} from '../policy/index.js';
import type { SealedTokenPayload } from '../sts/index.js';
import { ERRORS, ossError } from './oss-error.js';

export interface RequestFacts {
  sourceIp: string;
  secureTransport: boolean;
  nowMs: number;
  userAgent?: string;
}

/** Object ARN `acs:oss:*:*:<bucket>/<key>`; bucket ARN `acs:oss:*:*:<bucket>` (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "OSS resources and actions"). */
export function objectArn(bucket: string, key: string): string {
  return `acs:oss:*:*:${bucket}/${key}`;
}

export function bucketArn(bucket: string): string {
  return `acs:oss:*:*:${bucket}`;
}

/** `::ffff:127.0.0.1` → `127.0.0.1`, so IPv4 CIDRs in `acs:SourceIp` conditions match. */
export function clientIp(remoteAddress: string | undefined): string {
  const ip = remoteAddress ?? '';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

export function buildContext(facts: RequestFacts, extra: Record<string, ContextValue> = {}): Record<string, ContextValue> {
  return {
    'acs:SourceIp': facts.sourceIp,
    // "true"/"false" with Bool is the documented form (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements); the emulator serves plain HTTP.
    'acs:SecureTransport': facts.secureTransport ? 'true' : 'false',
    'acs:CurrentTime': new Date(facts.nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'acs:UserAgent': facts.userAgent,
    ...extra,
  };
}

function parseOrNull(document: object | null): ParsedPolicy | null {
  return document === null ? null : parsePolicy(document);
}

/**
 * Throws AccessDenied ("Access denied by authorizer's policy.") when the bucket policy denies, or unless the
 * evaluator answers `allow`. The context gains `acs:AccessId`, the AccessKeyId the request was signed with: "the
 * AccessKey ID in the request" (https://www.alibabacloud.com/help/en/oss/user-guide/authorization-syntax-and-elements
 * condition keys), which for a token is its `STS.` id (the documented "require temporary credentials" example
 * matches `STS.*` against it).
 */
export function authorize(session: SealedTokenPayload, request: AccessRequest, bucketPolicy?: ParsedBucketPolicy): void {
  const withId: AccessRequest = { ...request, context: { ...request.context, 'acs:AccessId': session.accessKeyId } };
  if (bucketPolicy !== undefined && bucketPolicyDenies(bucketPolicy, session, withId)) throw ossError(ERRORS.accessDeniedPolicy);
  let decision: string;
  try {
    decision = evaluateSession({ sessionPolicy: parseOrNull(session.sessionPolicy), rolePolicy: parseOrNull(session.rolePolicy) }, withId);
  } catch {
    decision = 'implicit_deny';
  }
  if (decision !== 'allow') throw ossError(ERRORS.accessDeniedPolicy);
}
