/**
 * The flat credentials format Alibaba's own clients read, and the flat error they understand.
 *
 * What each client reads (the sources, so a change there can be checked against this file):
 * - OSS Android SDK `OSSAuthCredentialsProvider`: a bare GET; the body through `HttpURLConnection.getInputStream()`,
 *   which throws for an HTTP status of 400 or more, so an error body is only read with a 2xx status. Then `StatusCode`
 *   (`getInt`, a string "200" parses); 200 needs `AccessKeyId`, `AccessKeySecret`, `SecurityToken`, `Expiration`
 *   (`yyyy-MM-dd'T'HH:mm:ss`, UTC); anything else needs `ErrorCode` and `ErrorMessage` (`getString`, both required).
 *   It fetches again when less than 5 minutes are left.
 *   https://github.com/aliyun/aliyun-oss-android-sdk/blob/master/oss-android-sdk/src/main/java/com/alibaba/sdk/android/oss/common/auth/OSSAuthCredentialsProvider.java
 *   https://github.com/aliyun/aliyun-oss-android-sdk/blob/master/oss-android-sdk/src/main/java/com/alibaba/sdk/android/oss/common/auth/OSSFederationCredentialProvider.java
 * - OSS iOS SDK `OSSAuthCredentialProvider`: ignores the HTTP status, reads `StatusCode` (`intValue`), then the same
 *   four fields (`Expiration` as `yyyy-MM-dd'T'HH:mm:ssZ`); on anything else it reports "Can't get a federation token".
 *   It fetches again when less than 5 minutes are left.
 *   https://github.com/aliyun/aliyun-oss-ios-sdk/blob/master/AliyunOSSSDK/OSSModel.m
 * - @alicloud/credentials URI provider: needs HTTP 200, then `AccessKeyId`, `AccessKeySecret`, `SecurityToken` (and
 *   `Expiration` in the same 20-character form); otherwise it throws with the body in the message. It fetches again
 *   when less than 15 minutes are left.
 *   https://github.com/aliyun/credentials-nodejs/blob/master/src/providers/uri.ts
 *
 * So every flat answer, failures included, goes out with HTTP 200 and the real status in `StatusCode`: that is the
 * only way the Android SDK reads `ErrorCode`, and it also keeps the credentials URL (a secret) out of the
 * "Server returned HTTP response code: 401 for URL: ..." exception Android would otherwise log. The other two clients
 * fail on such a body as they should (no credentials in it). `Retry-After` and `Cache-Control: no-store` still go out.
 */
import type { ErrorRequestHandler, Request, Response } from 'express';
import type { CredentialResponse } from '../credentials/index.js';
import { type BrokerError, ERROR_TABLE } from '../errors.js';
import type { Logger } from '../shared/logger.js';
import { asBrokerError } from './problem.js';

export const ALIBABA_STS_MEDIA_TYPE = 'application/vnd.alibaba.sts+json';

export interface AlibabaCredentials {
  StatusCode: '200';
  AccessKeyId: string;
  AccessKeySecret: string;
  SecurityToken: string;
  /** `yyyy-MM-ddTHH:mm:ssZ`, the form STS itself uses. */
  Expiration: string;
}

export interface AlibabaError {
  StatusCode: string;
  ErrorCode: string;
  ErrorMessage: string;
  RequestId: string;
}

/** Asked for with `?format=alibaba` or `Accept: application/vnd.alibaba.sts+json`. */
export function wantsAlibabaFormat(req: Request): boolean {
  if (req.query.format === 'alibaba') return true;
  const accept = req.get('accept') ?? '';
  return accept.split(',').some((range) => range.split(';')[0]?.trim().toLowerCase() === ALIBABA_STS_MEDIA_TYPE);
}

export function toAlibabaCredentials(body: CredentialResponse): AlibabaCredentials {
  const { credentials } = body;
  return {
    StatusCode: '200',
    AccessKeyId: credentials.accessKeyId,
    AccessKeySecret: credentials.accessKeySecret,
    SecurityToken: credentials.securityToken,
    Expiration: credentials.expiration,
  };
}

export function toAlibabaError(error: BrokerError, requestId: string): AlibabaError {
  return {
    StatusCode: String(error.status),
    ErrorCode: error.code,
    // As in problem+json: a 5xx names its code and title only; its reason is for the operator's log.
    ErrorMessage: error.expose ? error.detail : ERROR_TABLE[error.code].title,
    RequestId: requestId,
  };
}

function send(res: Response, body: object): void {
  res.setHeader('Cache-Control', 'no-store');
  res.status(200).type(ALIBABA_STS_MEDIA_TYPE).send(JSON.stringify(body));
}

export function sendAlibabaCredentials(res: Response, body: CredentialResponse): void {
  send(res, toAlibabaCredentials(body));
}

export function sendAlibabaError(res: Response, requestId: string, error: BrokerError): void {
  if (error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
  send(res, toAlibabaError(error, requestId));
}

/**
 * The error handler of GET /v1/credentials/{profile}: failures in the flat shape for callers that asked for it (and
 * logged as the problem handler logs them); everything else goes on to the problem+json handler.
 */
export function alibabaErrors(logger: Logger): ErrorRequestHandler {
  return function answerInAlibabaShape(error, req, res, next) {
    if (!wantsAlibabaFormat(req) || res.headersSent) return next(error);
    const problem = asBrokerError(error);
    const log = { event: 'http.request.failed', requestId: req.id, code: problem.code, status: problem.status };
    if (problem.code === 'internal') logger.error({ ...log, err: problem.cause ?? problem }, 'request failed');
    else logger.info(log, 'request refused');
    sendAlibabaError(res, req.id, problem);
  };
}
