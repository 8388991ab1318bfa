/**
 * The `callback` form field: base64 of the JSON that tells OSS where to POST after the upload and what to send.
 * The body is fixed by the broker, in the default `application/x-www-form-urlencoded` type (OSS URL-encodes each
 * variable's value): the system variables bucket, object, etag, size, mimeType, and the custom `x:grant`, which
 * OSS takes from the form field of that name.
 * https://www.alibabacloud.com/help/en/oss/developer-reference/callback
 */
export const CALLBACK_BODY = 'bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}&x:grant=${x:grant}';
export const CALLBACK_BODY_TYPE = 'application/x-www-form-urlencoded';

export function buildCallbackParam(callbackUrl: string): string {
  const json = JSON.stringify({ callbackUrl, callbackBody: CALLBACK_BODY, callbackBodyType: CALLBACK_BODY_TYPE });
  return Buffer.from(json, 'utf8').toString('base64');
}
