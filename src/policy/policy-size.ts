/**
 * STS refuses a session policy over its size limit (facts A1: 2,048 characters now, 1,024 bytes in older docs;
 * configurable as sts.policyMaxChars). We measure UTF-8 bytes, which is never less than the character count, so
 * a policy that passes here passes under either reading - keys scope can carry non-ASCII file names.
 */
import type { ProfileConfig } from '../config/schema.js';
import { BrokerError } from '../errors.js';
import type { Grant } from '../rules/grant.js';
import { profileEndpoint } from '../rules/apply-profile.js';
import { MAX_KEY_BYTES } from '../rules/key-naming.js';
import { compilePrefixTemplate } from '../rules/prefix-template.js';
import { MAX_CLAIM_CHARS, MAX_FILE_NAME_BYTES } from '../rules/safe-segment.js';
import { buildSessionPolicy } from './build-session-policy.js';

const utf8 = new TextEncoder();

export function policyLength(json: string): number {
  return utf8.encode(json).length;
}

/** policy_too_large (a 500: the configuration, not the caller, is at fault). */
export function assertPolicyFits(json: string, maxChars: number, profileName: string): void {
  const length = policyLength(json);
  if (length > maxChars) {
    throw new BrokerError(
      'policy_too_large',
      `the session policy for profile "${profileName}" is ${length} bytes; the STS limit is ${maxChars}`,
    );
  }
}

export interface ProfileFit {
  /** Size of the policy for the longest values the rules accept. */
  worstCaseLength: number;
  fits: boolean;
  /** Set when the worst case does not fit: worth a start-up warning, requests that hit it get policy_too_large. */
  warning?: string;
}

function syntheticGrant(profileName: string, profile: ProfileConfig, claimChars: number, names: string[]): Grant {
  const template = compilePrefixTemplate(profile.prefix);
  const claims = Object.fromEntries(template.placeholders.map((name) => [name, 'x'.repeat(claimChars)]));
  const prefix = template.render(claims);
  // Clip each key to the OSS limit, as the rules would refuse anything longer.
  const keys = names.map((name, i) => `${prefix}${i}${name}`.slice(0, MAX_KEY_BYTES));
  return {
    profile: profileName,
    roleArn: profile.roleArn,
    bucket: profile.bucket,
    region: profile.region,
    endpoint: profileEndpoint(profile),
    prefix,
    keys: profile.scope === 'keys' ? keys : undefined,
    operations: [...profile.operations],
    durationSeconds: profile.durationSeconds,
    roleSessionName: 'worst-case',
    allowedExtensions: profile.fileTypes?.extensions,
    sourceIp: profile.conditions.sourceIp,
    secureTransport: profile.conditions.secureTransport,
  };
}

/**
 * Start-up check of one profile against the STS limit. Throws a plain Error when even the smallest request
 * (one-character claims, one short file) cannot fit - such a profile could never issue a token (e.g. too many
 * extensions or IP ranges). Otherwise reports the worst case: claims of 128 characters and, for keys scope,
 * maxFiles keys (`random` naming with restricted types: a 32-character id and the longest extension; otherwise
 * names of 255 bytes). Keys scope with many files will often not fit its worst case; that is a warning only.
 */
export function checkProfileFits(profileName: string, profile: ProfileConfig, maxChars: number): ProfileFit {
  const longestExt = Math.max(0, ...(profile.fileTypes?.extensions ?? []).map((e) => e.length));
  const shortName = `.${profile.fileTypes?.extensions[0] ?? 'x'}`;
  const smallest = policyLength(buildSessionPolicy(syntheticGrant(profileName, profile, 1, [shortName])).json);
  if (smallest > maxChars) {
    throw new Error(`profile "${profileName}": even the smallest session policy is ${smallest} bytes, over the STS limit of ${maxChars}`);
  }
  const worstName =
    profile.keyNaming === 'random' && profile.fileTypes !== undefined
      ? `${'x'.repeat(32)}.${'x'.repeat(longestExt)}`
      : 'x'.repeat(MAX_FILE_NAME_BYTES);
  const names = Array.from({ length: profile.maxFiles }, () => worstName);
  const worstCaseLength = policyLength(buildSessionPolicy(syntheticGrant(profileName, profile, MAX_CLAIM_CHARS, names)).json);
  if (worstCaseLength <= maxChars) return { worstCaseLength, fits: true };
  return {
    worstCaseLength,
    fits: false,
    warning:
      `profile "${profileName}": with the longest accepted values the session policy would be ${worstCaseLength} ` +
      `bytes, over the STS limit of ${maxChars}; such requests will fail with policy_too_large`,
  };
}
