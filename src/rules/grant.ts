import type { Operation } from '../config/schema.js';

/** A file the caller says it will upload. Untrusted input. */
export interface FileSpec {
  name: string;
  size?: number | undefined;
  contentType?: string | undefined;
}

/** One more prefix a token reaches beside the grant's own, with its own operations (always prefix scope). */
export interface GrantArea {
  /** Rendered, ending in `/`, e.g. `teams/acme/design/`. */
  prefix: string;
  operations: Operation[];
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
  /** This and the three lists below are the profile's own, shared by its grants: read-only (config/frozen-list.ts). */
  operations: readonly Operation[];
  /**
   * The profile's `areas` rendered for this caller (rules/areas.ts); undefined when the profile declares none, so a
   * single-prefix grant, its policy and its cache key are what they were before areas existed.
   */
  areas?: GrantArea[] | undefined;
  durationSeconds: number;
  roleSessionName: string;
  /** AssumeRole `SourceIdentity`: the whole principal, kept through role chains (rules/source-identity.ts). */
  sourceIdentity: string;
  maxSizeBytes?: number | undefined;
  allowedExtensions?: readonly string[] | undefined;
  allowedContentTypes?: readonly string[] | undefined;
  sourceIp?: readonly string[] | undefined;
  secureTransport?: boolean | undefined;
}
