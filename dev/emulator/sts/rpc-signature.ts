/**
 * RPC v1 HMAC-SHA1 signature (https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism): the legacy scheme used by sts20150401@1.1.x, by 1.2.0 with
 * `signatureAlgorithm: 'v2'`, by @alicloud/credentials' RAM-role provider and by ali-oss's bundled STS client.
 * Pure functions: the same code computes the client side in tests and the server side in the emulator.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { percentEncode } from './signing-encoder.js';

/**
 * StringToSign = `METHOD&%2F&` + pe(sorted `pe(k)=pe(v)` joined by `&`), over every parameter except `Signature`,
 * query and form body merged by the caller. Keys sort by JS default order (UTF-16 code units) like the SDK.
 */
export function rpcStringToSign(method: string, params: Record<string, string>): string {
  const canonical = Object.keys(params)
    .filter((key) => key !== 'Signature')
    .sort()
    .map((key) => `${percentEncode(key)}=${percentEncode(params[key] ?? '')}`)
    .join('&');
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonical)}`;
}

/** base64(HMAC-SHA1(secret + '&', StringToSign)). The trailing `&` is the (empty) token-secret slot of the scheme. */
export function rpcSignature(stringToSign: string, accessKeySecret: string): string {
  return createHmac('sha1', `${accessKeySecret}&`).update(stringToSign, 'utf8').digest('base64');
}

/** Constant-time comparison of two signature strings. */
export function signaturesEqual(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(received, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
