/**
 * Authenticates a request by whichever signature scheme it uses (https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature):
 * `Authorization: ACS3-…` → ACS3-HMAC-SHA256 (https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature); a `Signature` parameter → RPC v1 HMAC-SHA1 (https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism).
 * Order: cheap format checks, AccessKey lookup, clock skew, signature, then the nonce. The nonce is remembered only
 * after the signature verifies, so unauthenticated traffic cannot burn a legitimate caller's nonces.
 */
import {
  ACS3_ALGORITHM,
  acs3CanonicalRequest,
  acs3Signature,
  acs3StringToSign,
  parseAcs3Authorization,
  sha256Hex,
} from './acs3-signature.js';
import type { NonceCache } from './nonce-cache.js';
import { header, type ParsedRequest } from './request-parser.js';
import { rpcSignature, rpcStringToSign, signaturesEqual } from './rpc-signature.js';
import { errors } from './sts-error.js';
import { parseStsTimestamp } from './time-format.js';
import type { StsEmulatorClock } from './types.js';

export interface AuthContext {
  /** AccessKeyId -> AccessKeySecret of trusted callers. */
  secrets: ReadonlyMap<string, string>;
  clock: StsEmulatorClock;
  maxSkewMs: number;
  nonces: NonceCache;
}

type SignatureScheme = 'ACS3-HMAC-SHA256' | 'RPC-HMAC-SHA1';

export interface Authenticated {
  accessKeyId: string;
  scheme: SignatureScheme;
}

/** Throws StsError on any failure. */
export function authenticate(req: ParsedRequest, ctx: AuthContext): Authenticated {
  const authorization = header(req, 'authorization');
  if (authorization?.startsWith('ACS3-')) return authenticateAcs3(req, authorization, ctx);
  if (req.params.Signature !== undefined) return authenticateRpc(req, ctx);
  if (authorization !== undefined) throw errors.incompleteSignature('Unsupported Authorization header.');
  throw errors.missing('Signature');
}

function authenticateAcs3(req: ParsedRequest, authorization: string, ctx: AuthContext): Authenticated {
  const auth = parseAcs3Authorization(authorization);
  if (!auth) throw errors.incompleteSignature('Malformed Authorization header.');
  if (auth.algorithm !== ACS3_ALGORITHM) {
    throw errors.incompleteSignature(`Unsupported signature algorithm ${auth.algorithm}.`);
  }
  const date = header(req, 'x-acs-date');
  const nonce = header(req, 'x-acs-signature-nonce');
  const contentSha = header(req, 'x-acs-content-sha256');
  if (!date) throw errors.incompleteSignature('The x-acs-date header is required.');
  if (!nonce) throw errors.incompleteSignature('The x-acs-signature-nonce header is required.');
  if (!contentSha) throw errors.incompleteSignature('The x-acs-content-sha256 header is required.');

  const secret = ctx.secrets.get(auth.credential);
  if (secret === undefined) throw errors.accessKeyNotFound();
  const requestTime = checkSkew(date, ctx);

  // The payload hash is part of what is signed, but only means something if it is the hash of this body (V3 signature doc above).
  if (contentSha.toLowerCase() !== sha256Hex(req.body)) throw errors.contentSha256Mismatch();

  // Every x-acs-* header present must be signed, and so must host (V3 signature doc above); an unsigned x-acs-* header could be
  // altered in flight. Every signed header must actually be present.
  const signed = new Set(auth.signedHeaders);
  for (const name of Object.keys(req.headers)) {
    if ((name.startsWith('x-acs-') || name === 'host') && !signed.has(name)) {
      throw errors.incompleteSignature(`Header ${name} must be signed.`);
    }
  }
  for (const name of signed) {
    if (!req.headers[name]) throw errors.incompleteSignature(`Signed header ${name} is missing.`);
  }

  // Only the query is canonicalised; a form body is covered by the payload hash.
  const canonical = acs3CanonicalRequest({
    method: req.method,
    path: req.path,
    query: req.query,
    headers: req.headers,
    signedHeaders: auth.signedHeaders,
    hashedPayload: contentSha,
  });
  const stringToSign = acs3StringToSign(canonical);
  if (!signaturesEqual(acs3Signature(stringToSign, secret), auth.signature.toLowerCase())) {
    throw errors.signatureMismatch(stringToSign);
  }
  if (!ctx.nonces.checkAndRemember(auth.credential, nonce, requestTime)) throw errors.nonceUsed();
  return { accessKeyId: auth.credential, scheme: 'ACS3-HMAC-SHA256' };
}

function authenticateRpc(req: ParsedRequest, ctx: AuthContext): Authenticated {
  const p = req.params;
  const accessKeyId = required(p, 'AccessKeyId');
  const method = required(p, 'SignatureMethod');
  if (method !== 'HMAC-SHA1') throw errors.incompleteSignature(`Unsupported SignatureMethod ${method}.`);
  const version = required(p, 'SignatureVersion');
  if (version !== '1.0') throw errors.incompleteSignature(`Unsupported SignatureVersion ${version}.`);
  const timestamp = required(p, 'Timestamp');
  const nonce = required(p, 'SignatureNonce');
  const signature = required(p, 'Signature');

  const secret = ctx.secrets.get(accessKeyId);
  if (secret === undefined) throw errors.accessKeyNotFound();
  const requestTime = checkSkew(timestamp, ctx);

  // Query and form merged (RPC signature doc above): clients split parameters between them and sign the union.
  const stringToSign = rpcStringToSign(req.method, p);
  if (!signaturesEqual(rpcSignature(stringToSign, secret), signature)) throw errors.signatureMismatch(stringToSign);
  if (!ctx.nonces.checkAndRemember(accessKeyId, nonce, requestTime)) throw errors.nonceUsed();
  return { accessKeyId, scheme: 'RPC-HMAC-SHA1' };
}

function required(params: Record<string, string>, name: string): string {
  const value = params[name];
  if (value === undefined || value === '') throw errors.missing(name);
  return value;
}

/** Timestamp / x-acs-date must parse and lie within ±maxSkew of the emulator's clock (~15 min, https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature, G). */
function checkSkew(value: string, ctx: AuthContext): number {
  const time = parseStsTimestamp(value);
  if (time === null) throw errors.timestampFormat(value);
  if (Math.abs(ctx.clock.now() - time) > ctx.maxSkewMs) throw errors.timestampExpired(value);
  return time;
}
