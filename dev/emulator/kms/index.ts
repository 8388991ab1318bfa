/**
 * KMS emulator: an in-process HTTPS server speaking KMS's GetSecretValue as the official SDK sends it, with
 * Secrets Manager's ACSCurrent / ACSPrevious stages and hooks to rotate secrets and inject failures.
 */
export { startKmsEmulator, type KmsEmulator, type KmsEmulatorOptions, type KmsEmulatorStats } from './server.js';
export { SecretStore, ACS_CURRENT, ACS_PREVIOUS } from './secret-store.js';
export { generateKmsCertificate } from './tls-certificate.js';
