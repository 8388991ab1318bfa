/**
 * OSS signature V4, `OSS4-HMAC-SHA256` (https://www.alibabacloud.com/help/en/oss/developer-reference/recommend-to-use-signature-version-4): CanonicalRequest → StringToSign → a signing key derived from
 * `aliyun_v4` + secret, date, region, `oss`, `aliyun_v4_request`. Also the PostObject V4 signature (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject), which
 * signs the base64 policy with the same key.
 */
import { createHash, createHmac } from 'node:crypto';
import { headerText, SUB_RESOURCES, type SignedRequest } from './signature-v1.js';

export const V4_ALGORITHM = 'OSS4-HMAC-SHA256';

/** RFC 3986 strict encoder used by ali-oss `encodeString` (and STS, https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature.1). */
function pe(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export interface V4Authorization {
  accessKeyId: string;
  date: string;
  region: string;
  product: string;
  additionalHeaders: string[];
  signature: string;
}

/** Accepts both `,` (ali-oss) and `, ` (docs) between the parts (https://www.alibabacloud.com/help/en/oss/developer-reference/recommend-to-use-signature-version-4). */
export function parseV4Authorization(value: string): V4Authorization | null {
  const trimmed = value.trim();
  if (!trimmed.startsWith(`${V4_ALGORITHM} `)) return null;
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(V4_ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return null;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const scope = (fields.get('Credential') ?? '').split('/');
  const signature = fields.get('Signature') ?? '';
  if (scope.length !== 5 || scope[4] !== 'aliyun_v4_request' || !/^[0-9a-f]{64}$/.test(signature)) return null;
  const [accessKeyId, date, region, product] = scope as [string, string, string, string];
  if (!accessKeyId || !/^\d{8}$/.test(date) || !region) return null;
  const extra = fields.get('AdditionalHeaders');
  return {
    accessKeyId,
    date,
    region,
    product,
    additionalHeaders: extra
      ? extra
          .split(';')
          .map((h) => h.trim().toLowerCase())
          .filter(Boolean)
      : [],
    signature,
  };
}

/**
 * The canonical query strings to try. ali-oss sends a valueless sub-resource as `uploads=` but signs it bare, while a
 * genuine empty value (`prefix=`) is signed with `=` (https://www.alibabacloud.com/help/en/oss/developer-reference/recommend-to-use-signature-version-4 wire caveat); it sorts keys with localeCompare.
 * The first candidate follows the documented rule; the others cover clients that differ only in those two points.
 */
export function canonicalQueryCandidates(query: SignedRequest['query']): string[] {
  const item =
    (bareEmpty: (k: string) => boolean) =>
    ([k, v]: readonly [string, string]) =>
      v === '' && bareEmpty(k) ? pe(k) : `${pe(k)}=${pe(v)}`;
  const bySub = query.map(item((k) => SUB_RESOURCES.has(k)));
  const allBare = query.map(item(() => true));
  const out = new Set<string>();
  for (const items of [bySub, allBare]) {
    out.add([...items].sort().join('&'));
    out.add([...items].sort((a, b) => a.localeCompare(b)).join('&'));
  }
  return [...out];
}

export function v4CanonicalRequest(req: SignedRequest, additionalHeaders: string[], canonicalQuery: string): string {
  const uri = pe(`/${req.bucket ? `${req.bucket}/` : ''}${req.key ?? ''}`).replace(/%2F/g, '/');
  const names = new Set(additionalHeaders);
  for (const name of Object.keys(req.headers)) {
    if (req.headers[name] === undefined) continue;
    if (name === 'content-type' || name === 'content-md5' || name.startsWith('x-oss-')) names.add(name);
  }
  const canonicalHeaders = [...names]
    .sort()
    .map((n) => `${n}:${headerText(req.headers[n]).trim()}\n`)
    .join('');
  return [
    req.method.toUpperCase(),
    uri,
    canonicalQuery,
    canonicalHeaders,
    additionalHeaders.join(';'),
    req.headers['x-oss-content-sha256'] ?? 'UNSIGNED-PAYLOAD',
  ].join('\n');
}

export function v4Scope(date: string, region: string, product = 'oss'): string {
  return `${date}/${region}/${product}/aliyun_v4_request`;
}

export function v4StringToSign(isoDate: string, scope: string, canonicalRequest: string): string {
  return [V4_ALGORITHM, isoDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
}

export function v4Sign(secret: string, date: string, region: string, stringToSign: string, product = 'oss'): string {
  const h = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const key = h(h(h(h(`aliyun_v4${secret}`, date), region), product), 'aliyun_v4_request');
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

/** `yyyymmddTHHMMssZ` → epoch ms, or NaN. */
export function parseIsoBasic(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  return back.getUTCDate() === d && back.getUTCMonth() === mo - 1 ? ms : Number.NaN;
}
