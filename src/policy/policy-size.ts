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
import { compileAreas } from '../rules/areas.js';
import { listClaimLimits } from '../rules/list-claims.js';
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
  /** How many values each list claim carries (absent: its `maxValues`); each value is the claim's `maxChars` long. */
  listCounts?: Readonly<Record<string, number>>;
}

const VALUE_DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The `i`-th distinct value of `chars` characters (longer only when fewer characters cannot tell them apart). */
function distinctValue(i: number, chars: number): string {
  let digits = '';
  let n = i;
  do {
    digits = VALUE_DIGITS[n % VALUE_DIGITS.length] + digits;
    n = Math.floor(n / VALUE_DIGITS.length);
  } while (n > 0);
  return digits.padStart(chars, 'x');
}

/** The list claims a profile's areas use, in order of first appearance. */
export function listClaimsUsed(profile: Pick<ProfileConfig, 'areas'>): string[] {
  const names: string[] = [];
  for (const { template } of compileAreas(profile)) {
    if (template.listClaim !== undefined && !names.includes(template.listClaim)) names.push(template.listClaim);
  }
  return names;
}

/**
 * Measures the policy of a synthetic grant. `fixedLengths` gives placeholders whose longest value is known from the
 * configuration (a tenant fixed for every client of the profile); every other placeholder is `claimChars` long.
 */
function measure(profileName: string, profile: ProfileConfig, fixedLengths: Readonly<Record<string, number>>, shape: Shape): number {
  const template = compilePrefixTemplate(profile.prefix);
  const areaTemplates = compileAreas(profile).map((area) => area.template);
  const placeholders = new Set([...template.placeholders, ...areaTemplates.flatMap((t) => t.placeholders)]);
  const claims = Object.fromEntries(
    [...placeholders].map((name) => [name, 'x'.repeat(Object.hasOwn(fixedLengths, name) ? fixedLengths[name]! : shape.claimChars)]),
  );
  const prefix = template.render(claims);
  const areas = compileAreas(profile).flatMap(({ template: area, operations }) => {
    const list = area.listClaim;
    let values: string[] = [];
    if (list !== undefined) {
      const limits = listClaimLimits(profile, list);
      const count = shape.listCounts?.[list] ?? limits.maxValues;
      values = Array.from({ length: count }, (_, i) => distinctValue(i, limits.maxChars));
    }
    return area.renderEach(claims, values).map((areaPrefix) => ({ prefix: areaPrefix, operations: [...operations] }));
  });
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
    ...(profile.areas === undefined ? {} : { areas }),
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

/** The worst-case shape of a profile: every claim at its longest, every list full, one longest file name in keys scope. */
function worstShape(profile: ProfileConfig): Shape {
  return { claimChars: profile.maxClaimChars, names: profile.scope === 'keys' ? [worstFileName(profile)] : [] };
}

function fixedNameLength(profile: ProfileConfig): boolean {
  return profile.scope === 'keys' && profile.keyNaming === 'random' && profile.fileTypes !== undefined;
}

function worstFileName(profile: ProfileConfig): string {
  const extensions = profile.fileTypes?.extensions ?? [];
  return fixedNameLength(profile)
    ? `${'x'.repeat(RANDOM_ID_CHARS)}.${'x'.repeat(Math.max(...extensions.map((e) => e.length)))}`
    : 'x'.repeat(MAX_FILE_NAME_BYTES);
}

/**
 * The largest session policy a profile's rules can accept, in bytes: the number start-up compares with
 * `sts.policyMaxChars` (all `maxFiles` random names in keys scope when their length is known).
 */
export function worstCasePolicySize(
  profileName: string,
  profile: ProfileConfig,
  fixedLengths: Readonly<Record<string, number>> = {},
): number {
  const shape = worstShape(profile);
  const names = fixedNameLength(profile) ? Array.from({ length: profile.maxFiles }, () => worstFileName(profile)) : shape.names;
  return measure(profileName, profile, fixedLengths, { ...shape, names });
}

/**
 * Start-up proof that a profile's session policy fits STS's limit for every request its rules accept: every claim
 * at the profile's `maxClaimChars` (fixed tenants at their own length), every list claim of its areas at `maxValues`
 * distinct values of `maxChars` and, in keys scope, the declared files.
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
  const lists = listClaimsUsed(profile);
  const noValues = Object.fromEntries(lists.map((name) => [name, 0]));

  const smallest = size({ claimChars: 1, names: [`.${extensions[0] ?? 'x'}`], listCounts: noValues });
  if (smallest > maxChars) {
    return [
      `${path}: even the smallest session policy is ${smallest} bytes, over ${limit}; ` +
        'allow fewer fileTypes.extensions, conditions.sourceIp ranges, operations or areas',
    ];
  }

  const worstName = worstFileName(profile);
  const oneFile = profile.scope === 'keys' ? [worstName] : [];

  const claims = profile.maxClaimChars;
  const worstClaims = size({ claimChars: claims, names: oneFile, listCounts: noValues });
  if (worstClaims > maxChars) {
    const fitting = largestFitting(1, claims - 1, (n) => size({ claimChars: n, names: oneFile, listCounts: noValues }) <= maxChars);
    const advice = fitting >= 1 ? `at most ${fitting} fits` : 'no claim length fits; shorten the prefix or allow fewer extensions';
    const files = profile.scope === 'keys' ? ` and a ${worstName.length}-character file name` : '';
    return [
      `${path}.maxClaimChars: with ${claims}-character claims${files} the session policy can reach ${worstClaims} bytes, ` +
        `over ${limit}; ${advice}`,
    ];
  }

  // Every list full, each value at its longest: the worst case a token within the limits can produce.
  const worstLists = size({ claimChars: claims, names: oneFile });
  if (worstLists > maxChars) {
    return lists.map((name) => {
      const { maxValues, maxChars: valueChars } = listClaimLimits(profile, name);
      const fitting = largestFitting(
        0,
        maxValues - 1,
        (n) => size({ claimChars: claims, names: oneFile, listCounts: { [name]: n } }) <= maxChars,
      );
      const others = lists.length > 1 ? ' (the other list claims at their maximum)' : '';
      const advice =
        fitting >= 1
          ? `at most ${fitting} values fit${others}`
          : `not even one value fits${others}; lower ${path}.listClaims.${name}.maxChars or maxClaimChars, or give its area fewer operations`;
      return (
        `${path}.listClaims.${name}.maxValues: with ${maxValues} values of ${valueChars} characters for \${claims.${name}} ` +
        `and ${claims}-character claims the session policy can reach ${worstLists} bytes, over ${limit}; ${advice}`
      );
    });
  }

  if (fixedNameLength(profile) && profile.maxFiles > 1) {
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
