import type { Operation } from '../config/schema.js';

/** A file the caller says it will upload. Untrusted input. */
export interface FileSpec {
  name: string;
  size?: number | undefined;
  contentType?: string | undefined;
}

/**
 * Exactly what one token may do, decided from a profile, a principal and a request. Pure data: the policy builder
 * turns it into a session policy, the cache key is derived from that policy, the response is derived from this.
 */
export interface Grant {
  profile: string;
  roleArn: string;
  externalId?: string | undefined;
  bucket: string;
  region: string;
  endpoint: string;
  /** The rendered prefix, always ending in `/`, e.g. `uploads/acme/alice/`. */
  prefix: string;
  /** Exact object keys when the profile's scope is `keys`; otherwise undefined. */
  keys?: string[] | undefined;
  operations: Operation[];
  durationSeconds: number;
  roleSessionName: string;
  /** AssumeRole `SourceIdentity`: the whole principal, kept through role chains (rules/source-identity.ts). */
  sourceIdentity: string;
  maxSizeBytes?: number | undefined;
  allowedExtensions?: string[] | undefined;
  allowedContentTypes?: string[] | undefined;
  sourceIp?: string[] | undefined;
  secureTransport?: boolean | undefined;
}
