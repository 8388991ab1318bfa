/**
 * OSS's callback signature, checked with a key pair generated here (acting as OSS): RSA PKCS#1 v1.5 over MD5 of
 * url_decode(path) + query (with its `?`) + "\n" + body.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { callbackStringToSign, verifyCallbackSignature } from './callback-signature.js';

const oss = generateKeyPairSync('rsa', { modulusLength: 1024 });
const other = generateKeyPairSync('rsa', { modulusLength: 1024 });
const body = Buffer.from('bucket=b&object=uploads%2Fa.png&etag=ABC&size=10&mimeType=image%2Fpng&x:grant=v1.x.y');

/** What OSS sends in `authorization`. */
function ossSignature(text: string, key = oss.privateKey): string {
  return sign('md5', Buffer.from(text), key).toString('base64');
}

describe('callbackStringToSign', () => {
  it('is the decoded path, the raw query with its "?", a newline and the body', () => {
    expect(callbackStringToSign('/v1/oss-callback', body)?.toString()).toBe(`/v1/oss-callback\n${body}`);
    expect(callbackStringToSign('/v1/oss-callback?a=%2F&b', body)?.toString()).toBe(`/v1/oss-callback?a=%2F&b\n${body}`);
    expect(callbackStringToSign('/v1/oss%2Dcallback%20x', Buffer.alloc(0))?.toString()).toBe('/v1/oss-callback x\n');
  });

  it('refuses a malformed escape in the path', () => {
    expect(callbackStringToSign('/v1/%E0%A4%A', body)).toBeUndefined();
  });
});

describe('verifyCallbackSignature', () => {
  const text = callbackStringToSign('/v1/oss-callback?x=1', body)!;

  it('accepts OSS’s signature over exactly those bytes', () => {
    expect(verifyCallbackSignature(oss.publicKey, text, ossSignature(text.toString()))).toBe(true);
  });

  it.each([
    ['another key', () => verifyCallbackSignature(oss.publicKey, text, ossSignature(text.toString(), other.privateKey))],
    [
      'an edited body',
      () =>
        verifyCallbackSignature(
          oss.publicKey,
          callbackStringToSign('/v1/oss-callback?x=1', Buffer.from(`${body}0`))!,
          ossSignature(text.toString()),
        ),
    ],
    [
      'another query',
      () => verifyCallbackSignature(oss.publicKey, callbackStringToSign('/v1/oss-callback?x=2', body)!, ossSignature(text.toString())),
    ],
    [
      'no query',
      () => verifyCallbackSignature(oss.publicKey, callbackStringToSign('/v1/oss-callback', body)!, ossSignature(text.toString())),
    ],
    ['SHA-256 instead of MD5', () => verifyCallbackSignature(oss.publicKey, text, sign('sha256', text, oss.privateKey).toString('base64'))],
    ['not base64', () => verifyCallbackSignature(oss.publicKey, text, 'not base64!')],
    ['empty', () => verifyCallbackSignature(oss.publicKey, text, '')],
  ])('refuses %s', (_name, check) => {
    expect(check()).toBe(false);
  });
});
