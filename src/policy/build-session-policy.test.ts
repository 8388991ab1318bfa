import { describe, expect, it } from 'vitest';
import type { Grant } from '../rules/grant.js';
import { buildSessionPolicy } from './build-session-policy.js';
import { canonicalJson } from './canonical-json.js';
import type { PolicyDocument } from './types.js';

const base: Grant = {
  profile: 'uploads',
  roleArn: 'acs:ram::1234567890123456:role/uploader',
  bucket: 'examplebucket',
  region: 'cn-hangzhou',
  endpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
  prefix: 'exampledir/',
  operations: ['put'],
  durationSeconds: 900,
  roleSessionName: 'alice@acme',
  sourceIdentity: 'alice@acme@web',
};

describe('buildSessionPolicy', () => {
  it('put on a prefix is exactly the documented pattern (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements: examplebucket/exampledir/*)', () => {
    const { document, json } = buildSessionPolicy(base);
    expect(document).toEqual({
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: ['oss:PutObject'], Resource: ['acs:oss:*:*:examplebucket/exampledir/*'] }],
    });
    expect(json).toBe(
      '{"Statement":[{"Action":["oss:PutObject"],"Effect":"Allow","Resource":["acs:oss:*:*:examplebucket/exampledir/*"]}],"Version":"1"}',
    );
  });

  it('every operation, no file types: one object statement and one confined list statement', () => {
    const { document } = buildSessionPolicy({ ...base, operations: ['list', 'delete', 'get', 'multipart', 'put'] });
    expect(document.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: ['oss:AbortMultipartUpload', 'oss:DeleteObject', 'oss:GetObject', 'oss:ListParts', 'oss:PutObject'],
        Resource: ['acs:oss:*:*:examplebucket/exampledir/*'],
      },
      {
        Effect: 'Allow',
        Action: ['oss:ListObjects'],
        Resource: ['acs:oss:*:*:examplebucket'],
        Condition: { StringLike: { 'oss:Prefix': 'exampledir/*' } },
      },
    ]);
  });

  it('file types are enforced in the resources of write actions, lowercase and UPPERCASE', () => {
    const { document } = buildSessionPolicy({
      ...base,
      operations: ['put', 'multipart', 'get'],
      allowedExtensions: ['png', 'jpg'],
    });
    expect(document.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: ['oss:AbortMultipartUpload', 'oss:ListParts', 'oss:PutObject'],
        Resource: [
          'acs:oss:*:*:examplebucket/exampledir/*.JPG',
          'acs:oss:*:*:examplebucket/exampledir/*.PNG',
          'acs:oss:*:*:examplebucket/exampledir/*.jpg',
          'acs:oss:*:*:examplebucket/exampledir/*.png',
        ],
      },
      { Effect: 'Allow', Action: ['oss:GetObject'], Resource: ['acs:oss:*:*:examplebucket/exampledir/*'] },
    ]);
  });

  it('keys scope: one resource per exact key, sorted and de-duplicated, extensions not repeated', () => {
    const { document } = buildSessionPolicy({
      ...base,
      operations: ['put', 'get'],
      keys: ['exampledir/b.png', 'exampledir/a b.PNG', 'exampledir/b.png'],
      allowedExtensions: ['png'],
    });
    expect(document.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: ['oss:GetObject', 'oss:PutObject'],
        Resource: ['acs:oss:*:*:examplebucket/exampledir/a b.PNG', 'acs:oss:*:*:examplebucket/exampledir/b.png'],
      },
    ]);
  });

  it('conditions go on every statement; secureTransport false adds nothing', () => {
    const conditioned = buildSessionPolicy({
      ...base,
      operations: ['get', 'list'],
      sourceIp: ['192.168.0.0/16', '10.0.0.0/8', '10.0.0.0/8'],
      secureTransport: true,
    }).document;
    for (const statement of conditioned.Statement) {
      expect(statement.Condition?.IpAddress).toEqual({ 'acs:SourceIp': ['10.0.0.0/8', '192.168.0.0/16'] });
      expect(statement.Condition?.Bool).toEqual({ 'acs:SecureTransport': 'true' });
    }
    const list = conditioned.Statement.find((s) => s.Action.includes('oss:ListObjects'));
    expect(list?.Condition?.StringLike).toEqual({ 'oss:Prefix': 'exampledir/*' });

    const plain = buildSessionPolicy({ ...base, secureTransport: false, sourceIp: [] }).document;
    expect(plain.Statement[0]?.Condition).toBeUndefined();
  });

  it('equal grants give byte-equal policies, whatever the order of their lists', () => {
    const a = buildSessionPolicy({
      ...base,
      operations: ['put', 'list', 'get'],
      allowedExtensions: ['png', 'jpg'],
      sourceIp: ['1.1.1.1', '2.2.2.2'],
      secureTransport: true,
    });
    const b = buildSessionPolicy({
      secureTransport: true,
      sourceIp: ['2.2.2.2', '1.1.1.1'],
      allowedExtensions: ['jpg', 'png'],
      ...base,
      operations: ['get', 'list', 'put'],
    });
    expect(b.json).toBe(a.json);
    expect(canonicalJson(JSON.parse(a.json) as PolicyDocument)).toBe(a.json);
    expect(JSON.stringify(JSON.parse(a.json))).toBe(a.json); // no whitespace, keys already in canonical order
  });

  it('different grants give different policies', () => {
    const a = buildSessionPolicy(base).json;
    expect(buildSessionPolicy({ ...base, prefix: 'exampledir2/' }).json).not.toBe(a);
    expect(buildSessionPolicy({ ...base, bucket: 'otherbucket' }).json).not.toBe(a);
    expect(buildSessionPolicy({ ...base, operations: ['get'] }).json).not.toBe(a);
  });

  it('refuses grants that cannot make a useful policy', () => {
    expect(() => buildSessionPolicy({ ...base, operations: [] })).toThrow(/no operations/);
    expect(() => buildSessionPolicy({ ...base, keys: [] })).toThrow(/no keys/);
  });

  it.each<[string, Partial<Grant>]>([
    ['a wildcard in the prefix', { prefix: 'uploads/*/' }],
    ['a ? in the prefix', { prefix: 'uploads/a?/' }],
    ['a prefix without a trailing slash', { prefix: 'uploads/alice' }],
    ['a .. segment', { prefix: 'uploads/../' }],
    ['an empty segment', { prefix: 'uploads//' }],
    ['a leading slash', { prefix: '/uploads/' }],
    ['a ${ in the prefix', { prefix: 'uploads/${sub}/' }],
    ['a key outside the prefix', { keys: ['other/a.png'] }],
    ['a key with a wildcard', { keys: ['exampledir/*.png'] }],
    ['a key in a sub-folder', { keys: ['exampledir/x/a.png'] }],
    ['a key equal to the prefix', { keys: ['exampledir/'] }],
    ['a bad bucket', { bucket: 'a*' }],
  ])('the confinement check refuses %s (internal error)', (_label, change) => {
    expect(() => buildSessionPolicy({ ...base, ...change })).toThrow(/confinement check/);
  });
});

