/**
 * Turns an AssumeRole answer into StsCredentials, refusing anything incomplete.
 *
 * STS sends `Credentials{AccessKeyId, AccessKeySecret, SecurityToken, Expiration}` (the SDK hands them back in
 * camelCase); `Expiration` is UTC `yyyy-MM-ddTHH:mm:ssZ`, and @alicloud/credentials also accepts the form with
 * milliseconds, so we accept exactly those two (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole). A missing field or another date format means something
 * other than STS answered (or STS changed): it is `upstream_unavailable` "malformed STS response", and the detail
 * never echoes the values, which may be secrets.
 */
import { BrokerError } from '../errors.js';
import type { RawAssumeRoleBody } from './sdk-client.js';
import type { StsCredentials } from './types.js';

const EXPIRATION = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{3})?Z$/;

function malformed(reason: string): BrokerError {
  // The reason names a field, never a value; it goes to logs through `cause`.
  return new BrokerError('upstream_unavailable', 'malformed STS response', { cause: new Error(reason) });
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) throw malformed(`Credentials.${field} missing or empty`);
  return value;
}

/** Parses `yyyy-MM-ddTHH:mm:ss[.SSS]Z` to epoch ms; undefined when the text is not exactly that. */
export function parseExpiration(text: string): number | undefined {
  const m = EXPIRATION.exec(text);
  if (m === null) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 2030-02-30 over to March; a real STS timestamp round-trips exactly.
  const back = new Date(ms).toISOString();
  const expected = m[7] === undefined ? back.replace(/\.\d{3}Z$/, 'Z') : back;
  return expected === text ? ms : undefined;
}

export function parseAssumeRoleBody(body: RawAssumeRoleBody | undefined): StsCredentials {
  const credentials = body?.credentials;
  if (typeof credentials !== 'object' || credentials === null) throw malformed('Credentials missing');
  const accessKeyId = requireString(credentials.accessKeyId, 'AccessKeyId');
  const accessKeySecret = requireString(credentials.accessKeySecret, 'AccessKeySecret');
  const securityToken = requireString(credentials.securityToken, 'SecurityToken');
  const expiration = requireString(credentials.expiration, 'Expiration');
  const expiresAt = parseExpiration(expiration);
  if (expiresAt === undefined) throw malformed('Credentials.Expiration is not yyyy-MM-ddTHH:mm:ssZ');
  return { accessKeyId, accessKeySecret, securityToken, expiresAt };
}
