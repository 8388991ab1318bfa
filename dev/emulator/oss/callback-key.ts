/**
 * The emulator's own upload-callback signing key. OSS signs every callback request with an RSA key of its own and
 * names the public half in `x-oss-pub-key-url` (https://www.alibabacloud.com/help/en/oss/developer-reference/callback,
 * step 4): `authorization = base64(rsa_sign(private_key, url_decode(path) + query_string + '\n' + body, md5))`, i.e.
 * PKCS#1 v1.5 over MD5. Real OSS serves its key at `http://gosspublic.alicdn.com/callback_pub_key_v1.pem`; the emulator
 * generates a key pair when it starts and serves the public key (SPKI PEM, the same form) at
 * `GET /.well-known/oss-callback-public-key.pem` on its own port, so a callback receiver can verify offline.
 */
import { generateKeyPair, type KeyObject, sign } from 'node:crypto';

/** Where the emulator serves its public key (path-style, on the emulator's own host and port). */
export const CALLBACK_PUBLIC_KEY_PATH = '/.well-known/oss-callback-public-key.pem';

export interface CallbackSigner {
  /** SPKI PEM (`-----BEGIN PUBLIC KEY-----`), the format Alibaba's own public key file uses. */
  publicKeyPem: string;
  /** base64 RSA-MD5 signature over `url_decode(path) + query + "\n" + body`. */
  authorization(rawPath: string, rawQuery: string, body: Buffer): string;
}

/** Python's `urllib.unquote`, as in Alibaba's verification sample: `%XX` decoded, `+` kept. */
export function urlDecodePath(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return rawPath;
  }
}

/** The callback string-to-sign. `rawQuery` includes its leading `?` when there is one. */
export function callbackStringToSign(rawPath: string, rawQuery: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${urlDecodePath(rawPath)}${rawQuery}\n`, 'utf8'), body]);
}

export async function createCallbackSigner(): Promise<CallbackSigner> {
  // 2048 bits: generated off the event loop once per emulator; the modulus size is not part of the protocol.
  const { privateKey, publicKey } = await new Promise<{ privateKey: KeyObject; publicKey: KeyObject }>((resolve, reject) =>
    generateKeyPair('rsa', { modulusLength: 2048 }, (err, pub, priv) =>
      err ? reject(err) : resolve({ publicKey: pub, privateKey: priv }),
    ),
  );
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    authorization: (rawPath, rawQuery, body) => sign('md5', callbackStringToSign(rawPath, rawQuery, body), privateKey).toString('base64'),
  };
}
