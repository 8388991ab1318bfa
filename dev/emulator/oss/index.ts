/**
 * OSS emulator: an in-process HTTP server speaking enough of the OSS REST protocol for ali-oss and browsers in local
 * mode and tests: both addressing styles, signature V1 and V4, STS tokens sealed by the STS emulator, RAM policy
 * enforcement through the shared evaluator, objects, listings, multipart, PostObject with its policy conditions,
 * signed upload callbacks (public key at CALLBACK_PUBLIC_KEY_PATH) and bucket CORS.
 */
export { CALLBACK_PUBLIC_KEY_PATH } from './callback-key.js';
export { startOssEmulator } from './server.js';
export type {
  OssEmulator,
  OssEmulatorOptions,
} from './types.js';
