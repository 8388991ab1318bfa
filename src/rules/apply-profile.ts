/**
 * Applies one profile to one principal and one request: the single place that decides what a token may do.
 *
 * Checks run in a fixed order so the same request always gets the same error:
 *   forbidden → files structure (files_required, too_many_files, invalid_request)
 *   → names (claims in the prefix, then in the areas: invalid_name, too_many_claim_values; then file names:
 *   invalid_name) → types → sizes → key lengths (key_too_long).
 */
import type { Principal } from '../auth/principal.js';
import type { ProfileConfig } from '../config/schema.js';
import { assertThat } from '../errors.js';
import { checkFileNames, checkFileSizes, checkFilesStructure, checkFileTypes } from './file-rules.js';
import type { FileSpec, Grant } from './grant.js';
import { renderAreas } from './areas.js';
import { assertKeyLength, nameKeys, type RandomId } from './key-naming.js';
import { compilePrefixTemplate, type CompiledPrefixTemplate } from './prefix-template.js';
import { roleSessionName } from './role-session-name.js';
import { sourceIdentity } from './source-identity.js';
import { frozenList } from '../config/frozen-list.js';

export interface ApplyProfileInput {
  profileName: string;
  profile: ProfileConfig;
  principal: Principal;
  files?: readonly FileSpec[] | undefined;
  /** Random part of `random` key names; tests pass a deterministic one. */
  random?: RandomId | undefined;
}

/**
 * Templates come from the configuration, so there are few; compiling each once keeps requests cheap. The config
 * loader should still call compilePrefixTemplate at start-up so a bad template fails there, not here.
 */
const compiled = new Map<string, CompiledPrefixTemplate>();
function templateFor(template: string): CompiledPrefixTemplate {
  let entry = compiled.get(template);
  if (entry === undefined) {
    entry = compilePrefixTemplate(template);
    compiled.set(template, entry);
  }
  return entry;
}

/** One string per region, not one per grant: a memoized grant lives as long as its principal is active. */
const regionalEndpoints = new Map<string, string>();

/** The endpoint clients upload to; the public regional endpoint unless the profile names one. */
export function profileEndpoint(profile: Pick<ProfileConfig, 'endpoint' | 'region'>): string {
  if (profile.endpoint !== undefined) return profile.endpoint;
  let endpoint = regionalEndpoints.get(profile.region);
  if (endpoint === undefined) {
    endpoint = `https://oss-${profile.region}.aliyuncs.com`;
    regionalEndpoints.set(profile.region, endpoint);
  }
  return endpoint;
}

export function applyProfile({ profileName, profile, principal, files, random }: ApplyProfileInput): Grant {
  assertThat(
    profile.clients.includes(principal.clientId),
    'forbidden',
    `client "${principal.clientId}" may not use profile "${profileName}"`,
  );

  checkFilesStructure(profile, files);
  const declared = files ?? [];

  const prefix = templateFor(profile.prefix).render(principal.claims, profile.maxClaimChars);
  const areas = renderAreas(profileName, profile, principal);
  checkFileNames(declared);
  checkFileTypes(profile, declared);
  checkFileSizes(profile, declared);

  let keys: string[] | undefined;
  if (profile.scope === 'keys') {
    keys = nameKeys({ prefix, files: declared, keyNaming: profile.keyNaming, random });
  } else {
    // Prefix scope: the client picks its own keys under the prefix, but a declared name that could not fit is
    // still worth refusing now rather than as an upload failure later.
    declared.forEach((file, i) => assertKeyLength(`${prefix}${file.name}`, `the key for file #${i + 1}`));
  }

  return {
    profile: profileName,
    roleArn: profile.roleArn,
    externalId: profile.externalId,
    bucket: profile.bucket,
    region: profile.region,
    endpoint: profileEndpoint(profile),
    prefix,
    keys,
    operations: frozenList(profile.operations),
    ...(areas === undefined ? {} : { areas }),
    durationSeconds: profile.durationSeconds,
    roleSessionName: roleSessionName(principal),
    sourceIdentity: sourceIdentity(principal),
    maxSizeBytes: profile.maxSizeBytes,
    allowedExtensions: frozenList(profile.fileTypes?.extensions),
    allowedContentTypes: frozenList(profile.fileTypes?.contentTypes),
    sourceIp: frozenList(profile.conditions.sourceIp),
    secureTransport: profile.conditions.secureTransport,
  };
}
