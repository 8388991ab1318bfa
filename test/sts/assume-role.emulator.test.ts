/**
 * The StsClient against the project's STS emulator (dev/emulator/sts): the real SDK, the real wire protocol, the
 * emulator's signature checks and documented validations, signed with the env AccessKey via the default chain.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openToken, startStsEmulator, type StsEmulator } from '../../dev/emulator/sts/index.js';
import { accessKeyCredential, createStsClient, type StsCallOutcome, type StsConfig } from '../../src/sts/index.js';
import { fakeValue, testStsConfig } from './helpers/fake-sts-server.js';

const ROLE_ARN = 'acs:ram::1234567890123456:role/uploader';
const POLICY = {
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: ['oss:PutObject'], Resource: ['acs:oss:*:*:bucket/uploads/acme/alice/*'] }],
};
const input = { roleArn: ROLE_ARN, roleSessionName: 'acme.alice', policy: JSON.stringify(POLICY), durationSeconds: 900 };

const ENV_KEYS = ['ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALIBABA_CLOUD_SECURITY_TOKEN'] as const;
const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
const brokerAk = { accessKeyId: fakeValue('LTAI'), accessKeySecret: fakeValue('broker-secret-') };
const sealKey = randomBytes(32);
let emulator: StsEmulator;

beforeAll(async () => {
  process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = brokerAk.accessKeyId;
  process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = brokerAk.accessKeySecret;
  delete process.env.ALIBABA_CLOUD_SECURITY_TOKEN;
  emulator = await startStsEmulator({ accessKeys: [brokerAk], roles: [{ arn: ROLE_ARN }], sealKey });
});

afterAll(async () => {
  await emulator.close();
  for (const k of ENV_KEYS) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
});

const config = (): StsConfig => testStsConfig(emulator.endpoint);

describe('StsClient against the STS emulator', () => {
  it('issues credentials scoped by the session policy, signed via the default credentials chain', async () => {
    const client = createStsClient({ config: config(), trustedCa: emulator.ca });
    const before = Date.now();
    const creds = await client.assumeRole(input);
    expect(creds.accessKeyId).toMatch(/^STS\./);
    expect(creds.expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 900_000 - 1000);
    expect(creds.expiresAt).toBeLessThanOrEqual(Date.now() + 900_000);
    const sealed = openToken(creds.securityToken, sealKey);
    expect(sealed).toMatchObject({ roleArn: ROLE_ARN, roleSessionName: 'acme.alice', sessionPolicy: POLICY });
  });

  it('sends SourceIdentity through the SDK: the emulator receives it and seals it into the token', async () => {
    const client = createStsClient({ config: config(), trustedCa: emulator.ca });
    const creds = await client.assumeRole({ ...input, sourceIdentity: 'alice@acme@web' });
    expect(openToken(creds.securityToken, sealKey)).toMatchObject({ roleSessionName: 'acme.alice', sourceIdentity: 'alice@acme@web' });
    const without = await client.assumeRole(input);
    expect(openToken(without.securityToken, sealKey)).not.toHaveProperty('sourceIdentity');
  });

  it('a wrong broker secret is SignatureDoesNotMatch -> upstream_rejected, not retried', async () => {
    const calls = emulator.stats.assumeRoleCalls;
    const client = createStsClient({
      config: config(),
      trustedCa: emulator.ca,
      credential: accessKeyCredential(brokerAk.accessKeyId, 'wrong-secret'),
    });
    await expect(client.assumeRole(input)).rejects.toMatchObject({
      code: 'upstream_rejected',
      status: 502,
      detail: 'STS refused: SignatureDoesNotMatch',
    });
    expect(emulator.stats.assumeRoleCalls - calls).toBe(1);
  });

  it('an unknown role is EntityNotExist.Role -> upstream_rejected', async () => {
    const client = createStsClient({ config: config(), trustedCa: emulator.ca });
    await expect(client.assumeRole({ ...input, roleArn: 'acs:ram::1234567890123456:role/nope' })).rejects.toMatchObject({
      code: 'upstream_rejected',
      detail: 'STS refused: EntityNotExist.Role',
    });
  });

  it('a bad policy is InvalidParameter.PolicyGrammar -> upstream_rejected', async () => {
    const client = createStsClient({ config: config(), trustedCa: emulator.ca });
    await expect(client.assumeRole({ ...input, policy: '{"Version":"1","Statement":"nope"}' })).rejects.toMatchObject({
      code: 'upstream_rejected',
      detail: expect.stringMatching(/^STS refused: InvalidParameter\./),
    });
  });

  it('an HTML page is retried until STS answers; throttling is answered, not retried', async () => {
    const outcomes: StsCallOutcome[] = [];
    const client = createStsClient({
      config: config(),
      trustedCa: emulator.ca,
      onCall: (o) => outcomes.push(o),
      sleep: async () => undefined,
    });
    emulator.faults.push({ kind: 'html' });
    const calls = emulator.stats.assumeRoleCalls;
    await expect(client.assumeRole(input)).resolves.toMatchObject({ accessKeyId: expect.stringMatching(/^STS\./) });
    expect(emulator.stats.assumeRoleCalls - calls).toBe(2);
    emulator.faults.push({ kind: 'throttle' });
    await expect(client.assumeRole(input)).rejects.toMatchObject({ code: 'upstream_throttled', retryAfterSeconds: 1 });
    expect(emulator.stats.assumeRoleCalls - calls).toBe(3);
    expect(outcomes.map((o) => o.code)).toEqual(['bad_response', 'ok', expect.stringMatching(/^Throttling/)]);
  });
});
