/**
 * OSS signature V1 (https://www.alibabacloud.com/help/en/oss/developer-reference/include-signatures-in-the-authorization-header): `Authorization: OSS <AccessKeyId>:<base64(HMAC-SHA1(secret, StringToSign))>`,
 * StringToSign = VERB \n Content-MD5 \n Content-Type \n DATE \n CanonicalizedOSSHeaders + CanonicalizedResource.
 */
import { createHmac } from 'node:crypto';

/** Query parameters that are sub-resources and so enter the CanonicalizedResource (https://www.alibabacloud.com/help/en/oss/developer-reference/include-signatures-in-the-authorization-header list, newer ones included). */
export const SUB_RESOURCES: ReadonlySet<string> = new Set([
  'acl',
  'uploads',
  'location',
  'cors',
  'logging',
  'website',
  'referer',
  'lifecycle',
  'delete',
  'append',
  'tagging',
  'objectMeta',
  'uploadId',
  'partNumber',
  'security-token',
  'position',
  'img',
  'style',
  'styleName',
  'replication',
  'replicationProgress',
  'replicationLocation',
  'cname',
  'bucketInfo',
  'comp',
  'qos',
  'live',
  'status',
  'vod',
  'startTime',
  'endTime',
  'symlink',
  'x-oss-process',
  'response-content-type',
  'response-content-language',
  'response-expires',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'versionId',
  'versioning',
  'versions',
  'restore',
  'continuation-token',
  'callback',
  'callback-var',
  'policy',
  'encryption',
  'inventory',
  'worm',
  'requestPayment',
  'x-oss-traffic-limit',
  'stat',
  'sequential',
]);

/** Header values arrive as latin1 strings from Node; clients sign their UTF-8 text, so re-read the bytes. */
export function headerText(value: string | undefined): string {
  return value === undefined ? '' : Buffer.from(value, 'latin1').toString('utf8');
}

export interface SignedRequest {
  method: string;
  /** Lower-cased names. */
  headers: Readonly<Record<string, string | undefined>>;
  bucket: string;
  key: string | undefined;
  query: ReadonlyArray<readonly [string, string]>;
}

/** `/<bucket>/<key>` (raw UTF-8 key) or `/<bucket>/`, plus `?` sorted sub-resources, valueless ones bare. */
function canonicalizedResource(req: SignedRequest): string {
  const path = req.bucket ? `/${req.bucket}/${req.key ?? ''}` : '/';
  // Sorted by name, as ali-oss's buildCanonicalizedResource does: sorting the `k=v` strings instead would put
  // `callback-var=…` before `callback=…`.
  const subs = req.query
    .filter(([k]) => SUB_RESOURCES.has(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => (v === '' ? k : `${k}=${v}`));
  return subs.length > 0 ? `${path}?${subs.join('&')}` : path;
}

function canonicalizedOssHeaders(headers: SignedRequest['headers']): string {
  return Object.keys(headers)
    .filter((name) => name.startsWith('x-oss-') && headers[name] !== undefined)
    .sort()
    .map((name) => `${name}:${headerText(headers[name]).trim()}\n`)
    .join('');
}

export function v1StringToSign(req: SignedRequest, date: string): string {
  return [
    req.method.toUpperCase(),
    headerText(req.headers['content-md5']),
    headerText(req.headers['content-type']),
    date,
    `${canonicalizedOssHeaders(req.headers)}${canonicalizedResource(req)}`,
  ].join('\n');
}

export function v1Signature(secret: string, stringToSign: string): string {
  return createHmac('sha1', secret).update(Buffer.from(stringToSign, 'utf8')).digest('base64');
}

/** `OSS ak:sig` → parts, or null when it is not that form. */
export function parseV1Authorization(value: string): { accessKeyId: string; signature: string } | null {
  const m = /^OSS ([^:\s]+):(\S+)$/.exec(value.trim());
  return m ? { accessKeyId: m[1] as string, signature: m[2] as string } : null;
}
