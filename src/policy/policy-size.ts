/**
 * STS refuses a session policy over its size limit (2,048 characters now, 1,024 in older documents; configurable as
 * sts.policyMaxChars; https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole).
 * We measure UTF-8 bytes, which is never less than the character count, so a policy that passes here passes under
 * either reading - keys scope can carry non-ASCII file names.
 *
 * Start-up proves the worst case of every profile (profileSizeProblems), so a request with valid claims never meets
 * the limit. What the proof cannot bound is the caller's own declaration in keys scope (how many files, how long
 * their names): that overflow is the request's, and is refused with a 400.
 */
import type { ProfileConfig } from '../config/schema.js';
import { BrokerError } from '../errors.js';
import type { Grant } from '../rules/grant.js';
import { profileEndpoint } from '../rules/apply-profile.js';
import { MAX_KEY_BYTES } from '../rules/key-naming.js';
import { compilePrefixTemplate } from '../rules/prefix-template.js';
import { MAX_FILE_NAME_BYTES } from '../rules/safe-segment.js';
import { buildSessionPolicy } from './build-session-policy.js';

const utf8 = new TextEncoder();

export function policyLength(json: string): number {
  return utf8.encode(json).length;
}

/**
 * Refuses a policy over the limit. In keys scope the declared files made it too large: 400 `too_many_files`, the
 * caller can declare fewer or shorter names. Otherwise 500 `policy_too_large`: start-up proved this cannot happen
 * with valid claims, so reaching it is a configuration or code problem, not the caller's.
 */
export function assertPolicyFits(json: string, maxChars: number, grant: Pick<Grant, 'profile' | 'keys'>): void {
  const length = policyLength(json);
  if (length <= maxChars) return;
  if (grant.keys !== undefined) {
    throw new BrokerError(
      'too_many_files',
      `the keys of the ${grant.keys.length} declared files make a session policy of ${length} bytes, over the STS limit ` +
        `of ${maxChars}; declare fewer files or shorter names`,
    );
  }
  throw new BrokerError(
    'policy_too_large',
    `the session policy for profile "${grant.profile}" is ${length} bytes; the STS limit is ${maxChars}`,
  );
}

/** The longest random key name: a 32-character id, a dot and the longest allowed extension (key-naming.ts). */
const RANDOM_ID_CHARS = 32;

interface Shape {
  /** Length of each claim whose value is not fixed by the configuration. */
  claimChars: number;
  /** Declared file names (keys scope). */
  names: string[];
}

/**
 * Measures the policy of a synthetic grant. `fixedLengths` gives placeholders whose longest value is known from the
 * configuration (a tenant fixed for every client of the profile); every other placeholder is `claimChars` long.
 */
function measure(profileName: string, profile: ProfileConfig, fixedLengths: Readonly<Record<string, number>>, shape: Shape): number {
  const template = compilePrefixTemplate(profile.prefix);
  const claims = Object.fromEntries(
    template.placeholders.map((name) => [name, 'x'.repeat(Object.hasOwn(fixedLengths, name) ? fixedLengths[name]! : shape.claimChars)]),
  );
  const prefix = template.render(claims);
  // Distinct keys (a counter in front), clipped to the OSS limit as the rules would refuse anything longer.
  const keys = shape.names.map((name, i) => `${prefix}${i}${name}`.slice(0, MAX_KEY_BYTES));
  const grant: Grant = {
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
    sourceIdentity: 'worst-case',
    allowedExtensions: profile.fileTypes?.extensions,
    sourceIp: profile.conditions.sourceIp,
    secureTransport: profile.conditions.secureTransport,
  };
  return policyLength(buildSessionPolicy(grant).json);
}

/** Largest n in [low, high] with fits(n), given fits is monotone (true then false); low - 1 when none fits. */
function largestFitting(low: number, high: number, fits: (n: number) => boolean): number {
  let best = low - 1;
  let lo = low;
  let hi = high;
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) {
      best = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return best;
}

/**
 * Start-up proof that a profile's session policy fits STS's limit for every request its rules accept: every claim
 * at the profile's `maxClaimChars` (fixed tenants at their own length) and, in keys scope, the declared files.
 * `random` names with restricted types have a known length, so all `maxFiles` of them are proven; other names are
 * the caller's choice, so one name of the longest accepted length is proven and more files are checked per request.
 * Returns problems as `<field path>: <message>`, naming the largest value that would fit.
 */
export function profileSizeProblems(
  profileName: string,
  profile: ProfileConfig,
  maxChars: number,
  fixedLengths: Readonly<Record<string, number>> = {},
): string[] {
  const path = `profiles.${profileName}`;
  const extensions = profile.fileTypes?.extensions ?? [];
  const size = (shape: Shape) => measure(profileName, profile, fixedLengths, shape);
  const limit = `sts.policyMaxChars (${maxChars})`;

  const smallest = size({ claimChars: 1, names: [`.${extensions[0] ?? 'x'}`] });
  if (smallest > maxChars) {
    return [
      `${path}: even the smallest session policy is ${smallest} bytes, over ${limit}; ` +
        'allow fewer fileTypes.extensions, conditions.sourceIp ranges or operations',
    ];
  }

  const fixedNames = profile.scope === 'keys' && profile.keyNaming === 'random' && profile.fileTypes !== undefined;
  const worstName = fixedNames
    ? `${'x'.repeat(RANDOM_ID_CHARS)}.${'x'.repeat(Math.max(...extensions.map((e) => e.length)))}`
    : 'x'.repeat(MAX_FILE_NAME_BYTES);
  const oneFile = profile.scope === 'keys' ? [worstName] : [];

  const claims = profile.maxClaimChars;
  const worstClaims = size({ claimChars: claims, names: oneFile });
  if (worstClaims > maxChars) {
    const fitting = largestFitting(1, claims - 1, (n) => size({ claimChars: n, names: oneFile }) <= maxChars);
    const advice = fitting >= 1 ? `at most ${fitting} fits` : 'no claim length fits; shorten the prefix or allow fewer extensions';
    const files = profile.scope === 'keys' ? ` and a ${worstName.length}-character file name` : '';
    return [
      `${path}.maxClaimChars: with ${claims}-character claims${files} the session policy can reach ${worstClaims} bytes, ` +
        `over ${limit}; ${advice}`,
    ];
  }

  if (fixedNames && profile.maxFiles > 1) {
    const names = (n: number) => Array.from({ length: n }, () => worstName);
    const worstFiles = size({ claimChars: claims, names: names(profile.maxFiles) });
    if (worstFiles > maxChars) {
      const fitting = largestFitting(1, profile.maxFiles - 1, (n) => size({ claimChars: claims, names: names(n) }) <= maxChars);
      return [
        `${path}.maxFiles: ${profile.maxFiles} random keys with ${claims}-character claims make a session policy of ` +
          `${worstFiles} bytes, over ${limit}; at most ${fitting} fit`,
      ];
    }
  }
  return [];
}
