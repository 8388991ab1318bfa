/**
 * PostObject signature V4 (OSS4-HMAC-SHA256), pure: the signing key is derived from the STS AccessKeySecret, the
 * day, the region and the product, and the signature is the hex HMAC-SHA256 of the base64 policy.
 * https://www.alibabacloud.com/help/en/oss/developer-reference/signature-version-4-recommend
 */
import { createHmac } from 'node:crypto';

export const POST_V4_ALGORITHM = 'OSS4-HMAC-SHA256';
const PRODUCT = 'oss';
const REQUEST_TYPE = 'aliyun_v4_request';

/** `20261122T100003Z`: the form of `x-oss-date`, UTC, second precision. */
export function isoBasic(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** `<AccessKeyId>/<yyyymmdd>/<region>/oss/aliyun_v4_request`; the region is the plain id (`cn-hangzhou`). */
export function v4Credential(accessKeyId: string, day: string, region: string): string {
  return `${accessKeyId}/${day}/${region}/${PRODUCT}/${REQUEST_TYPE}`;
}

/** HMAC chain: "aliyun_v4" + secret → day → region → "oss" → "aliyun_v4_request". */
export function v4SigningKey(accessKeySecret: string, day: string, region: string): Buffer {
  let key = createHmac('sha256', `aliyun_v4${accessKeySecret}`).update(day).digest();
  for (const part of [region, PRODUCT, REQUEST_TYPE]) key = createHmac('sha256', key).update(part).digest();
  return key;
}

/** `x-oss-signature` for a base64 policy. `day` must be the `yyyymmdd` of `x-oss-date`. */
export function signPostPolicyV4(accessKeySecret: string, day: string, region: string, policyBase64: string): string {
  return createHmac('sha256', v4SigningKey(accessKeySecret, day, region))
    .update(policyBase64, 'utf8')
    .digest('hex');
}
