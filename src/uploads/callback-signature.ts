/**
 * OSS's upload-callback signature, pure. OSS signs `url_decode(path) + query_string + "\n" + body` (the query
 * string raw, with its leading `?` when there is one) with RSA PKCS#1 v1.5 over MD5, and sends the signature
 * base64-encoded in `authorization`; `x-oss-pub-key-url` (base64) names the public key.
 * https://www.alibabacloud.com/help/en/oss/developer-reference/callback (section "Verify the signature")
 */
import { verify, type KeyObject } from 'node:crypto';

/** The bytes OSS signed, from the request target as received (`/v1/oss-callback?a=b`) and the raw body. */
export function callbackStringToSign(pathAndQuery: string, body: Buffer): Buffer | undefined {
  const q = pathAndQuery.indexOf('?');
  const path = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
  const query = q < 0 ? '' : pathAndQuery.slice(q);
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined; // A malformed escape is nothing OSS would have signed.
  }
  return Buffer.concat([Buffer.from(`${decoded}${query}\n`, 'utf8'), body]);
}

/** Whether `authorization` (base64) is OSS's signature of `stringToSign` under `publicKey`. */
export function verifyCallbackSignature(publicKey: KeyObject, stringToSign: Buffer, authorization: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(authorization)) return false;
  try {
    return verify('md5', stringToSign, publicKey, Buffer.from(authorization, 'base64'));
  } catch {
    return false;
  }
}
