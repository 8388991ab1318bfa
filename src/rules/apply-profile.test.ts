import { describe, expect, it } from 'vitest';
import { codeOf } from '../../dev/testing/errors.js';
import type { Principal } from '../auth/principal.js';
import type { ProfileConfig } from '../config/schema.js';
import type { ErrorCode } from '../errors.js';
import { applyProfile, type ApplyProfileInput } from './apply-profile.js';
import type { FileSpec } from './grant.js';

const uploads: ProfileConfig = {
  bucket: 'example-bucket',
  region: 'cn-hangzhou',
  roleArn: 'acs:ram::1234567890123456:role/uploader',
  prefix: 'uploads/${tenant}/${sub}/',
  operations: ['put', 'multipart'],
  fileTypes: { extensions: ['png', 'jpg'], contentTypes: ['image/png', 'image/jpeg'] },
  maxSizeBytes: 1000,
  maxFiles: 2,
  maxClaimChars: 128,
  keyNaming: 'original',
  scope: 'prefix',
  durationSeconds: 900,
  conditions: { sourceIp: ['10.0.0.0/8'], secureTransport: true },
  clients: ['web'],
};

const alice: Principal = {
  kind: 'user',
  clientId: 'web',
  subject: 'alice',
  tenant: 'acme',
  claims: { sub: 'alice', tenant: 'acme' },
};

function apply(overrides: Partial<ApplyProfileInput> = {}) {
  return applyProfile({ profileName: 'uploads', profile: uploads, principal: alice, ...overrides });
}

describe('applyProfile', () => {
  it('builds a prefix-scope grant with everything copied from the profile', () => {
    expect(apply({ files: [{ name: 'me.png', size: 10, contentType: 'image/png' }] })).toEqual({
      profile: 'uploads',
      roleArn: uploads.roleArn,
      externalId: undefined,
      bucket: 'example-bucket',
      region: 'cn-hangzhou',
      endpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
      prefix: 'uploads/acme/alice/',
      keys: undefined,
      operations: ['put', 'multipart'],
      durationSeconds: 900,
      roleSessionName: 'alice@acme',
      sourceIdentity: 'alice@acme@web',
      maxSizeBytes: 1000,
      allowedExtensions: ['png', 'jpg'],
      allowedContentTypes: ['image/png', 'image/jpeg'],
      sourceIp: ['10.0.0.0/8'],
      secureTransport: true,
    });
  });

  it('uses the configured endpoint and external id', () => {
    const grant = apply({ profile: { ...uploads, endpoint: 'http://127.0.0.1:9200', externalId: 'ext-1' } });
    expect(grant.endpoint).toBe('http://127.0.0.1:9200');
    expect(grant.externalId).toBe('ext-1');
  });

  it('keys scope with original names', () => {
    const grant = apply({ profile: { ...uploads, scope: 'keys' }, files: [{ name: 'b.png' }, { name: 'a.JPG' }] });
    expect(grant.keys).toEqual(['uploads/acme/alice/b.png', 'uploads/acme/alice/a.JPG']);
  });

  it('keys scope with random names', () => {
    let n = 0;
    const grant = apply({
      profile: { ...uploads, scope: 'keys', keyNaming: 'random' },
      files: [{ name: 'b.PNG' }],
      random: () => `rnd${++n}abcdefgh`,
    });
    expect(grant.keys).toEqual(['uploads/acme/alice/rnd1abcdefgh.png']);
  });

  it('shares the profile lists read-only: no grant can change the configuration or another grant', () => {
    const [first, second] = [apply(), apply()];
    expect(() => (first.operations as string[]).push('delete')).toThrow(TypeError);
    expect(uploads.operations).toEqual(['put', 'multipart']);
    expect(second.operations).toEqual(['put', 'multipart']);
    const frozen = { ...uploads, operations: Object.freeze([...uploads.operations]) } as typeof uploads;
    expect(apply({ profile: frozen }).operations).toBe(frozen.operations); // the loaded configuration's own list
  });

  it('uses extra template claims', () => {
    const profile = { ...uploads, prefix: 'org/${org}/${sub}/' };
    const principal = { ...alice, claims: { ...alice.claims, org: 'o-1' } };
    expect(apply({ profile, principal }).prefix).toBe('org/o-1/alice/');
  });

  const tooMany: FileSpec[] = [{ name: 'a.png' }, { name: 'b.png' }, { name: 'c.png' }];
  const stranger: Principal = { ...alice, clientId: 'other' };
  const badClaim: Principal = { ...alice, claims: { sub: '*', tenant: 'acme' } };

  it.each<[string, Partial<ApplyProfileInput>, ErrorCode]>([
    ['client not allowed', { principal: stranger }, 'forbidden'],
    ['forbidden wins over everything', { principal: { ...badClaim, clientId: 'other' }, files: tooMany }, 'forbidden'],
    ['keys scope without files', { profile: { ...uploads, scope: 'keys' } }, 'files_required'],
    ['too many files', { files: tooMany }, 'too_many_files'],
    ['files structure before claims', { principal: badClaim, files: tooMany }, 'too_many_files'],
    ['duplicate names', { files: [{ name: 'a.png' }, { name: 'a.png' }] }, 'invalid_request'],
    ['unsafe claim', { principal: badClaim }, 'invalid_name'],
    ['missing claim', { principal: { ...alice, claims: { sub: 'alice' } } }, 'invalid_name'],
    ['claims before file names', { principal: badClaim, files: [{ name: 'a/b' }] }, 'invalid_name'],
    ['unsafe file name', { files: [{ name: '../x.png' }] }, 'invalid_name'],
    ['names before types', { files: [{ name: 'a.exe' }, { name: 'b*.png' }] }, 'invalid_name'],
    ['type not allowed', { files: [{ name: 'a.exe' }] }, 'file_type_not_allowed'],
    ['types before sizes', { files: [{ name: 'a.png', size: 5000 }, { name: 'a.exe' }] }, 'file_type_not_allowed'],
    ['too large', { files: [{ name: 'a.png', size: 5000 }] }, 'file_too_large'],
    [
      'key too long (prefix scope still checks declared files)',
      {
        principal: { ...alice, claims: { sub: 'x'.repeat(128), tenant: 'acme' } },
        profile: { ...uploads, prefix: `${'p'.repeat(500)}/${'q'.repeat(200)}/\${tenant}/\${sub}/`, fileTypes: undefined },
        files: [{ name: `${'n'.repeat(200)}` }],
      },
      'key_too_long',
    ],
  ])('%s → %s', (_label, overrides, expected) => {
    expect(codeOf(() => apply(overrides))).toBe(expected);
  });

  it("refuses a claim longer than the profile's maxClaimChars with a 400 naming the claim", () => {
    const profile = { ...uploads, maxClaimChars: 40 };
    const principal = { ...alice, claims: { sub: 'x'.repeat(41), tenant: 'acme' } };
    expect(() => apply({ profile, principal })).toThrow(/claim "sub" must be at most 40 characters/);
    expect(codeOf(() => apply({ profile, principal }))).toBe('invalid_name');
    expect(apply({ profile, principal: { ...alice, claims: { sub: 'x'.repeat(40), tenant: 'acme' } } }).prefix).toBe(
      `uploads/acme/${'x'.repeat(40)}/`,
    );
  });
});
