/**
 * secrets/: the broker's own secrets from KMS Secrets Manager (`BROKER_<NAME>_KMS_SECRET`), cached and refreshed,
 * and the key rings that let the cache key and the grant key rotate without losing sealed values or signed forms.
 * - createKmsSecrets          load (fail closed), refresh (keep last good), key rings
 * - createKmsReader, createKmsSdkClient   GetSecretValue through @alicloud/kms20160120
 * - staticKeyRing, asKeyRing  rings of fixed keys (environment and `_FILE` secrets)
 */
export { SECRET_CHECKS, decodeBase64Key } from './checks.js';
export { asKeyRing, staticKeyRing, type KeyRing } from './key-ring.js';
export {
  createKmsReader,
  createKmsSdkClient,
  getSecretValueRequest,
  kmsEndpoint,
  NOT_FOUND_CODE,
  secretVersionOf,
  type KmsSdkClient,
} from './kms-reader.js';
export {
  createKmsSecrets,
  CURRENT_STAGE,
  PREVIOUS_STAGE,
  safeKmsError,
  type KmsSecrets,
  type RefreshEvent,
  type SecretReader,
  type SecretVersion,
  type VersionStage,
} from './kms-secrets.js';
