/**
 * The team profile the tests share: the caller's own folder read-write, one folder per group read-write
 * (`${claims.groups}`) and a tenant-wide shared folder read-only. As parsed (defaults filled in), and a principal
 * builder with groups.
 */
import type { Principal } from '../../src/auth/principal.js';
import type { ProfileConfig } from '../../src/config/schema.js';

/** The team rules as a configuration file writes them, without bucket, role or defaults; a fresh copy per call. */
export function teamRules() {
  return {
    prefix: 'home/${tenant}/${sub}/',
    operations: ['put', 'multipart', 'get', 'list', 'delete'],
    areas: [
      { prefix: 'teams/${tenant}/${claims.groups}/', operations: ['put', 'multipart', 'get', 'list'] },
      { prefix: 'shared/${tenant}/', operations: ['get', 'list'] },
    ],
    listClaims: { groups: { maxValues: 5, maxChars: 32 } },
    maxClaimChars: 32,
    clients: ['web'],
  } satisfies Partial<ProfileConfig>;
}

export const teamProfile: ProfileConfig = {
  bucket: 'example-bucket',
  region: 'cn-hangzhou',
  roleArn: 'acs:ram::1234567890123456:role/uploader',
  ...teamRules(),
  maxFiles: 10,
  keyNaming: 'original',
  scope: 'prefix',
  durationSeconds: 900,
  conditions: {},
};

/** A user of client `web` in `tenant` with these groups (absent: the token had no groups claim). */
export function member(sub: string, groups?: readonly string[], tenant = 'acme'): Principal {
  return {
    kind: 'user',
    clientId: 'web',
    subject: sub,
    tenant,
    claims: { sub, tenant },
    ...(groups === undefined ? {} : { listClaims: { groups } }),
  };
}
