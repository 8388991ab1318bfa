/**
 * Unit tests of the signing functions: the documented RPC v1 vector, the encoder, and ACS3 cross-checked against
 * openapi-core's own getAuthorization.
 */
import { OpenApiUtil } from '@alicloud/openapi-core';
import { describe, expect, it } from 'vitest';
import {
  acs3CanonicalRequest,
  acs3Signature,
  acs3StringToSign,
  parseAcs3Authorization,
  percentEncode,
  rpcSignature,
  rpcStringToSign,
  sha256Hex,
} from './index.js';

describe('RPC v1 HMAC-SHA1 (https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism)', () => {
  // The CreateUser example of the RAM "Signature mechanism" doc (ramdocs, API Reference, Calling methods).
  const docParams = {
    AccessKeyId: 'testid',
    Action: 'CreateUser',
    Format: 'JSON',
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: '6a6e0ca6-4557-11e5-86a2-b8e8563dc8d2',
    SignatureVersion: '1.0',
    Timestamp: '2015-08-18T03:15:45Z',
    UserName: 'test',
    Version: '2015-05-01',
  };

  it('reproduces the documented StringToSign and signature', () => {
    const sts = rpcStringToSign('GET', docParams);
    expect(sts).toBe(
      'GET&%2F&AccessKeyId%3Dtestid%26Action%3DCreateUser%26Format%3DJSON%26SignatureMethod%3DHMAC-SHA1' +
        '%26SignatureNonce%3D6a6e0ca6-4557-11e5-86a2-b8e8563dc8d2%26SignatureVersion%3D1.0' +
        '%26Timestamp%3D2015-08-18T03%253A15%253A45Z%26UserName%3Dtest%26Version%3D2015-05-01',
    );
    expect(rpcSignature(sts, 'testsecret')).toBe('kRA2cnpJVacIhDMzXnoNZG9tDCI=');
  });

  it('ignores the Signature parameter itself', () => {
    expect(rpcStringToSign('GET', { ...docParams, Signature: 'anything' })).toBe(rpcStringToSign('GET', docParams));
  });

  it('matches openapi-core getRPCSignature on awkward characters', () => {
    const params = { ...docParams, Policy: `{"a":"it's (x)*! ~ é/+="}` };
    expect(rpcSignature(rpcStringToSign('POST', params), 'sek')).toBe(OpenApiUtil.getRPCSignature(params, 'POST', 'sek'));
  });
});

describe('percentEncode (https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature step 1)', () => {
  it('encodes the characters encodeURIComponent leaves alone, except tilde', () => {
    expect(percentEncode("!'()*")).toBe('%21%27%28%29%2A');
    expect(percentEncode('a b~c')).toBe('a%20b~c');
    expect(percentEncode('é/+=')).toBe('%C3%A9%2F%2B%3D');
  });
});

describe('ACS3-HMAC-SHA256 (https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature)', () => {
  const headers = {
    host: '127.0.0.1:9100',
    'x-acs-action': 'AssumeRole',
    'x-acs-version': '2015-04-01',
    'x-acs-date': '2026-01-02T03:04:05Z',
    'x-acs-signature-nonce': 'abc',
    'x-acs-content-sha256': sha256Hex(''),
  };
  const query = { RoleSessionName: 'alice', RoleArn: 'acs:ram::1:role/r', Policy: `{"x":"it's (y)*"}` };

  it('produces the Authorization the SDK itself computes', () => {
    const expected = OpenApiUtil.getAuthorization(
      { pathname: '/', method: 'POST', query, headers } as never,
      'ACS3-HMAC-SHA256',
      sha256Hex(''),
      'AKID',
      'secret',
    );
    const parsed = parseAcs3Authorization(expected);
    expect(parsed).not.toBeNull();
    const canonical = acs3CanonicalRequest({
      method: 'POST',
      path: '/',
      query,
      headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      signedHeaders: parsed!.signedHeaders,
      hashedPayload: sha256Hex(''),
    });
    expect(parsed!.signature).toBe(acs3Signature(acs3StringToSign(canonical), 'secret'));
    expect(parsed!.credential).toBe('AKID');
    expect(parsed!.signedHeaders).toEqual(Object.keys(headers).sort());
  });

  it('joins repeated header values sorted, with commas', () => {
    const canonical = acs3CanonicalRequest({
      method: 'GET',
      path: '/',
      query: {},
      headers: { 'x-acs-b': [' 2', '1 '], host: ['h'] },
      signedHeaders: ['x-acs-b', 'host'],
      hashedPayload: 'p',
    });
    expect(canonical).toBe('GET\n/\n\nhost:h\nx-acs-b:1,2\n\nhost;x-acs-b\np');
  });

  it('parses Authorization with or without spaces and rejects malformed ones', () => {
    expect(parseAcs3Authorization('ACS3-HMAC-SHA256 Credential=a, SignedHeaders=host;x-acs-date, Signature=ff')).toEqual({
      algorithm: 'ACS3-HMAC-SHA256',
      credential: 'a',
      signedHeaders: ['host', 'x-acs-date'],
      signature: 'ff',
    });
    expect(parseAcs3Authorization('ACS3-HMAC-SHA256')).toBeNull();
    expect(parseAcs3Authorization('ACS3-HMAC-SHA256 Credential=a,Signature=ff')).toBeNull();
    expect(parseAcs3Authorization('ACS3-HMAC-SHA256 Credential=a,Credential=b,SignedHeaders=h,Signature=f')).toBeNull();
    expect(parseAcs3Authorization('ACS3-HMAC-SHA256 Credential=a,SignedHeaders=h,Signature=f,Extra=1')).toBeNull();
  });
});
