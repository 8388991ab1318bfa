/**
 * The broker's own session policies, read by the evaluator: what buildSessionPolicy writes for a Grant must parse
 * under RAM's grammar and allow exactly what the grant says - and nothing outside `bucket/<prefix>` (README
 * security property 1). This connects src/policy/build-session-policy.ts to the evaluator the OSS emulator enforces with.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildSessionPolicy } from '../../../src/policy/index.js';
import { evaluatePolicy, evaluateSession, parsePolicy, parsePolicyText, type ContextValue, type ParsedPolicy } from './index.js';
import type { Grant } from '../../../src/rules/grant.js';

const grant: Grant = {
  profile: 'uploads',
  roleArn: 'acs:ram::1234567890123456:role/uploader',
  bucket: 'examplebucket',
  region: 'cn-hangzhou',
  endpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
  prefix: 'uploads/acme/alice/',
  operations: ['put'],
  durationSeconds: 900,
  roleSessionName: 'alice@acme',
  sourceIdentity: 'alice@acme@web',
};

/** How the OSS emulator names resources (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements): object `acs:oss:*:<owner>:bucket/key`, bucket without a key. */
const object = (key: string, bucket = 'examplebucket') => `acs:oss:*:1234567890123456:${bucket}/${key}`;
const bucketArn = (bucket = 'examplebucket') => `acs:oss:*:1234567890123456:${bucket}`;

function compile(g: Grant): ParsedPolicy {
  const { document, json } = buildSessionPolicy(g);
  const fromText = parsePolicyText(json);
  const fromDocument = parsePolicy(document);
  expect(fromText.statements).toHaveLength(fromDocument.statements.length);
  return fromText;
}

function can(policy: ParsedPolicy, action: string, resource: string, context: Record<string, ContextValue> = {}): boolean {
  return evaluatePolicy(policy, { action, resource, context }) === 'allow';
}

