/**
 * OSS emulator: an in-process HTTP server speaking enough of the OSS REST protocol for ali-oss and browsers in local
 * mode and tests: both addressing styles, signature V1 and V4, STS tokens sealed by the STS emulator, RAM policy
 * enforcement through the shared evaluator, objects, listings, multipart, PostObject with its policy conditions,
 * signed upload callbacks (public key at CALLBACK_PUBLIC_KEY_PATH) and bucket CORS.
 */
export { CALLBACK_PUBLIC_KEY_PATH } from './callback-key.js';
export { startOssEmulator } from './server.js';
export { ERRORS as OSS_ERRORS, OssError } from './oss-error.js';
export { SUB_RESOURCES, v1Signature, v1StringToSign } from './signature-v1.js';
export { V4_ALGORITHM, v4Sign } from './signature-v4.js';
export type {
  CorsRule,
  OssBucketConfig,
  OssEmulator,
  OssEmulatorClock,
  OssEmulatorOptions,
  OssEmulatorStats,
  StoredObjectView,
} from './types.js';
