/**
 * STS emulator: an in-process HTTPS server speaking the real AssumeRole wire protocol (both signature schemes,
 * documented validations and errors), plus the sealed-token functions the OSS emulator uses to verify tokens.
 */
export { startStsEmulator, STS_API_VERSION } from './server.js';
export { sealToken, openToken } from './sealed-token.js';
export { FaultQueue } from './fault-queue.js';
export { generateLoopbackCertificate, type LoopbackCertificate } from './tls-certificate.js';
export { checkPolicyText, checkPolicyDocument, CONDITION_OPERATORS, type PolicyGrammarResult } from './policy-grammar.js';
export { percentEncode } from './signing-encoder.js';
export { rpcStringToSign, rpcSignature } from './rpc-signature.js';
export {
  ACS3_ALGORITHM,
  acs3CanonicalRequest,
  acs3StringToSign,
  acs3Signature,
  parseAcs3Authorization,
  sha256Hex,
  type Acs3CanonicalInput,
} from './acs3-signature.js';
export { SIGNATURE_MISMATCH_PREFIX, THROTTLING_MESSAGE } from './sts-error.js';
export { formatExpiration, parseStsTimestamp } from './time-format.js';
export type {
  EmulatorAccessKey,
  EmulatorRole,
  SealedTokenPayload,
  StsEmulator,
  StsEmulatorClock,
  StsEmulatorOptions,
  StsEmulatorStats,
  StsFault,
} from './types.js';
