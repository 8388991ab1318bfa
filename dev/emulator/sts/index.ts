/**
 * STS emulator: an in-process HTTPS server speaking the real AssumeRole wire protocol (both signature schemes,
 * documented validations and errors), plus the sealed-token functions the OSS emulator uses to verify tokens.
 */
export { startStsEmulator } from './server.js';
export { sealToken, openToken } from './sealed-token.js';
export { generateLoopbackCertificate } from './tls-certificate.js';
export { checkPolicyText, checkPolicyDocument, CONDITION_OPERATORS } from './policy-grammar.js';
export { percentEncode } from './signing-encoder.js';
export { rpcStringToSign, rpcSignature } from './rpc-signature.js';
export {
  acs3CanonicalRequest,
  acs3StringToSign,
  acs3Signature,
  parseAcs3Authorization,
  sha256Hex,
} from './acs3-signature.js';
export { SIGNATURE_MISMATCH_PREFIX, THROTTLING_MESSAGE } from './sts-error.js';
export type {
  EmulatorRole,
  SealedTokenPayload,
  StsEmulator,
  StsEmulatorOptions,
  StsEmulatorStats,
  StsFault,
} from './types.js';
