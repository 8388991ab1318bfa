/**
 * ACS3-HMAC-SHA256 (https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature), the default of @alicloud/sts20150401@1.2.0. Pure functions shared by the emulator's
 * verifier and by tests that hand-build requests.
 */
import { createHash, createHmac } from 'node:crypto';
import { percentEncode } from './signing-encoder.js';

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';

export interface Acs3CanonicalInput {
  method: string;
  /** Raw request path, e.g. `/`. */
  path: string;
  /** Decoded query parameters (never the wire text, https://github.com/aliyun/alibabacloud-typescript-sdk/tree/master/sts-20150401). */
  query: Record<string, string>;
  /** Lower-cased header name -> values (several when the header repeated). Only the signed ones are used. */
  headers: Record<string, string[]>;
  /** Lower-cased names from SignedHeaders, in the order the client listed them. */
  signedHeaders: string[];
  /** The x-acs-content-sha256 value (hex). */
  hashedPayload: string;
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** CanonicalURI: openapi-core turns `+`→%20, `*`→%2A, %7E→~ (https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature step 2). It is `/` for STS. */
function canonicalUri(path: string): string {
  return path.replace(/\+/g, '%20').replace(/\*/g, '%2A').replace(/%7E/g, '~');
}

/**
 * CanonicalQueryString (step 3): keys sorted by JS default sort, `key=pe(value)`. The SDK does not encode keys;
 * we encode them, which is identical for STS's ASCII-alphanumeric parameter names and matches the public spec.
 */
function canonicalQuery(query: Record<string, string>): string {
  return Object.keys(query)
    .sort()
    .map((key) => `${percentEncode(key)}=${percentEncode(query[key] ?? '')}`)
    .join('&');
}

/**
 * CanonicalHeaders (step 4) over the headers the client said it signed: names sorted, values trimmed,
 * repeated values sorted and joined with `,`, one `name:value\n` line each.
 */
function canonicalHeaders(headers: Record<string, string[]>, names: string[]): string {
  return names
    .map((name) => {
      const values = (headers[name] ?? []).map((v) => v.trim()).sort();
      return `${name}:${values.join(',')}\n`;
    })
    .join('');
}

/** CanonicalRequest (step 6). SignedHeaders are re-sorted so the result does not depend on the client's order. */
export function acs3CanonicalRequest(input: Acs3CanonicalInput): string {
  const names = [...input.signedHeaders].sort();
  return [
    input.method.toUpperCase(),
    canonicalUri(input.path),
    canonicalQuery(input.query),
    canonicalHeaders(input.headers, names),
    names.join(';'),
    input.hashedPayload,
  ].join('\n');
}

/** StringToSign (step 7) = `ACS3-HMAC-SHA256\n` + hex(sha256(CanonicalRequest)). */
export function acs3StringToSign(canonicalRequest: string): string {
  return `${ACS3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
}

/** Signature (step 8) = hex(HMAC-SHA256(raw secret, StringToSign)); no `&` suffix in this scheme. */
export function acs3Signature(stringToSign: string, accessKeySecret: string): string {
  return createHmac('sha256', accessKeySecret).update(stringToSign, 'utf8').digest('hex');
}

export interface Acs3Authorization {
  algorithm: string;
  credential: string;
  signedHeaders: string[];
  signature: string;
}

/**
 * Parses `ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex`. The SDK sends no spaces after the commas
 * (https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature); spaces are tolerated. Returns null when a part is missing or repeated.
 */
export function parseAcs3Authorization(header: string): Acs3Authorization | null {
  const space = header.indexOf(' ');
  if (space <= 0) return null;
  const algorithm = header.slice(0, space);
  const fields = new Map<string, string>();
  for (const part of header.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return null;
    const key = part.slice(0, eq).trim();
    if (fields.has(key)) return null;
    fields.set(key, part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature || fields.size !== 3) return null;
  return {
    algorithm,
    credential,
    signedHeaders: signedHeaders.split(';').map((h) => h.trim().toLowerCase()),
    signature,
  };
}
