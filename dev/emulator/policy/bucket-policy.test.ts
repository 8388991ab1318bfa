/**
 * Bucket policies: the grammar with Principal, and which Deny statements cover a caller. Documented example:
 * [TMP-ONLY] https://www.alibabacloud.com/help/en/object-storage-service/latest/examples, "Require temporary
 * credentials": Deny oss:Get* unless acs:AccessId is StringNotLike TMP.* / STS.*.
 */
import { describe, expect, it } from 'vitest';
import { PolicyGrammarError } from './errors.js';
import { bucketPolicyDenies, parseBucketPolicy, type BucketPolicyCaller } from './index.js';

const caller: BucketPolicyCaller = { roleArn: 'acs:ram::1234567890123456:role/uploader', roleSessionName: 'alice@acme' };
const OBJECT = 'acs:oss:*:*:example-bucket/uploads/a.png';
const at = (accessId: string, time = '2030-01-01T00:00:00Z') => ({ 'acs:AccessId': accessId, 'acs:CurrentTime': time });

function denyIds(ids: string[], principal: unknown = ['*'], until = '2030-01-01T01:00:00Z') {
  return parseBucketPolicy({
    Version: '1',
    Statement: [
      {
        Effect: 'Deny',
        Action: ['oss:*'],
        Principal: principal,
        Resource: ['acs:oss:*:*:example-bucket', 'acs:oss:*:*:example-bucket/*'],
        Condition: { StringEquals: { 'acs:AccessId': ids }, DateLessThan: { 'acs:CurrentTime': until } },
      },
    ],
  });
}

describe('bucket policy Deny', () => {
  it('denies exactly the listed AccessKeyIds, on the bucket and its objects, until the end time', () => {
    const policy = denyIds(['STS.leaked1', 'STS.leaked2']);
    expect(bucketPolicyDenies(policy, caller, { action: 'oss:PutObject', resource: OBJECT, context: at('STS.leaked2') })).toBe(true);
    expect(
      bucketPolicyDenies(policy, caller, { action: 'oss:ListObjects', resource: 'acs:oss:*:*:example-bucket', context: at('STS.leaked1') }),
    ).toBe(true);
    expect(bucketPolicyDenies(policy, caller, { action: 'oss:PutObject', resource: OBJECT, context: at('STS.other') })).toBe(false);
    expect(
      bucketPolicyDenies(policy, caller, { action: 'oss:PutObject', resource: OBJECT, context: at('STS.leaked1', '2030-01-01T01:00:00Z') }),
    ).toBe(false);
    expect(
      bucketPolicyDenies(policy, caller, { action: 'oss:PutObject', resource: 'acs:oss:*:*:other-bucket/a', context: at('STS.leaked1') }),
    ).toBe(false);
  });

  it('[TMP-ONLY] the documented example refuses a long-term key and lets STS ids through', () => {
    const policy = parseBucketPolicy({
      Version: '1',
      Statement: [
        {
          Effect: 'Deny',
          Action: ['oss:Get*', 'oss:ListObjects', 'oss:ListObjectVersions'],
          Principal: ['*'],
          Resource: ['acs:oss:*:174649585760xxxx:example-bucket/*'],
          Condition: { StringNotLike: { 'acs:AccessId': ['TMP.*', 'STS.*'] } },
        },
      ],
    });
    const get = (id: string) =>
      bucketPolicyDenies(policy, caller, {
        action: 'oss:GetObject',
        resource: 'acs:oss:*:174649585760xxxx:example-bucket/a',
        context: at(id),
      });
    expect(get('LTAI5tExample')).toBe(true);
    expect(get('STS.abc')).toBe(false);
  });

  it('matches Principal *, the empty list and the caller role session; not other principals', () => {
    const req = { action: 'oss:PutObject', resource: OBJECT, context: at('STS.x') };
    expect(bucketPolicyDenies(denyIds(['STS.x'], '*'), caller, req)).toBe(true);
    expect(bucketPolicyDenies(denyIds(['STS.x'], []), caller, req)).toBe(true);
    expect(bucketPolicyDenies(denyIds(['STS.x'], ['arn:sts::1234567890123456:assumed-role/uploader/alice@acme']), caller, req)).toBe(true);
    expect(bucketPolicyDenies(denyIds(['STS.x'], ['arn:sts::1234567890123456:assumed-role/uploader/bob@acme']), caller, req)).toBe(false);
    expect(bucketPolicyDenies(denyIds(['STS.x'], ['20214760404935']), caller, req)).toBe(false);
  });

  it('Allow statements grant nothing and deny nothing', () => {
    const policy = parseBucketPolicy({
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: ['oss:*'], Principal: ['*'], Resource: ['*'] }],
    });
    expect(bucketPolicyDenies(policy, caller, { action: 'oss:PutObject', resource: OBJECT, context: at('STS.x') })).toBe(false);
  });

  it.each<[string, unknown]>([
    ['no Principal', { Version: '1', Statement: [{ Effect: 'Deny', Action: 'oss:*', Resource: '*' }] }],
    ['a numeric Version', { Version: 1, Statement: [{ Effect: 'Deny', Action: 'oss:*', Principal: ['*'], Resource: '*' }] }],
    ['a non-string principal', { Version: '1', Statement: [{ Effect: 'Deny', Action: 'oss:*', Principal: [1], Resource: '*' }] }],
    ['an unknown element', { Version: '1', Statement: [{ Effect: 'Deny', Action: 'oss:*', Principal: ['*'], Resource: '*', Sids: 'x' }] }],
    ['no statements', { Version: '1', Statement: [] }],
  ])('refuses %s', (_name, document) => {
    expect(() => parseBucketPolicy(document)).toThrow(PolicyGrammarError);
  });
});
