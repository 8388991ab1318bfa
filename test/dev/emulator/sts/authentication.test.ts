/** Signature verification, clock skew and nonce replay for both schemes (https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature, https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism). */
import { ClientError } from '@alicloud/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_MISMATCH_PREFIX, type StsEmulator } from '../../../../dev/emulator/sts/index.js';
import { NonceCache } from '../../../../dev/emulator/sts/nonce-cache.js';
import {
  ROLE_ARN,
  assumeRoleRequest,
  buildAcs3Request,
  buildRpcRequest,
  generateKeys,
  sdkClient,
  sendHttp,
  sendRaw,
  startTestEmulator,
  stsTimestamp,
  thrown,
  type TestKeys,
} from './helpers.js';

const SCHEMES = [
  ['ACS3', {}],
  ['RPC v1', { signatureAlgorithm: 'v2' }],
] as const;

describe('authentication', () => {
  let keys: TestKeys;
  let emulator: StsEmulator;
  /** Offset added to real time by the emulator's injected clock. */
  let offsetMs = 0;

  beforeAll(async () => {
    keys = generateKeys();
    emulator = await startTestEmulator(keys, { clock: { now: () => Date.now() + offsetMs } });
  });
  afterAll(() => emulator.close());

  describe.each(SCHEMES)('%s through the SDK', (_name, extra) => {
    it('rejects a wrong secret with SignatureDoesNotMatch and the documented prefix', async () => {
      const client = sdkClient(emulator, { accessKeyId: keys.accessKeyId, accessKeySecret: `${keys.accessKeySecret}x` }, extra);
      const err = await thrown(() => client.assumeRole(assumeRoleRequest({})));
      expect(err).toBeInstanceOf(ClientError);
      expect(err.code).toBe('SignatureDoesNotMatch');
      const message = (err.data as Record<string, string>).Message!;
      expect(message.startsWith(SIGNATURE_MISMATCH_PREFIX)).toBe(true);
      expect(message).not.toContain(keys.accessKeySecret);
    });

    it('rejects an unknown AccessKeyId', async () => {
      const client = sdkClient(emulator, { accessKeyId: 'LTAInobody', accessKeySecret: keys.accessKeySecret }, extra);
      const err = await thrown(() => client.assumeRole(assumeRoleRequest({})));
      expect([err.statusCode, err.code]).toEqual([404, 'InvalidAccessKeyId.NotFound']);
    });

    it.each([
      ['16 minutes ahead', 16 * 60_000],
      ['16 minutes behind', -16 * 60_000],
    ])('rejects a request when the server clock is %s', async (_label, offset) => {
      offsetMs = offset;
      try {
        const err = await thrown(() => sdkClient(emulator, keys, extra).assumeRole(assumeRoleRequest({})));
        expect(err.code).toBe('InvalidTimeStamp.Expired');
      } finally {
        offsetMs = 0;
      }
    });

    it('accepts a skew inside the window', async () => {
      offsetMs = 14 * 60_000;
      try {
        const response = await sdkClient(emulator, keys, extra).assumeRole(assumeRoleRequest({}));
        expect(response.statusCode).toBe(200);
      } finally {
        offsetMs = 0;
      }
    });

    it("verifies values with characters Node's querystring leaves raw (https://github.com/aliyun/alibabacloud-typescript-sdk/tree/master/sts-20150401)", async () => {
      const policy = JSON.stringify({
        Version: '1',
        Statement: [{ Effect: 'Allow', Action: 'oss:*', Resource: "acs:oss:*:*:b/it's (a)*!~ é+&=/?" }],
      });
      const response = await sdkClient(emulator, keys, extra).assumeRole(assumeRoleRequest({ policy }));
      expect(response.statusCode).toBe(200);
    });
  });

  it('rejects an unsupported ACS3 algorithm from the SDK', async () => {
    const err = await thrown(() => sdkClient(emulator, keys, { signatureAlgorithm: 'ACS3-HMAC-SM3' }).assumeRole(assumeRoleRequest({})));
    expect(err.code).toBe('IncompleteSignature');
  });

  describe('RPC v1 by hand', () => {
    const params = { RoleArn: ROLE_ARN, RoleSessionName: 'alice' };

    it('rejects a replayed SignatureNonce', async () => {
      const req = buildRpcRequest(emulator, params, keys);
      expect((await sendRaw(req)).status).toBe(200);
      const replay = await sendRaw(req);
      expect([replay.status, replay.json.Code]).toEqual([400, 'SignatureNonceUsed']);
    });

    it('refuses the replay by timestamp once the nonce window has passed', async () => {
      const req = buildRpcRequest(emulator, params, keys);
      expect((await sendRaw(req)).status).toBe(200);
      offsetMs = 16 * 60_000;
      try {
        expect((await sendRaw(req)).json.Code).toBe('InvalidTimeStamp.Expired');
      } finally {
        offsetMs = 0;
      }
    });

    it('does not burn a nonce for a request whose signature fails', async () => {
      const nonce = 'shared-nonce-' + Date.now();
      const forged = buildRpcRequest(emulator, params, keys, { common: { SignatureNonce: nonce }, signature: 'AAAA' });
      expect((await sendRaw(forged)).json.Code).toBe('SignatureDoesNotMatch');
      const genuine = buildRpcRequest(emulator, params, keys, { common: { SignatureNonce: nonce } });
      expect((await sendRaw(genuine)).status).toBe(200);
    });

    it('detects a parameter changed after signing, in the query or in the body', async () => {
      const q = buildRpcRequest(emulator, params, keys);
      q.url = q.url.replace('RoleSessionName=alice', 'RoleSessionName=mallory');
      expect((await sendRaw(q)).json.Code).toBe('SignatureDoesNotMatch');

      const b = buildRpcRequest(emulator, params, keys, { bodyParams: ['RoleSessionName'] });
      b.body = 'RoleSessionName=mallory';
      expect((await sendRaw(b)).json.Code).toBe('SignatureDoesNotMatch');
    });

    it.each([
      ['no Signature at all', { Signature: undefined }, 'MissingSignature'],
      ['SignatureMethod HMAC-SHA256', { SignatureMethod: 'HMAC-SHA256' }, 'IncompleteSignature'],
      ['SignatureVersion 2.0', { SignatureVersion: '2.0' }, 'IncompleteSignature'],
      ['no SignatureMethod', { SignatureMethod: undefined }, 'MissingSignatureMethod'],
      ['no Timestamp', { Timestamp: undefined }, 'MissingTimestamp'],
      ['no SignatureNonce', { SignatureNonce: undefined }, 'MissingSignatureNonce'],
      ['no AccessKeyId', { AccessKeyId: undefined }, 'MissingAccessKeyId'],
      ['a badly formed Timestamp', { Timestamp: '2024-01-01 00:00:00' }, 'InvalidTimeStamp.Format'],
      ['an impossible Timestamp', { Timestamp: '2024-02-30T00:00:00Z' }, 'InvalidTimeStamp.Format'],
    ])('rejects %s', async (_name, common, code) => {
      const req = buildRpcRequest(emulator, params, keys, { common });
      if (code === 'MissingSignature') req.url = req.url.replace(/&Signature=[^&]*/, '');
      const res = await sendRaw(req);
      expect(res.status).toBe(400);
      expect(res.json.Code).toBe(code);
    });
  });

  describe('ACS3 by hand (signed with openapi-core getAuthorization)', () => {
    it('accepts a correctly signed request and rejects its replay', async () => {
      const req = buildAcs3Request(emulator, keys);
      expect((await sendHttp(emulator, req)).status).toBe(200);
      const replay = await sendHttp(emulator, req);
      expect([replay.status, replay.json.Code]).toEqual([400, 'SignatureNonceUsed']);
    });

    it('accepts parameters in a signed form body', async () => {
      const req = buildAcs3Request(emulator, keys, {
        query: { RoleArn: ROLE_ARN },
        body: 'RoleSessionName=formbody&DurationSeconds=900',
        contentType: 'application/x-www-form-urlencoded',
      });
      const res = await sendHttp(emulator, req);
      expect(res.status).toBe(200);
      expect((res.json.AssumedRoleUser as Record<string, string>).Arn).toBe(`${ROLE_ARN}/formbody`);
    });

    it('rejects a body that does not match x-acs-content-sha256', async () => {
      const req = buildAcs3Request(emulator, keys, { body: '', contentType: 'application/x-www-form-urlencoded' });
      req.body = 'RoleSessionName=mallory';
      expect((await sendHttp(emulator, req)).json.Code).toBe('InvalidParameter.ContentSHA256');
    });

    it('rejects an x-acs-* header that is not signed', async () => {
      const req = buildAcs3Request(emulator, keys, { beforeSign: { 'x-acs-extra': '1' }, unsigned: ['x-acs-extra'] });
      expect((await sendHttp(emulator, req)).json.Code).toBe('IncompleteSignature');
    });

    it('rejects a signed header whose value changed', async () => {
      const req = buildAcs3Request(emulator, keys, { afterSign: { 'x-acs-date': stsTimestamp(Date.now() - 1000) } });
      expect((await sendHttp(emulator, req)).json.Code).toBe('SignatureDoesNotMatch');
    });

    it('rejects a query changed after signing', async () => {
      const req = buildAcs3Request(emulator, keys);
      req.path = req.path.replace('alice', 'mallory');
      expect((await sendHttp(emulator, req)).json.Code).toBe('SignatureDoesNotMatch');
    });

    it.each([
      ['x-acs-signature-nonce', 'IncompleteSignature'],
      ['x-acs-date', 'IncompleteSignature'],
      ['x-acs-content-sha256', 'IncompleteSignature'],
    ])('rejects a request without %s', async (name, code) => {
      const req = buildAcs3Request(emulator, keys, { unsigned: [name], afterSign: { [name]: undefined } });
      expect((await sendHttp(emulator, req)).json.Code).toBe(code);
    });

    it('rejects a malformed Authorization header', async () => {
      const req = buildAcs3Request(emulator, keys, { afterSign: { authorization: 'ACS3-HMAC-SHA256 garbage' } });
      expect((await sendHttp(emulator, req)).json.Code).toBe('IncompleteSignature');
    });

    it('rejects an expired x-acs-date', async () => {
      const req = buildAcs3Request(emulator, keys, { date: stsTimestamp(Date.now() - 20 * 60_000) });
      expect((await sendHttp(emulator, req)).json.Code).toBe('InvalidTimeStamp.Expired');
    });
  });
});

describe('NonceCache', () => {
  it('forgets nonces once their window has passed', () => {
    let now = 1_000_000;
    const cache = new NonceCache({ now: () => now }, 900_000);
    expect(cache.checkAndRemember('ak', 'n1', now)).toBe(true);
    expect(cache.checkAndRemember('ak', 'n1', now)).toBe(false);
    expect(cache.checkAndRemember('other-ak', 'n1', now)).toBe(true);
    now += 900_001;
    expect(cache.checkAndRemember('ak', 'n2', now)).toBe(true);
    expect(cache.size).toBe(1);
    expect(cache.checkAndRemember('ak', 'n1', now)).toBe(true);
  });

  it('keeps a future-dated nonce until its own timestamp plus the window', () => {
    let now = 0;
    const cache = new NonceCache({ now: () => now }, 1000);
    expect(cache.checkAndRemember('ak', 'n', 800)).toBe(true);
    now = 1500;
    expect(cache.checkAndRemember('ak', 'n', 800)).toBe(false);
    now = 1801;
    expect(cache.checkAndRemember('ak', 'n', 800)).toBe(true);
  });
});
