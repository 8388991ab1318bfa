/**
 * STS error codes, their HTTP statuses and messages, and the JSON error body (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole (error codes)).
 * Where the facts mark a status UNCONFIRMED the choice is commented; the SDK only distinguishes 4xx from 5xx
 * (ClientError vs ServerError) and codes containing "Throttling" (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole (error codes)), so these choices matter little to clients.
 */
import { randomUUID } from 'node:crypto';

export class StsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers, e.g. x-acs-retry-after for throttling. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'StsError';
  }
}

/** Documented prefix the credentials library parses (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole (error codes)). */
export const SIGNATURE_MISMATCH_PREFIX = 'Specified signature is not matched with our calculation. server string to sign is:';

export const THROTTLING_MESSAGE = 'Request was denied due to user flow control.';

/** Constructors for every error the emulator produces, so codes and texts live in one place. */
export const errors = {
  // --- routing ---
  // The facts list InvalidApi.NotFound as a gateway code; status UNCONFIRMED, 404 as the name says "not found".
  apiNotFound: (action: string) =>
    new StsError(404, 'InvalidApi.NotFound', `Specified api is not found, please check your url and method. (${action})`),
  // UNCONFIRMED code and status: a wrong Version is a routing miss like an unknown action.
  invalidVersion: (version: string) => new StsError(400, 'InvalidVersion', `Specified parameter Version is not valid. (${version})`),
  // No action at all: the generic code from the facts' gateway list.
  missingAction: () =>
    new StsError(400, 'MissingParameter', 'The input parameter "Action" that is mandatory for processing this request is not supplied.'),
  // Named parameters follow the documented `Missing<Name>` / "<Name> is mandatory for this action." pattern
  // (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole (error codes), MissingSecurityToken).
  missing: (name: string) => new StsError(400, `Missing${name}`, `${name} is mandatory for this action.`),

  // --- authentication (statuses UNCONFIRMED per https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole (error codes)/G; 400 except the AK lookup) ---
  incompleteSignature: (detail: string) =>
    new StsError(400, 'IncompleteSignature', `The request signature does not conform to Aliyun standards. ${detail}`),
  // 404 chosen because the code says NotFound; real STS status UNCONFIRMED.
  accessKeyNotFound: () => new StsError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.'),
  signatureMismatch: (stringToSign: string) => new StsError(400, 'SignatureDoesNotMatch', SIGNATURE_MISMATCH_PREFIX + stringToSign),
  timestampFormat: (value: string) =>
    new StsError(400, 'InvalidTimeStamp.Format', `Specified time stamp or date value is not well formatted. (${value})`),
  timestampExpired: (value: string) =>
    new StsError(400, 'InvalidTimeStamp.Expired', `Specified time stamp or date value is expired. (${value})`),
  nonceUsed: () => new StsError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.'),
  // UNCONFIRMED code: the V3 doc requires the header to hash the body but the facts name no error for a mismatch.
  contentSha256Mismatch: () =>
    new StsError(400, 'InvalidParameter.ContentSHA256', 'The x-acs-content-sha256 header does not match the request body.'),
  // UNCONFIRMED code; 413 because the emulator refuses to buffer unbounded bodies.
  bodyTooLarge: () => new StsError(413, 'RequestEntityTooLarge', 'The request body is too large.'),

  // --- AssumeRole validation (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole (error codes) table) ---
  roleArn: () => new StsError(400, 'InvalidParameter.RoleArn', 'The parameter RoleArn is wrongly formed.'),
  roleSessionName: () => new StsError(400, 'InvalidParameter.RoleSessionName', 'The parameter RoleSessionName is wrongly formed.'),
  durationSeconds: (maxSeconds: number) =>
    new StsError(400, 'InvalidParameter.DurationSeconds', `The Min/Max value of DurationSeconds is 15min/${formatHours(maxSeconds)}.`),
  policySize: (maxChars: number) =>
    new StsError(400, 'InvalidParameter.PolicySize', `The size of Policy must be smaller than ${maxChars} bytes.`),
  policyGrammar: (detail: string) =>
    new StsError(400, 'InvalidParameter.PolicyGrammar', `The parameter Policy has not passed grammar check. ${detail}`),
  // Not in the AssumeRole table; code from the SDK model's ExternalId constraint, status 400 like its siblings.
  externalId: () => new StsError(400, 'InvalidParameter.ExternalId', 'The parameter ExternalId is wrongly formed.'),
  // Generic form for parameters without a documented code of their own (e.g. SourceIdentity, UNCONFIRMED).
  invalidParameter: (name: string) => new StsError(400, `InvalidParameter.${name}`, `The parameter ${name} is wrongly formed.`),
  noPermission: () => new StsError(403, 'NoPermission', 'You are not authorized to do this action. You should be authorized by RAM.'),
  roleNotFound: () => new StsError(404, 'EntityNotExist.Role', 'The specified Role not exists.'),
  internal: () => new StsError(500, 'InternalError', 'STS Server Internal Error happened.'),
};

function formatHours(seconds: number): string {
  const hours = seconds / 3600;
  return Number.isInteger(hours) ? `${hours}hr` : `${seconds}s`;
}

/** The JSON error body of https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole (error codes). */
export function errorBody(code: string, message: string, requestId: string = newRequestId()): string {
  return JSON.stringify({ RequestId: requestId, HostId: 'sts.aliyuncs.com', Code: code, Message: message });
}

/** Upper-case UUID, the shape of real STS request ids. */
export function newRequestId(): string {
  return randomUUID().toUpperCase();
}