describe('session policies built by the broker', () => {
  it('put: writes inside the prefix, nowhere else', () => {
    const p = compile(grant);
    expect(can(p, 'oss:PutObject', object('uploads/acme/alice/me.png'))).toBe(true);
    expect(can(p, 'oss:PutObject', object('uploads/acme/alice/sub/dir/me.png'))).toBe(true);
    for (const key of [
      'uploads/acme/bob/me.png',
      'uploads/acme/alice',
      'uploads/acme/alicex/me.png',
      'me.png',
      'UPLOADS/acme/alice/me.png',
    ]) {
      expect(can(p, 'oss:PutObject', object(key)), key).toBe(false);
    }
    expect(can(p, 'oss:PutObject', object('uploads/acme/alice/me.png', 'otherbucket'))).toBe(false);
    expect(can(p, 'oss:PutObject', object('uploads/acme/alice/me.png', 'examplebucket2'))).toBe(false);
    for (const action of ['oss:GetObject', 'oss:DeleteObject', 'oss:ListObjects', 'oss:PutBucketPolicy']) {
      expect(can(p, action, object('uploads/acme/alice/me.png')), action).toBe(false);
    }
  });

  it('every operation: each granted action inside the prefix, list only for prefixes inside it', () => {
    const p = compile({ ...grant, operations: ['put', 'multipart', 'get', 'list', 'delete'] });
    for (const action of ['oss:PutObject', 'oss:GetObject', 'oss:DeleteObject', 'oss:AbortMultipartUpload', 'oss:ListParts']) {
      expect(can(p, action, object('uploads/acme/alice/a.bin')), action).toBe(true);
      expect(can(p, action, object('uploads/acme/bob/a.bin')), action).toBe(false);
    }
    expect(can(p, 'oss:ListObjects', bucketArn(), { 'oss:Prefix': 'uploads/acme/alice/' })).toBe(true);
    expect(can(p, 'oss:ListObjects', bucketArn(), { 'oss:Prefix': 'uploads/acme/alice/2026/', 'oss:Delimiter': '/' })).toBe(true);
    expect(can(p, 'oss:ListObjects', bucketArn(), { 'oss:Prefix': 'uploads/acme/' })).toBe(false);
    expect(can(p, 'oss:ListObjects', bucketArn(), { 'oss:Prefix': 'uploads/acme/bob/' })).toBe(false);
    expect(can(p, 'oss:ListObjects', bucketArn(), { 'oss:Prefix': '' })).toBe(false);
    expect(can(p, 'oss:ListObjects', bucketArn(), {})).toBe(false); // no prefix = the whole bucket
    expect(can(p, 'oss:ListObjects', bucketArn('otherbucket'), { 'oss:Prefix': 'uploads/acme/alice/' })).toBe(false);
    expect(can(p, 'oss:ListMultipartUploads', bucketArn(), { 'oss:Prefix': 'uploads/acme/alice/' })).toBe(false);
  });

  it('file types: writes only with an allowed extension (either listed case), reads any', () => {
    const p = compile({ ...grant, operations: ['put', 'multipart', 'get'], allowedExtensions: ['png', 'jpg'] });
    for (const key of ['uploads/acme/alice/a.png', 'uploads/acme/alice/b.JPG', 'uploads/acme/alice/x/y.jpg']) {
      expect(can(p, 'oss:PutObject', object(key)), key).toBe(true);
    }
    for (const key of ['uploads/acme/alice/a.exe', 'uploads/acme/alice/a.Png', 'uploads/acme/alice/a.png.exe', 'uploads/acme/bob/a.png']) {
      expect(can(p, 'oss:PutObject', object(key)), key).toBe(false);
    }
    expect(can(p, 'oss:GetObject', object('uploads/acme/alice/a.exe'))).toBe(true);
  });

  it('keys scope: only the declared keys', () => {
    const keys = ['uploads/acme/alice/a.png', 'uploads/acme/alice/b.png'];
    const p = compile({ ...grant, keys, operations: ['put', 'multipart'] });
    for (const key of keys) expect(can(p, 'oss:PutObject', object(key))).toBe(true);
    for (const key of ['uploads/acme/alice/c.png', 'uploads/acme/alice/a.png2', 'uploads/acme/alice/a.pn', 'uploads/acme/alice/x/a.png']) {
      expect(can(p, 'oss:PutObject', object(key)), key).toBe(false);
    }
  });

  it('source IP and secure transport conditions are enforced', () => {
    const p = compile({ ...grant, sourceIp: ['203.0.113.0/24', '2001:db8::/32'], secureTransport: true });
    const key = object('uploads/acme/alice/a.png');
    const ctx = (ip: string, tls: string) => ({ 'acs:SourceIp': ip, 'acs:SecureTransport': tls });
    expect(can(p, 'oss:PutObject', key, ctx('203.0.113.9', 'true'))).toBe(true);
    expect(can(p, 'oss:PutObject', key, ctx('2001:db8::7', 'true'))).toBe(true);
    expect(can(p, 'oss:PutObject', key, ctx('198.51.100.1', 'true'))).toBe(false);
    expect(can(p, 'oss:PutObject', key, ctx('203.0.113.9', 'false'))).toBe(false);
    expect(can(p, 'oss:PutObject', key, { 'acs:SecureTransport': 'true' })).toBe(false);
  });

  it('intersected with a role that may write the whole bucket, the token still reaches only its prefix', () => {
    const role = parsePolicy({
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: 'oss:*', Resource: ['acs:oss:*:*:examplebucket', 'acs:oss:*:*:examplebucket/*'] }],
    });
    const session = compile({ ...grant, operations: ['put', 'get', 'list'] });
    const ask = (action: string, resource: string, context: Record<string, ContextValue> = {}) =>
      evaluateSession({ sessionPolicy: session, rolePolicy: role }, { action, resource, context });
    expect(ask('oss:PutObject', object('uploads/acme/alice/a.png'))).toBe('allow');
    expect(ask('oss:PutObject', object('uploads/acme/bob/a.png'))).toBe('implicit_deny');
    expect(ask('oss:DeleteObject', object('uploads/acme/alice/a.png'))).toBe('implicit_deny');
    expect(ask('oss:ListObjects', bucketArn(), { 'oss:Prefix': '' })).toBe('implicit_deny');
    expect(ask('oss:ListObjects', bucketArn(), { 'oss:Prefix': 'uploads/acme/alice/' })).toBe('allow');
  });

  it('for any object key, a put is allowed only inside the prefix (property)', () => {
    const p = compile({ ...grant, operations: ['put', 'get', 'delete', 'multipart'] });
    const segment = fc.constantFrom('uploads', 'acme', 'alice', 'alicex', 'bob', '', '..', '*', '?', 'a.png', 'ALICE');
    const key = fc.oneof(
      fc.string(),
      fc.array(segment, { maxLength: 6 }).map((parts) => parts.join('/')),
      fc.string().map((rest) => `uploads/acme/alice/${rest}`),
    );
    const action = fc.constantFrom('oss:PutObject', 'oss:GetObject', 'oss:DeleteObject', 'oss:ListParts', 'oss:AbortMultipartUpload');
    const bucket = fc.constantFrom('examplebucket', 'examplebucket2', 'other', 'Examplebucket');
    fc.assert(
      fc.property(action, bucket, key, (a, b, k) => {
        const allowed = can(p, a, object(k, b));
        expect(allowed).toBe(b === 'examplebucket' && k.startsWith('uploads/acme/alice/'));
      }),
      { numRuns: 1000 },
    );
  });
});
