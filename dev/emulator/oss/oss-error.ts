/**
 * The error table: every OSS error this emulator answers, with its HTTP status and message as the service documents
 * them (https://www.alibabacloud.com/help/en/oss/developer-reference/include-signatures-in-the-authorization-header "STS-related OSS errors", D5 error codes; object naming errors from
 * https://www.alibabacloud.com/help/doc-detail/185228.htm "InvalidObjectName"; PostObject errors from
 * https://www.alibabacloud.com/help/doc-detail/42976.htm and the 0006-000002xx EC pages, e.g.
 * https://help.aliyun.com/zh/oss/user-guide/0006-00000228 for "Extra input fields").
 */
import { randomBytes } from 'node:crypto';

export interface OssErrorSpec {
  code: string;
  status: number;
  message: string;
}

/** Extra XML elements some errors carry (StringToSign for SignatureDoesNotMatch, ServerTime for skew, …). */
export type OssErrorDetails = Readonly<Record<string, string>>;

export class OssError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: OssErrorDetails;

  constructor(spec: OssErrorSpec, details: OssErrorDetails = {}, message?: string) {
    super(message ?? spec.message);
    this.name = 'OssError';
    this.code = spec.code;
    this.status = spec.status;
    this.details = details;
  }
}

const e = (code: string, status: number, message: string): OssErrorSpec => ({ code, status, message });

export const ERRORS = {
  accessDeniedAnonymous: e('AccessDenied', 403, 'You have no right to access this object because of bucket acl.'),
  accessDeniedPolicy: e('AccessDenied', 403, "Access denied by authorizer's policy."),
  accessDeniedExpired: e('AccessDenied', 403, 'Request has expired.'),
  accessDeniedDate: e('AccessDenied', 403, 'OSS authentication requires a valid Date.'),
  postPolicyFailed: e('AccessDenied', 403, 'Invalid according to Policy: Policy Condition failed: '),
  postPolicyExpired: e('AccessDenied', 403, 'Invalid according to Policy: Policy expired.'),
  postDateOutOfRange: e('AccessDenied', 403, 'Invalid according to Policy: x-oss-date is out of range.'),
  corsForbidden: e(
    'AccessForbidden',
    403,
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
  ),
  corsMissingInfo: e('AccessForbidden', 403, 'CORSResponse: Insufficient information. Origin request header needed.'),
  postExtraFields: e('AccessDenied', 403, 'Invalid according to Policy: Extra input fields: '),
  /** The upload succeeded, its callback did not (https://www.alibabacloud.com/help/en/oss/support/http-status-code-203). */
  callbackFailed: e('CallbackFailed', 203, 'Callback failed.'),
  badDigest: e('InvalidDigest', 400, 'The Content-MD5 you specified was invalid.'),
  entityTooLarge: e('EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed size.'),
  entityTooSmall: e('EntityTooSmall', 400, 'Your proposed upload is smaller than the minimum allowed size.'),
  /** `x-oss-forbid-overwrite: true` and the key exists (https://www.alibabacloud.com/help/en/oss/developer-reference/putobject). */
  fileAlreadyExists: e('FileAlreadyExists', 409, 'The object you specified already exists and can not be overwritten.'),
  incorrectFiles: e('IncorrectNumberOfFilesInPOSTRequest', 400, 'POST requires exactly one file upload per request.'),
  invalidAccessKeyId: e('InvalidAccessKeyId', 403, 'The OSS Access Key Id you provided does not exist in our records.'),
  invalidArgument: e('InvalidArgument', 400, 'Invalid argument.'),
  invalidObjectEmpty: e('InvalidObjectName', 400, 'The Object name can not be empty'),
  invalidObjectLong: e('InvalidObjectName', 400, 'The Length of Object name must be less than 1024'),
  invalidObjectName: e('InvalidObjectName', 400, 'The specified object is not valid'),
  /**
   * `x-oss-server-side-encryption` other than AES256, KMS or SM4 (the values of
   * https://www.alibabacloud.com/help/en/oss/developer-reference/putobject); the code and message are UNCONFIRMED.
   */
  invalidEncryptionAlgorithm: e(
    'InvalidEncryptionAlgorithmError',
    400,
    'The Encryption request you specified is not valid. Supported value: AES256/KMS/SM4',
  ),
  invalidPart: e(
    'InvalidPart',
    400,
    "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.",
  ),
  invalidPartOrder: e(
    'InvalidPartOrder',
    400,
    'The list of parts was not in ascending order. Parts list must specified in order by part number.',
  ),
  invalidPolicyDocument: e('InvalidPolicyDocument', 400, 'Invalid Policy: Invalid JSON.'),
  /** PutBucketPolicy with a policy off the grammar (EC 0030-00000005, https://help.aliyun.com/en/oss/user-guide/0030-00000005); the code is UNCONFIRMED. */
  invalidBucketPolicy: e('InvalidPolicyDocument', 400, 'The policy is invalid.'),
  invalidSecurityToken: e('InvalidSecurityToken', 403, 'The security token you provided is invalid.'),
  malformedPost: e('MalformedPOSTRequest', 400, 'The body of your POST request is not well-formed multipart/form-data.'),
  malformedXml: e('MalformedXML', 400, 'The XML you provided was not well-formed or did not validate against our published schema.'),
  methodNotAllowed: e('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.'),
  noSuchBucket: e('NoSuchBucket', 404, 'The specified bucket does not exist.'),
  noSuchKey: e('NoSuchKey', 404, 'The specified key does not exist.'),
  /** GetBucketPolicy on a bucket without one (https://www.alibabacloud.com/help/doc-detail/154887.htm). */
  noSuchBucketPolicy: e('NoSuchBucketPolicy', 404, 'The bucket policy does not exist.'),
  noSuchUpload: e(
    'NoSuchUpload',
    404,
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
  ),
  notImplemented: e('NotImplemented', 501, 'A header you provided implies functionality that is not implemented.'),
  notMultipart: e('RequestIsNotMultiPartContent', 400, 'Bucket POST must be of the enclosure-type multipart/form-data.'),
  requestTimeTooSkewed: e('RequestTimeTooSkewed', 403, 'The difference between the request time and the current time is too large.'),
  /** Alibaba's pages do not name the code for an expired token; `SecurityTokenExpired` is what ali-oss handles (https://github.com/ali-sdk/ali-oss). */
  securityTokenExpired: e('SecurityTokenExpired', 403, 'The security token you provided has expired.'),
  signatureDoesNotMatch: e(
    'SignatureDoesNotMatch',
    403,
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  ),
  internal: e('InternalError', 500, 'We encountered an internal error. Please try again.'),
} as const satisfies Record<string, OssErrorSpec>;

/** `new OssError(ERRORS.x)` with an optional message override (e.g. the failed PostObject condition). */
export function ossError(spec: OssErrorSpec, details?: OssErrorDetails, message?: string): OssError {
  return new OssError(spec, details, message);
}

/** 24 upper-case hex characters, the shape of real `x-oss-request-id` values. */
export function newRequestId(): string {
  return randomBytes(12).toString('hex').toUpperCase();
}
