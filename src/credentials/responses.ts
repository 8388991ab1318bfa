/**
 * Response bodies, built field by field from typed values (never by spreading an upstream object), so nothing
 * that was not meant for the caller can ride along.
 */
import type { Grant, GrantArea } from '../rules/index.js';
import type { PolicyDocument } from '../policy/index.js';
import type { StsCredentials } from '../sts/types.js';
import type { Operation } from '../config/schema.js';
import { isoSeconds } from '../shared/clock.js';
import { frozenList } from '../config/frozen-list.js';
import { expirationText, refreshAfterText } from './token-times.js';

export interface CredentialResponse {
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken: string; expiration: string };
  upload: {
    bucket: string;
    region: string;
    endpoint: string;
    prefix: string;
    /** This list and the others are shared by every answer of one grant (uploadOf): read-only. */
    keys?: readonly string[];
    maxSizeBytes?: number;
    allowedContentTypes?: readonly string[];
    allowedExtensions?: readonly string[];
    operations: readonly Operation[];
    /** Only for a profile with areas: the other prefixes the token reaches and what it may do there. */
    areas?: ReadonlyArray<{ readonly prefix: string; readonly operations: readonly Operation[] }>;
  };
  serverTime: string;
  /** Come back for a new token at (or after) this time; well before `credentials.expiration` (lifetime.ts). */
  refreshAfter: string;
  cached: boolean;
  /** A token under the lifetime promise, served because STS could not issue a new one. */
  stale: boolean;
}

export interface DryRunResponse {
  grant: {
    roleArn: string;
    bucket: string;
    region: string;
    prefix: string;
    keys?: string[];
    operations: Operation[];
    areas?: GrantArea[];
    durationSeconds: number;
    roleSessionName: string;
  };
  policy: PolicyDocument;
}

export interface ServedToken {
  credentials: StsCredentials;
  cached: boolean;
  stale: boolean;
  refreshAfterMs: number;
}

function copyAreas(areas: readonly GrantArea[]): GrantArea[] {
  return areas.map((area) => ({ prefix: area.prefix, operations: [...area.operations] }));
}

/**
 * The `upload` part of a grant's answers, made once per grant: the prepared-grant memo (prepare-grant.ts) hands a
 * cache hit the same Grant object, and this part depends on nothing else. Frozen, lists included, because every
 * answer of the grant shares it; sendJson serializes an answer as soon as it is made.
 */
const uploads = new WeakMap<Grant, CredentialResponse['upload']>();

function uploadOf(grant: Grant): CredentialResponse['upload'] {
  let upload = uploads.get(grant);
  if (upload !== undefined) return upload;
  upload = {
    bucket: grant.bucket,
    region: grant.region,
    endpoint: grant.endpoint,
    prefix: grant.prefix,
    operations: frozenList(grant.operations),
  };
  if (grant.keys) upload.keys = frozenList(grant.keys);
  if (grant.maxSizeBytes !== undefined) upload.maxSizeBytes = grant.maxSizeBytes;
  if (grant.allowedContentTypes) upload.allowedContentTypes = frozenList(grant.allowedContentTypes);
  if (grant.allowedExtensions) upload.allowedExtensions = frozenList(grant.allowedExtensions);
  if (grant.areas) {
    upload.areas = Object.freeze(
      grant.areas.map((area) => Object.freeze({ prefix: area.prefix, operations: frozenList(area.operations) })),
    );
  }
  uploads.set(grant, Object.freeze(upload));
  return upload;
}

export function toCredentialResponse(grant: Grant, served: ServedToken, nowMs: number): CredentialResponse {
  const { credentials } = served;
  return {
    credentials: {
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      securityToken: credentials.securityToken,
      expiration: expirationText(credentials),
    },
    upload: uploadOf(grant),
    serverTime: isoSeconds(nowMs),
    refreshAfter: refreshAfterText(credentials, served.refreshAfterMs),
    cached: served.cached,
    stale: served.stale,
  };
}

export function toDryRunResponse(grant: Grant, policy: PolicyDocument): DryRunResponse {
  const out: DryRunResponse = {
    grant: {
      roleArn: grant.roleArn,
      bucket: grant.bucket,
      region: grant.region,
      prefix: grant.prefix,
      operations: [...grant.operations],
      durationSeconds: grant.durationSeconds,
      roleSessionName: grant.roleSessionName,
    },
    policy,
  };
  if (grant.keys) out.grant.keys = [...grant.keys];
  if (grant.areas) out.grant.areas = copyAreas(grant.areas);
  return out;
}
