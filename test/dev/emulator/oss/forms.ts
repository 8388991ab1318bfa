/**
 * PostObject forms for the tests, built by hand as a browser encodes multipart/form-data, and signed by ali-oss
 * itself: V1 with `calculatePostSignature`, V4 with `signPostObjectPolicyV4` (the fields as ali-oss's README builds
 * them, https://www.alibabacloud.com/help/en/oss/developer-reference/postobject).
 */
import { randomBytes } from 'node:crypto';
import type { OssEmulator } from '../../../../dev/emulator/oss/index.js';
import { BUCKET, ossClient, raw, type Creds, type RawResponse } from './helpers.js';

export type Field = [string, string];

export interface FilePart {
  name?: string;
  filename: string;
  contentType?: string;
  data: Buffer;
}

export interface Form {
  body: Buffer;
  contentType: string;
}

/** `file` last unless `fileFirst`. */
export function multipart(fields: Field[], file: FilePart | null, fileFirst = false): Form {
  const boundary = `----oss${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  const field = ([name, value]: Field) =>
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  const filePart = (f: FilePart) => {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${f.name ?? 'file'}"; filename="${f.filename}"\r\n` +
          (f.contentType ? `Content-Type: ${f.contentType}\r\n` : '') +
          '\r\n',
      ),
      f.data,
      Buffer.from('\r\n'),
    );
  };
  if (file && fileFirst) filePart(file);
  fields.forEach(field);
  if (file && !fileFirst) filePart(file);
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** POST the form to the bucket, path-style (or host-style with the bucket in Host). */
export function post(oss: OssEmulator, form: Form, hostStyle = false, bucket = BUCKET): Promise<RawResponse> {
  return raw(oss, {
    method: 'POST',
    path: hostStyle ? '/' : `/${bucket}`,
    headers: {
      'content-type': form.contentType,
      ...(hostStyle ? { host: `${bucket}.oss-cn-hangzhou.aliyuncs.com` } : {}),
    },
    body: form.body,
  });
}

export const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();

export const png = (size = 10): FilePart => ({ filename: 'me.png', contentType: 'image/png', data: randomBytes(size) });

export const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8').toString('base64');

/** V1 fields from ali-oss's own calculatePostSignature. */
export function v1Fields(oss: OssEmulator, creds: Creds, policy: object): Field[] {
  const client = ossClient(oss, creds) as unknown as {
    calculatePostSignature(p: object): { OSSAccessKeyId: string; Signature: string; policy: string };
  };
  const signed = client.calculatePostSignature(policy);
  return [
    ['OSSAccessKeyId', signed.OSSAccessKeyId],
    ['policy', signed.policy],
    ['Signature', signed.Signature],
    ['x-oss-security-token', creds.securityToken],
  ];
}

/** The V4 signature fields a form carries (and, by default, its policy pins). */
export function v4Base(creds: Creds, date = new Date()): Record<string, string> {
  const iso = date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return {
    'x-oss-credential': `${creds.accessKeyId}/${iso.slice(0, 8)}/cn-hangzhou/oss/aliyun_v4_request`,
    'x-oss-date': iso,
    'x-oss-signature-version': 'OSS4-HMAC-SHA256',
    'x-oss-security-token': creds.securityToken,
  };
}

/** V4 fields as the ali-oss README builds them, signed by ali-oss's signPostObjectPolicyV4. */
export function v4Fields(oss: OssEmulator, creds: Creds, conditions: (base: Record<string, string>) => object, date = new Date()): Field[] {
  const client = ossClient(oss, creds) as unknown as { signPostObjectPolicyV4(p: object, d: Date): string };
  const base = v4Base(creds, date);
  const policy = conditions(base);
  return [...Object.entries(base), ['policy', b64(policy)], ['x-oss-signature', client.signPostObjectPolicyV4(policy, date)]];
}

/** Every V4 signature field pinned as a simple condition, as ali-oss's README example does. */
export const pinned = (base: Record<string, string>) => Object.entries(base).map(([k, v]) => ({ [k]: v }));

/** `<EC>` of an XML error body (OSS's detailed error code). */
export function xmlEc(body: string): string | undefined {
  return /<EC>([^<]*)<\/EC>/.exec(body)?.[1];
}
