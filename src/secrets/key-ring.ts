/**
 * The keys a sealer or a MAC uses: the current one first, then the previous one while a rotation is under way. Seal
 * and sign with `keys()[0]`; open and verify with any of them, so a value sealed or a form signed before a rotation
 * still opens after it (https://www.alibabacloud.com/help/en/kms/key-management-service/developer-reference/api-kms-2016-01-20-getsecretvalue:
 * Secrets Manager keeps the version before ACSCurrent as ACSPrevious).
 */
export interface KeyRing {
  /** Newest first; never empty. Callers must not mutate the buffers. */
  keys(): readonly Buffer[];
}

/** A ring of fixed keys (environment and `_FILE` secrets, tests). */
export function staticKeyRing(...keys: Buffer[]): KeyRing {
  if (keys.length === 0) throw new Error('a key ring needs at least one key');
  // Our own copies: a caller zeroing or reusing its buffer must not change the keys under us.
  const own = Object.freeze(keys.map((k) => Buffer.from(k)));
  return { keys: () => own };
}

/** A Buffer is a one-key ring. */
export function asKeyRing(key: Buffer | KeyRing): KeyRing {
  return Buffer.isBuffer(key) ? staticKeyRing(key) : key;
}
