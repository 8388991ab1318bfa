/**
 * Server-side encryption as a request asks for it and an object records it
 * (https://www.alibabacloud.com/help/en/oss/developer-reference/putobject, the same headers on InitiateMultipartUpload
 * and as PostObject form fields, https://www.alibabacloud.com/help/en/oss/developer-reference/postobject):
 * - `x-oss-server-side-encryption`: `AES256`, `KMS` or `SM4`; anything else is refused before anything is stored;
 * - `x-oss-server-side-encryption-key-id`: only with `KMS`.
 * The object answers both on GET and HEAD (and PutObject on its reply). The emulator stores bytes as they are: what it
 * models is the contract (which uploads are encrypted, with which key), not the cryptography.
 * With KMS and no key id, OSS uses a key it manages and names it in the reply; the emulator names no key then.
 */
import { ERRORS, ossError } from './oss-error.js';

export interface ObjectEncryption {
  algorithm: 'AES256' | 'KMS' | 'SM4';
  keyId?: string;
}

const ALGORITHMS: readonly string[] = ['AES256', 'KMS', 'SM4'];

/** Reads the two settings from request headers or (lower-cased) form fields; undefined when none is asked for. */
export function requestedEncryption(read: (name: string) => string | string[] | undefined): ObjectEncryption | undefined {
  const algorithm = read('x-oss-server-side-encryption');
  const keyId = read('x-oss-server-side-encryption-key-id');
  if (algorithm === undefined) {
    if (keyId !== undefined) throw ossError(ERRORS.invalidArgument, {}, 'x-oss-server-side-encryption-key-id needs KMS encryption.');
    return undefined;
  }
  const name = String(algorithm).trim();
  if (!ALGORITHMS.includes(name)) throw ossError(ERRORS.invalidEncryptionAlgorithm);
  if (keyId === undefined) return { algorithm: name as ObjectEncryption['algorithm'] };
  if (name !== 'KMS') throw ossError(ERRORS.invalidArgument, {}, 'x-oss-server-side-encryption-key-id needs KMS encryption.');
  return { algorithm: 'KMS', keyId: String(keyId).trim() };
}

/** The response headers that tell a client how the object is encrypted. */
export function encryptionHeaders(encryption: ObjectEncryption | undefined): Record<string, string> {
  if (encryption === undefined) return {};
  return {
    'x-oss-server-side-encryption': encryption.algorithm,
    ...(encryption.keyId === undefined ? {} : { 'x-oss-server-side-encryption-key-id': encryption.keyId }),
  };
}
