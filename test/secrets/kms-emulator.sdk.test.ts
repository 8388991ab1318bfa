/**
 * The KMS emulator speaks GetSecretValue as the official SDK sends it: RPC over HTTPS, HMAC-SHA1 signed, stages
 * ACSCurrent / ACSPrevious, rotation, the documented not-found error, and refusals of bad signatures.
 */
import { GetSecretValueRequest } from '@alicloud/kms20160120';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KmsEmulator } from '../../dev/emulator/kms/index.js';
import { thrown } from '../../dev/testing/errors.js';
import { createKmsReader } from '../../src/secrets/index.js';
import { TEST_RUNTIME, emulatorReader, sdkClient, startTestKms, testAccessKey } from './helpers.js';

const key = testAccessKey();
let kms: KmsEmulator;

beforeAll(async () => {
  kms = await startTestKms(key, { 'broker/cache-key': 'first-value' });
});
afterAll(() => kms.close());

interface SdkError {
  code?: string;
  data?: { Code?: string; HostId?: string; RequestId?: string };
}

describe('KMS emulator through @alicloud/kms20160120', () => {
  it('answers GetSecretValue with the ACSCurrent version by default', async () => {
    const client = sdkClient(kms, key);
    const answer = await client.getSecretValueEx(new GetSecretValueRequest({ secretName: 'broker/cache-key' }), TEST_RUNTIME);
    expect(answer).toMatchObject({
      secretName: 'broker/cache-key',
      secretData: 'first-value',
      secretDataType: 'text',
      versionId: 'v1',
      versionStages: { versionStage: ['ACSCurrent'] },
    });
    expect(answer.createTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(answer.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a rotation makes the new version ACSCurrent and the old one ACSPrevious; the reader reads both', async () => {
    kms.putSecretValue('rotating', 'one');
    const reader = emulatorReader(kms, key);
    expect(await reader.read('rotating', 'ACSPrevious')).toBeUndefined();
    kms.putSecretValue('rotating', 'two');
    expect(await reader.read('rotating', 'ACSCurrent')).toEqual({ value: 'two', versionId: 'v2' });
    expect(await reader.read('rotating', 'ACSPrevious')).toEqual({ value: 'one', versionId: 'v1' });
    kms.putSecretValue('rotating', 'three');
    expect(await reader.read('rotating', 'ACSPrevious')).toEqual({ value: 'two', versionId: 'v2' });
    const client = sdkClient(kms, key);
    const byId = await client.getSecretValueEx(new GetSecretValueRequest({ secretName: 'rotating', versionId: 'v1' }), TEST_RUNTIME);
    expect([byId.secretData, byId.versionStages?.versionStage]).toEqual(['one', []]);
  });

  it('answers 404 Forbidden.ResourceNotFound for an unknown secret, which the reader reports as an error', async () => {
    const error = (await thrown(() =>
      sdkClient(kms, key).getSecretValueEx(new GetSecretValueRequest({ secretName: 'no-such' }), TEST_RUNTIME),
    )) as SdkError;
    expect(error.code).toBe('Forbidden.ResourceNotFoundError');
    expect(error.data).toMatchObject({ Code: 'Forbidden.ResourceNotFound', HostId: kms.endpoint });
    await expect(emulatorReader(kms, key).read('no-such', 'ACSCurrent')).rejects.toMatchObject({
      data: { Code: 'Forbidden.ResourceNotFound' },
    });
  });

  it('refuses an unknown AccessKey and a wrong AccessKey secret, as the gateway does', async () => {
    const stranger = testAccessKey();
    const unknown = (await thrown(() =>
      sdkClient(kms, stranger).getSecretValueEx(new GetSecretValueRequest({ secretName: 'broker/cache-key' }), TEST_RUNTIME),
    )) as SdkError;
    expect(unknown.data?.Code).toBe('InvalidAccessKeyId.NotFound');
    const wrongSecret = { accessKeyId: key.accessKeyId, accessKeySecret: stranger.accessKeySecret };
    const mismatch = (await thrown(() =>
      sdkClient(kms, wrongSecret).getSecretValueEx(new GetSecretValueRequest({ secretName: 'broker/cache-key' }), TEST_RUNTIME),
    )) as SdkError;
    expect(mismatch.data?.Code).toBe('SignatureDoesNotMatch');
  });

  it('answers injected failures with the given code, then serves again', async () => {
    kms.failNext(1, { status: 503, code: 'ServiceUnavailable' });
    const reader = emulatorReader(kms, key);
    await expect(reader.read('broker/cache-key', 'ACSCurrent')).rejects.toMatchObject({ data: { Code: 'ServiceUnavailable' } });
    expect(await reader.read('broker/cache-key', 'ACSCurrent')).toEqual({ value: 'first-value', versionId: 'v1' });
  });

  it("the broker's reader verifies the certificate: without the emulator's CA it refuses to read", async () => {
    const error = (await thrown(() => createKmsReader(sdkClient(kms, key)).read('broker/cache-key', 'ACSCurrent'))) as Error & {
      code?: string;
    };
    expect(error.code).toMatch(/^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/);
  });
});
