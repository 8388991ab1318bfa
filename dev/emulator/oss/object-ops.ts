/**
 * PutObject, GetObject, HeadObject, GetObjectMeta, DeleteObject (https://github.com/ali-sdk/ali-oss/blob/master/lib/common/signUtils.js). ETag = quoted upper-case hex MD5 of the body;
 * a `Content-MD5` header, when sent, must match the body (InvalidDigest). `x-oss-forbid-overwrite: true` refuses
 * to replace an existing key (FileAlreadyExists), on PutObject as a header and on PostObject as a form field.
 * `x-oss-server-side-encryption` (and its key id) is recorded with the object and answered on GET and HEAD
 * (encryption.ts).
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { encryptionHeaders, requestedEncryption } from './encryption.js';
import { md5Etag, type ObjectMeta, type ObjectStore } from './object-store.js';
import { ERRORS, ossError } from './oss-error.js';
import type { Reply } from './respond.js';
import { headerText } from './signature-v1.js';

/** Request headers kept with the object and returned on GET/HEAD. */
const KEPT = ['cache-control', 'content-disposition', 'content-encoding', 'expires'];

export function storedHeaders(headers: IncomingHttpHeaders | Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') continue;
    const lower = name.toLowerCase();
    if (lower.startsWith('x-oss-meta-') || KEPT.includes(lower)) out[lower] = headerText(value);
  }
  return out;
}

export function checkContentMd5(header: string | string[] | undefined, body: Buffer): void {
  if (header === undefined) return;
  const actual = createHash('md5').update(body).digest('base64');
  if (String(header).trim() !== actual) throw ossError(ERRORS.badDigest);
}

/**
 * `x-oss-forbid-overwrite` is `true` or `false`, anything else is InvalidArgument
 * (https://help.aliyun.com/en/oss/user-guide/0017-00000279, and 0006-00000117 for the PostObject field).
 */
export function checkForbidOverwrite(store: ObjectStore, bucket: string, key: string, value: string | string[] | undefined): void {
  if (value === undefined) return;
  const text = String(value).trim().toLowerCase();
  if (text !== 'true' && text !== 'false') {
    throw ossError(ERRORS.invalidArgument, {}, 'The value of x-oss-forbid-overwrite must be true or false.');
  }
  if (text === 'true' && store.head(bucket, key) !== undefined) throw ossError(ERRORS.fileAlreadyExists);
}

export function putObject(
  store: ObjectStore,
  bucket: string,
  key: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
  nowMs: number,
): Reply {
  checkContentMd5(headers['content-md5'], body);
  const encryption = requestedEncryption((name) => headers[name]);
  checkForbidOverwrite(store, bucket, key, headers['x-oss-forbid-overwrite']);
  const etag = md5Etag(body);
  store.put(bucket, {
    key,
    body,
    size: body.length,
    etag,
    contentType: headers['content-type'] ?? 'application/octet-stream',
    lastModified: nowMs,
    type: 'Normal',
    headers: storedHeaders(headers),
    encryption,
  });
  return {
    status: 200,
    headers: { etag, 'content-md5': createHash('md5').update(body).digest('base64'), ...encryptionHeaders(encryption) },
  };
}

function objectHeaders(meta: ObjectMeta): Record<string, string> {
  return {
    'content-type': meta.contentType,
    etag: meta.etag,
    'last-modified': new Date(meta.lastModified).toUTCString(),
    'accept-ranges': 'bytes',
    'x-oss-object-type': meta.type,
    'x-oss-storage-class': 'Standard',
    ...encryptionHeaders(meta.encryption),
    ...meta.headers,
  };
}

export function getObject(store: ObjectStore, bucket: string, key: string): Reply {
  const object = store.get(bucket, key);
  if (!object) throw ossError(ERRORS.noSuchKey, { Key: key });
  return { status: 200, headers: objectHeaders(object), body: object.body };
}

export function headObject(store: ObjectStore, bucket: string, key: string): Reply {
  const meta = store.head(bucket, key);
  if (!meta) throw ossError(ERRORS.noSuchKey, { Key: key });
  return { status: 200, headers: objectHeaders(meta), contentLength: meta.size };
}

/** HEAD `?objectMeta`: only the size, ETag and time (https://www.alibabacloud.com/help/en/oss/developer-reference/getobjectmeta). */
export function getObjectMeta(store: ObjectStore, bucket: string, key: string): Reply {
  const meta = store.head(bucket, key);
  if (!meta) throw ossError(ERRORS.noSuchKey, { Key: key });
  return {
    status: 200,
    headers: { etag: meta.etag, 'last-modified': new Date(meta.lastModified).toUTCString() },
    contentLength: meta.size,
  };
}

/** 204 whether or not the object existed, as OSS answers. */
export function deleteObject(store: ObjectStore, bucket: string, key: string): Reply {
  store.delete(bucket, key);
  return { status: 204 };
}
