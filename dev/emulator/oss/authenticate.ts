/**
 * Header authentication for every REST request (https://www.alibabacloud.com/help/en/oss/developer-reference/include-signatures-in-the-authorization-header, https://www.alibabacloud.com/help/en/oss/developer-reference/recommend-to-use-signature-version-4): which scheme, the request time and its skew, the STS
 * token, then the signature with the token's secret. Returns the opened token so the caller can authorize.
 */
import { timingSafeEqual } from 'node:crypto';
import type { SealedTokenPayload } from '../sts/index.js';
import { ERRORS, ossError } from './oss-error.js';
import { mismatchDetails, openSession } from './session-token.js';
import { parseV1Authorization, v1Signature, v1StringToSign, type SignedRequest } from './signature-v1.js';
import {
  canonicalQueryCandidates,
  parseIsoBasic,
  parseV4Authorization,
  v4CanonicalRequest,
  v4Scope,
  v4Sign,
  v4StringToSign,
} from './signature-v4.js';

export interface AuthSettings {
  sealKey: Buffer;
  nowMs: number;
  maxSkewMs: number;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function checkSkew(requestMs: number, settings: AuthSettings): void {
  if (!Number.isFinite(requestMs)) throw ossError(ERRORS.accessDeniedDate);
  if (Math.abs(requestMs - settings.nowMs) > settings.maxSkewMs) {
    throw ossError(ERRORS.requestTimeTooSkewed, {
      RequestTime: new Date(requestMs).toUTCString(),
      ServerTime: new Date(settings.nowMs).toUTCString(),
      MaxAllowedSkewMilliseconds: String(settings.maxSkewMs),
    });
  }
}

/**
 * A V1 signed URL (ali-oss `signatureUrl`): `OSSAccessKeyId`, `Expires` (epoch seconds, used as DATE) and `Signature`
 * in the query, the token in the `security-token` sub-resource (https://www.alibabacloud.com/help/en/oss/developer-reference/include-signatures-in-the-authorization-header "STS token").
 */
function authenticateSignedUrl(req: SignedRequest, q: Map<string, string>, settings: AuthSettings): SealedTokenPayload {
  const accessKeyId = q.get('OSSAccessKeyId') ?? '';
  const expires = q.get('Expires') ?? '';
  const signature = q.get('Signature') ?? '';
  if (!/^\d{1,12}$/.test(expires)) throw ossError(ERRORS.invalidArgument, {}, 'Expires must be epoch seconds.');
  if (Number(expires) * 1000 < settings.nowMs) {
    throw ossError(ERRORS.accessDeniedExpired, {
      Expires: new Date(Number(expires) * 1000).toISOString(),
      ServerTime: new Date(settings.nowMs).toISOString(),
    });
  }
  const session = openSession(q.get('security-token'), accessKeyId, settings.sealKey, settings.nowMs);
  const stringToSign = v1StringToSign(req, expires);
  if (!sameText(v1Signature(session.accessKeySecret, stringToSign), signature)) {
    throw ossError(ERRORS.signatureDoesNotMatch, mismatchDetails(stringToSign, accessKeyId, signature));
  }
  return session;
}

/** Throws OssError; an absent Authorization header is an anonymous request, which private buckets refuse. */
export function authenticate(req: SignedRequest, settings: AuthSettings): SealedTokenPayload {
  const authorization = req.headers.authorization;
  if (authorization === undefined || authorization.trim() === '') {
    const q = new Map(req.query);
    if (q.has('Signature') && q.has('OSSAccessKeyId')) return authenticateSignedUrl(req, q, settings);
    throw ossError(ERRORS.accessDeniedAnonymous);
  }
  const token = req.headers['x-oss-security-token'];

  const v1 = parseV1Authorization(authorization);
  if (v1) {
    // DATE = x-oss-date if present, else Date (https://www.alibabacloud.com/help/en/oss/developer-reference/include-signatures-in-the-authorization-header).
    const date = req.headers['x-oss-date'] ?? req.headers.date;
    if (date === undefined) throw ossError(ERRORS.accessDeniedDate);
    checkSkew(Date.parse(date), settings);
    const session = openSession(token, v1.accessKeyId, settings.sealKey, settings.nowMs);
    const stringToSign = v1StringToSign(req, date);
    if (!sameText(v1Signature(session.accessKeySecret, stringToSign), v1.signature)) {
      throw ossError(ERRORS.signatureDoesNotMatch, mismatchDetails(stringToSign, v1.accessKeyId, v1.signature));
    }
    return session;
  }

  const v4 = parseV4Authorization(authorization);
  if (!v4) throw ossError(ERRORS.invalidArgument, {}, 'Authorization header is invalid.');
  const isoDate = req.headers['x-oss-date'];
  if (isoDate === undefined) throw ossError(ERRORS.accessDeniedDate);
  checkSkew(parseIsoBasic(isoDate), settings);
  if (!isoDate.startsWith(v4.date)) {
    throw ossError(ERRORS.invalidArgument, {}, 'The date in the Credential does not match x-oss-date.');
  }
  if (req.headers['x-oss-content-sha256'] === undefined) {
    throw ossError(ERRORS.invalidArgument, {}, 'x-oss-content-sha256 header is required for V4 signatures.');
  }
  for (const name of v4.additionalHeaders) {
    if (req.headers[name] === undefined) {
      throw ossError(ERRORS.invalidArgument, {}, `The additional header ${name} is not in the request.`);
    }
  }
  const session = openSession(token, v4.accessKeyId, settings.sealKey, settings.nowMs);
  // The region is taken from the credential scope: the emulator serves every region.
  const scope = v4Scope(v4.date, v4.region, v4.product);
  let firstStringToSign = '';
  for (const query of canonicalQueryCandidates(req.query)) {
    const stringToSign = v4StringToSign(isoDate, scope, v4CanonicalRequest(req, v4.additionalHeaders, query));
    firstStringToSign ||= stringToSign;
    if (sameText(v4Sign(session.accessKeySecret, v4.date, v4.region, stringToSign, v4.product), v4.signature)) {
      return session;
    }
  }
  throw ossError(ERRORS.signatureDoesNotMatch, mismatchDetails(firstStringToSign, v4.accessKeyId, v4.signature));
}
