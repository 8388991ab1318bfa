/** GetCallerIdentity through the official SDK (both signature schemes): authenticated like AssumeRole, counted apart. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StsEmulator } from '../../../../dev/emulator/sts/index.js';
import { ROLE_ARN, generateKeys, sdkClient, startTestEmulator, thrown, type TestKeys } from './helpers.js';

describe('GetCallerIdentity', () => {
  let keys: TestKeys;
  let emulator: StsEmulator;

  beforeAll(async () => {
    keys = generateKeys();
    emulator = await startTestEmulator(keys);
  });
  afterAll(() => emulator.close());

  it.each([
    ['ACS3-HMAC-SHA256', {}],
    ["RPC HMAC-SHA1 (signatureAlgorithm 'v2')", { signatureAlgorithm: 'v2' }],
  ])('names the RAM user that signed it (%s)', async (_name, extra) => {
    const before = { ...emulator.stats, byCode: { ...emulator.stats.byCode } };
    const { body } = await sdkClient(emulator, keys, extra).getCallerIdentity();
    const account = /^acs:ram::(\d+):/.exec(ROLE_ARN)![1];
    expect(body).toMatchObject({ identityType: 'RAMUser', accountId: account, arn: `acs:ram::${account}:user/broker` });
    expect(body?.userId).toMatch(/^\d{16}$/);
    expect(body?.principalId).toBe(body?.userId);
    expect(body?.requestId).toMatch(/^[0-9A-F-]{36}$/);
    // Counted as what it is, never as an AssumeRole nor an issued token.
    expect(emulator.stats.callerIdentityCalls).toBe(before.callerIdentityCalls + 1);
    expect(emulator.stats.assumeRoleCalls).toBe(before.assumeRoleCalls);
    expect(emulator.stats.byCode).toEqual(before.byCode);
  });

  it('refuses a request signed with the wrong secret, as AssumeRole does', async () => {
    const err = await thrown(() => sdkClient(emulator, { ...keys, accessKeySecret: 'not-the-secret' }).getCallerIdentity());
    expect(err.code).toBe('SignatureDoesNotMatch');
    const unknown = await thrown(() => sdkClient(emulator, { ...keys, accessKeyId: 'LTAInobody' }).getCallerIdentity());
    expect(unknown.code).toBe('InvalidAccessKeyId.NotFound');
  });

  it('is not consumed by the faults queued for AssumeRole', async () => {
    emulator.faults.push({ kind: 'error', status: 503, code: 'ServiceUnavailable', message: 'queued for AssumeRole' });
    await expect(sdkClient(emulator, keys).getCallerIdentity()).resolves.toBeDefined();
    expect(emulator.faults.size).toBe(1);
    emulator.faults.clear();
  });
});
