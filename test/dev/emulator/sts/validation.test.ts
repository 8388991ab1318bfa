/** Every documented AssumeRole validation error (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole/A3), as the official SDK surfaces it. */
import { ClientError } from '@alicloud/openapi-core';
import { AssumeRoleWithOIDCRequest } from '@alicloud/sts20150401';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StsEmulator } from '../../../../dev/emulator/sts/index.js';
import {
  LONG_ROLE_ARN,
  ROLE_ARN,
  UNTRUSTING_ROLE_ARN,
  assumeRoleRequest,
  buildRpcRequest,
  generateKeys,
  sdkClient,
  sendRaw,
  startTestEmulator,
  thrown,
  type StsClient,
  type TestKeys,
  sendHttp,
} from './helpers.js';

function policyOfLength(length: number): string {
  const base = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:PutObject', Resource: 'acs:oss:*:*:b/' }] });
  const pad = 'x'.repeat(length - base.length);
  const text = base.replace('acs:oss:*:*:b/', `acs:oss:*:*:b/${pad}`);
  expect(text).toHaveLength(length);
  return text;
}

describe('AssumeRole validation', () => {
  let keys: TestKeys;
  let emulator: StsEmulator;
  let client: StsClient;

  beforeAll(async () => {
    keys = generateKeys();
    emulator = await startTestEmulator(keys);
    client = sdkClient(emulator, keys);
  });
  afterAll(() => emulator.close());

  const cases: Array<[string, Record<string, unknown>, number, string]> = [
    ['missing RoleArn', { roleArn: undefined }, 400, 'MissingRoleArn'],
    ['malformed RoleArn', { roleArn: 'arn:bad' }, 400, 'InvalidParameter.RoleArn'],
    ['RoleArn of another service', { roleArn: 'acs:oss::1234567890123456:role/uploader' }, 400, 'InvalidParameter.RoleArn'],
    ['unknown role', { roleArn: 'acs:ram::1234567890123456:role/nobody' }, 404, 'EntityNotExist.Role'],
    ['role in another account', { roleArn: 'acs:ram::9999999999999999:role/uploader' }, 404, 'EntityNotExist.Role'],
    ['caller not trusted by the role', { roleArn: UNTRUSTING_ROLE_ARN }, 403, 'NoPermission'],
    ['missing RoleSessionName', { roleSessionName: undefined }, 400, 'MissingRoleSessionName'],
    ['RoleSessionName too short', { roleSessionName: 'a' }, 400, 'InvalidParameter.RoleSessionName'],
    ['RoleSessionName too long', { roleSessionName: 'a'.repeat(65) }, 400, 'InvalidParameter.RoleSessionName'],
    ['RoleSessionName with a space', { roleSessionName: 'al ice' }, 400, 'InvalidParameter.RoleSessionName'],
    ['RoleSessionName with a slash', { roleSessionName: 'al/ice' }, 400, 'InvalidParameter.RoleSessionName'],
    ['DurationSeconds below 900', { durationSeconds: 899 }, 400, 'InvalidParameter.DurationSeconds'],
    ['DurationSeconds above the role max', { durationSeconds: 3601 }, 400, 'InvalidParameter.DurationSeconds'],
    ['DurationSeconds above 43200', { roleArn: LONG_ROLE_ARN, durationSeconds: 43201 }, 400, 'InvalidParameter.DurationSeconds'],
    ['Policy over 2048 characters', { policy: policyOfLength(2049) }, 400, 'InvalidParameter.PolicySize'],
    ['Policy that is not JSON', { policy: '{"Version":"1"' }, 400, 'InvalidParameter.PolicyGrammar'],
    [
      'Policy with Version 2',
      { policy: '{"Version":"2","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*"}]}' },
      400,
      'InvalidParameter.PolicyGrammar',
    ],
    [
      'Policy with an unknown operator',
      { policy: '{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*","Condition":{"Foo":{"k":"v"}}}]}' },
      400,
      'InvalidParameter.PolicyGrammar',
    ],
    ['empty Policy', { policy: '' }, 400, 'InvalidParameter.PolicyGrammar'],
    ['ExternalId too short', { externalId: 'a' }, 400, 'InvalidParameter.ExternalId'],
    ['ExternalId too long', { externalId: 'a'.repeat(1225) }, 400, 'InvalidParameter.ExternalId'],
    ['ExternalId with a bad character', { externalId: 'abc!' }, 400, 'InvalidParameter.ExternalId'],
    ['SourceIdentity with a bad character', { sourceIdentity: 'a b' }, 400, 'InvalidParameter.SourceIdentity'],
    ['SourceIdentity with a character outside the conservative set', { sourceIdentity: 'a=b' }, 400, 'InvalidParameter.SourceIdentity'],
    ['SourceIdentity too short', { sourceIdentity: 'a' }, 400, 'InvalidParameter.SourceIdentity'],
    ['SourceIdentity too long', { sourceIdentity: 'a'.repeat(65) }, 400, 'InvalidParameter.SourceIdentity'],
  ];

  it.each(cases)('%s → %i %s', async (_name, fields, status, code) => {
    const err = await thrown(() => client.assumeRole(assumeRoleRequest(fields)));
    expect(err).toBeInstanceOf(ClientError);
    expect(err.code).toBe(code);
    expect(err.statusCode).toBe(status);
    const data = err.data as Record<string, unknown>;
    expect(Object.keys(data).sort()).toEqual(['Code', 'HostId', 'Message', 'RequestId']);
    expect(data.HostId).toBe('sts.aliyuncs.com');
    expect(data.Code).toBe(code);
    expect(data.RequestId).toBe(err.requestId);
  });

  it('uses the documented messages', async () => {
    const messageOf = async (fields: Record<string, unknown>) =>
      ((await thrown(() => client.assumeRole(assumeRoleRequest(fields)))).data as Record<string, string>).Message;
    expect(await messageOf({ roleArn: 'x' })).toBe('The parameter RoleArn is wrongly formed.');
    expect(await messageOf({ roleSessionName: 'a' })).toBe('The parameter RoleSessionName is wrongly formed.');
    expect(await messageOf({ durationSeconds: 100 })).toBe('The Min/Max value of DurationSeconds is 15min/1hr.');
    expect(await messageOf({ roleArn: 'acs:ram::1234567890123456:role/nobody' })).toBe('The specified Role not exists.');
    expect(await messageOf({ roleArn: UNTRUSTING_ROLE_ARN })).toBe(
      'You are not authorized to do this action. You should be authorized by RAM.',
    );
    expect(await messageOf({ policy: '{' })).toMatch(/^The parameter Policy has not passed grammar check\./);
    expect(await messageOf({ policy: policyOfLength(3000) })).toBe('The size of Policy must be smaller than 2048 bytes.');
  });

  it('accepts the boundary values', async () => {
    const ok = [
      { roleSessionName: 'ab' },
      { roleSessionName: 'A'.repeat(64) },
      { roleSessionName: 'a.b@c_d-e' },
      { durationSeconds: 900 },
      { durationSeconds: 3600 },
      { policy: policyOfLength(2048) },
      { externalId: 'ab' },
      { externalId: 'x'.repeat(1224) },
      { externalId: 'A_z0+=,.@:/-' },
    ];
    for (const fields of ok) {
      const response = await client.assumeRole(assumeRoleRequest(fields));
      expect(response.statusCode).toBe(200);
    }
  });

  it('rejects a non-integer DurationSeconds', async () => {
    for (const value of ['1000.5', '1e3', '-900', 'abc']) {
      const res = await sendRaw(buildRpcRequest(emulator, { RoleArn: ROLE_ARN, RoleSessionName: 'al', DurationSeconds: value }, keys));
      expect(res.status).toBe(400);
      expect(res.json.Code).toBe('InvalidParameter.DurationSeconds');
    }
  });

  it('routes only AssumeRole and GetCallerIdentity on / with GET or POST', async () => {
    const other = await sendRaw(buildRpcRequest(emulator, { Action: 'AssumeRoleWithSAML' }, keys));
    expect([other.status, other.json.Code]).toEqual([404, 'InvalidApi.NotFound']);

    const oidc = new AssumeRoleWithOIDCRequest({
      roleArn: ROLE_ARN,
      roleSessionName: 'x1',
      oidcProviderArn: 'acs:ram::1:oidc-provider/p',
      oidcToken: 'a.b.c',
    });
    const sdkOther = await thrown(() => client.assumeRoleWithOIDC(oidc));
    expect([sdkOther.statusCode, sdkOther.code]).toEqual([404, 'InvalidApi.NotFound']);

    const noAction = await sendRaw(buildRpcRequest(emulator, { RoleArn: ROLE_ARN }, keys, { common: { Action: undefined } }));
    expect([noAction.status, noAction.json.Code]).toEqual([400, 'MissingParameter']);

    const badVersion = await sendRaw(buildRpcRequest(emulator, { RoleArn: ROLE_ARN }, keys, { common: { Version: '2014-01-01' } }));
    expect([badVersion.status, badVersion.json.Code]).toEqual([400, 'InvalidVersion']);

    const noVersion = await sendRaw(buildRpcRequest(emulator, { RoleArn: ROLE_ARN }, keys, { common: { Version: undefined } }));
    expect([noVersion.status, noVersion.json.Code]).toEqual([400, 'MissingVersion']);

    const wrongPath = await sendHttp(emulator, { method: 'POST', path: '/other?Action=AssumeRole', headers: {}, body: '' });
    expect(wrongPath.status).toBe(404);
    expect(wrongPath.json.Code).toBe('InvalidApi.NotFound');

    const put = await sendHttp(emulator, { method: 'PUT', path: '/?Action=AssumeRole', headers: {}, body: '' });
    expect(put.status).toBe(404);
    expect(put.headers.get('content-type')).toBe('application/json;charset=utf-8');
  });

  it('refuses a body over 1 MiB with 413 and closes the connection', async () => {
    const res = await sendHttp(emulator, {
      method: 'POST',
      path: '/?Action=AssumeRole',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Policy=' + 'x'.repeat(1024 * 1024 + 1),
    }).catch((err: unknown) => err as NodeJS.ErrnoException);
    // Either the status arrives, or the socket is closed before the client finished sending (not a TLS failure).
    if (res instanceof Error) {
      expect(res.code).toMatch(/^(ECONNRESET|EPIPE)$/);
    } else {
      expect(res.status).toBe(413);
      expect(res.json.Code).toBe('RequestEntityTooLarge');
    }
  });

  it('honours a custom policyMaxChars', async () => {
    const small = await startTestEmulator(keys, { policyMaxChars: 1024 });
    try {
      const err = await thrown(() => sdkClient(small, keys).assumeRole(assumeRoleRequest({ policy: policyOfLength(1025) })));
      expect(err.code).toBe('InvalidParameter.PolicySize');
      expect((err.data as Record<string, string>).Message).toBe('The size of Policy must be smaller than 1024 bytes.');
    } finally {
      await small.close();
    }
  });
});

describe('emulator configuration', () => {
  const keys = generateKeys();
  it.each([
    ['a short seal key', { sealKey: Buffer.alloc(16) }, /sealKey/],
    ['a malformed role ARN', { roles: [{ arn: 'role/x' }] }, /role ARN/],
    ['a role max session below 3600', { roles: [{ arn: ROLE_ARN, maxSessionDurationSeconds: 1800 }] }, /3600\.\.43200/],
    ['a role max session above 43200', { roles: [{ arn: ROLE_ARN, maxSessionDurationSeconds: 50000 }] }, /3600\.\.43200/],
    ['an invalid role policy', { roles: [{ arn: ROLE_ARN, policy: { Version: '2' } }] }, /policy/],
    ['a duplicate role', { roles: [{ arn: ROLE_ARN }, { arn: ROLE_ARN }] }, /duplicate/],
  ])('refuses %s', async (_name, extra, message) => {
    await expect(startTestEmulator(keys, extra)).rejects.toThrow(message);
  });
});