describe('buildSessionPolicy with areas', () => {
  const team: Grant = {
    ...base,
    prefix: 'home/acme/alice/',
    operations: ['put', 'get', 'list', 'delete'],
    areas: [
      { prefix: 'teams/acme/ops/', operations: ['put', 'get', 'list'] },
      { prefix: 'teams/acme/design/', operations: ['put', 'get', 'list'] },
      { prefix: 'shared/acme/', operations: ['get', 'list'] },
    ],
  };
  const arn = (key: string) => `acs:oss:*:*:${base.bucket}/${key}`;

  it('writes each resource once, one statement per action set, and one ListObjects with every listable prefix', () => {
    const { document } = buildSessionPolicy(team);
    const byActions = Object.fromEntries(document.Statement.map((s) => [s.Action.join(','), s]));
    expect(byActions['oss:DeleteObject,oss:GetObject,oss:PutObject']?.Resource).toEqual([arn('home/acme/alice/*')]);
    expect(byActions['oss:GetObject,oss:PutObject']?.Resource).toEqual([arn('teams/acme/design/*'), arn('teams/acme/ops/*')]);
    expect(byActions['oss:GetObject']?.Resource).toEqual([arn('shared/acme/*')]);
    expect(byActions['oss:ListObjects']?.Condition).toEqual({
      StringLike: { 'oss:Prefix': ['home/acme/alice/*', 'shared/acme/*', 'teams/acme/design/*', 'teams/acme/ops/*'] },
    });
    expect(document.Statement).toHaveLength(4);
  });

  it('does not depend on the order of the areas', () => {
    const reversed = { ...team, areas: [...(team.areas ?? [])].reverse() };
    expect(buildSessionPolicy(reversed).json).toBe(buildSessionPolicy(team).json);
  });

  it('restricts writes in every area to the allowed file types', () => {
    const { document } = buildSessionPolicy({ ...team, allowedExtensions: ['png'] });
    const writes = document.Statement.filter((s) => s.Action.includes('oss:PutObject')).flatMap((s) => s.Resource);
    expect(writes.sort()).toEqual(
      ['home/acme/alice/', 'teams/acme/design/', 'teams/acme/ops/'].flatMap((p) => [arn(`${p}*.PNG`), arn(`${p}*.png`)]).sort(),
    );
  });

  it('an empty list of areas gives the single-prefix policy, byte for byte', () => {
    const { areas: _, ...single } = team;
    expect(buildSessionPolicy({ ...team, areas: [] }).json).toBe(buildSessionPolicy(single).json);
  });
});
