/**
 * Response bodies, built field by field from typed values (never by spreading an upstream object), so nothing
 * that was not meant for the caller can ride along.
 */
import type { Grant, GrantArea } from '../rules/index.js';
import type { PolicyDocument } from '../policy/index.js';
import type { StsCredentials } from '../sts/types.js';
import type { Operation } from '../config/schema.js';
import { isoSeconds } from '../shared/clock.js';

export interface CredentialResponse {
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken: string; expiration: string };
  upload: {
    bucket: string;
    region: string;
    endpoint: string;
    prefix: string;
    keys?: string[];
    maxSizeBytes?: number;
    allowedContentTypes?: string[];
    allowedExtensions?: string[];
    operations: Operation[];
    /** Only for a profile with areas: the other prefixes the token reaches and what it may do there. */
    areas?: GrantArea[];
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

export function toCredentialResponse(grant: Grant, served: ServedToken, nowMs: number): CredentialResponse {
  const { credentials } = served;
  const upload: CredentialResponse['upload'] = {
    bucket: grant.bucket,
    region: grant.region,
    endpoint: grant.endpoint,
    prefix: grant.prefix,
    operations: [...grant.operations],
  };
  if (grant.keys) upload.keys = [...grant.keys];
  if (grant.maxSizeBytes !== undefined) upload.maxSizeBytes = grant.maxSizeBytes;
  if (grant.allowedContentTypes) upload.allowedContentTypes = [...grant.allowedContentTypes];
  if (grant.allowedExtensions) upload.allowedExtensions = [...grant.allowedExtensions];
  if (grant.areas) upload.areas = copyAreas(grant.areas);
  return {
    credentials: {
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      securityToken: credentials.securityToken,
      expiration: isoSeconds(credentials.expiresAt),
    },
    upload,
    serverTime: isoSeconds(nowMs),
    refreshAfter: isoSeconds(served.refreshAfterMs),
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
