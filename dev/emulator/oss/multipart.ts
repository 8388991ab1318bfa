/**
 * The multipart set (https://github.com/ali-sdk/ali-oss/blob/master/lib/common/signUtils.js `multipartUpload`): Initiate (`POST ?uploads`), UploadPart (`PUT ?partNumber&uploadId`,
 * ETag header required by ali-oss), Complete (`POST ?uploadId`, XML part list checked in order and by ETag), Abort
 * (`DELETE ?uploadId`, 204) and ListParts (`GET ?uploadId`). Uploads are kept in memory only.
 * Server-side encryption is asked for on Initiate and recorded with the completed object (encryption.ts);
 * `x-oss-forbid-overwrite: true` on Initiate or Complete refuses an existing key
 * (https://www.alibabacloud.com/help/en/oss/user-guide/0042-00000214 for Complete).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { encryptionHeaders, requestedEncryption, type ObjectEncryption } from './encryption.js';
import { checkContentMd5, checkForbidOverwrite, storedHeaders } from './object-ops.js';
import { md5Etag, type ObjectStore } from './object-store.js';
import { ERRORS, ossError } from './oss-error.js';
import { xmlReply, type Reply } from './respond.js';
import { parseCompleteMultipartUpload } from './xml.js';

/** Every part but the last must be at least 100 KiB (ali-oss minimum part size, https://github.com/ali-sdk/ali-oss/blob/master/lib/common/signUtils.js). */
const MIN_PART_BYTES = 100 * 1024;
const MAX_PART_NUMBER = 10000;

interface Part {
  body: Buffer;
  etag: string;
  lastModified: number;
}

interface Upload {
  bucket: string;
  key: string;
  contentType: string;
  headers: Record<string, string>;
  encryption: ObjectEncryption | undefined;
  initiated: number;
  parts: Map<number, Part>;
}

export class MultipartUploads {
  private readonly uploads = new Map<string, Upload>();

  constructor(private readonly store: ObjectStore) {}

  private find(bucket: string, key: string, uploadId: string | undefined): Upload {
    const upload = uploadId === undefined ? undefined : this.uploads.get(uploadId);
    if (!upload || upload.bucket !== bucket || upload.key !== key) throw ossError(ERRORS.noSuchUpload, { UploadId: uploadId ?? '' });
    return upload;
  }

  initiate(bucket: string, key: string, headers: IncomingHttpHeaders, nowMs: number): Reply {
    const encryption = requestedEncryption((name) => headers[name]);
    checkForbidOverwrite(this.store, bucket, key, headers['x-oss-forbid-overwrite']);
    const uploadId = randomBytes(16).toString('hex').toUpperCase();
    this.uploads.set(uploadId, {
      bucket,
      key,
      contentType: headers['content-type'] ?? 'application/octet-stream',
      headers: storedHeaders(headers),
      encryption,
      initiated: nowMs,
      parts: new Map(),
    });
    return xmlReply('InitiateMultipartUploadResult', { Bucket: bucket, Key: key, UploadId: uploadId }, 200, encryptionHeaders(encryption));
  }

  uploadPart(bucket: string, key: string, q: Map<string, string>, headers: IncomingHttpHeaders, body: Buffer, nowMs: number): Reply {
    const upload = this.find(bucket, key, q.get('uploadId'));
    const raw = q.get('partNumber') ?? '';
    const partNumber = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
    if (!(partNumber >= 1 && partNumber <= MAX_PART_NUMBER)) {
      throw ossError(
        ERRORS.invalidArgument,
        { ArgumentName: 'partNumber', ArgumentValue: raw },
        'Part number must be an integer between 1 and 10000, inclusive.',
      );
    }
    checkContentMd5(headers['content-md5'], body);
    const etag = md5Etag(body);
    upload.parts.set(partNumber, { body, etag, lastModified: nowMs });
    return { status: 200, headers: { etag } };
  }

  complete(bucket: string, key: string, q: Map<string, string>, headers: IncomingHttpHeaders, body: Buffer, nowMs: number): Reply {
    const uploadId = q.get('uploadId');
    const upload = this.find(bucket, key, uploadId);
    checkForbidOverwrite(this.store, bucket, key, headers['x-oss-forbid-overwrite']);
    const listed = parseCompleteMultipartUpload(body.toString('utf8'));
    if (!listed) throw ossError(ERRORS.malformedXml);
    const chosen: Part[] = [];
    listed.forEach((item, i) => {
      const previous = listed[i - 1];
      if (previous && item.partNumber <= previous.partNumber) throw ossError(ERRORS.invalidPartOrder);
      const part = upload.parts.get(item.partNumber);
      const norm = (t: string) => t.replace(/"/g, '').toUpperCase();
      if (!part || norm(part.etag) !== norm(item.etag)) {
        throw ossError(ERRORS.invalidPart, { PartNumber: String(item.partNumber), ETag: item.etag });
      }
      chosen.push(part);
    });
    chosen.slice(0, -1).forEach((part, i) => {
      if (part.body.length < MIN_PART_BYTES) {
        throw ossError(ERRORS.entityTooSmall, { PartNumber: String(listed[i]?.partNumber ?? ''), MinSizeAllowed: String(MIN_PART_BYTES) });
      }
    });
    const whole = Buffer.concat(chosen.map((p) => p.body));
    const md5s = Buffer.concat(chosen.map((p) => Buffer.from(p.etag.replace(/"/g, ''), 'hex')));
    const etag = `"${createHash('md5').update(md5s).digest('hex').toUpperCase()}-${chosen.length}"`;
    this.store.put(bucket, {
      key,
      body: whole,
      size: whole.length,
      etag,
      contentType: upload.contentType,
      lastModified: nowMs,
      type: 'Multipart',
      headers: upload.headers,
      encryption: upload.encryption,
    });
    this.uploads.delete(uploadId as string);
    return xmlReply(
      'CompleteMultipartUploadResult',
      {
        Location: `/${bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}`,
        Bucket: bucket,
        Key: key,
        ETag: etag,
      },
      200,
      encryptionHeaders(upload.encryption),
    );
  }

  abort(bucket: string, key: string, q: Map<string, string>): Reply {
    this.find(bucket, key, q.get('uploadId'));
    this.uploads.delete(q.get('uploadId') as string);
    return { status: 204 };
  }

  listParts(bucket: string, key: string, q: Map<string, string>): Reply {
    const uploadId = q.get('uploadId') as string;
    const upload = this.find(bucket, key, uploadId);
    const marker = Number(q.get('part-number-marker') ?? 0) || 0;
    const maxParts = Math.min(Math.max(Number(q.get('max-parts') ?? 1000) || 1000, 1), 1000);
    const numbers = [...upload.parts.keys()].filter((n) => n > marker).sort((a, b) => a - b);
    const shown = numbers.slice(0, maxParts);
    return xmlReply('ListPartsResult', {
      Bucket: bucket,
      Key: key,
      UploadId: uploadId,
      PartNumberMarker: marker,
      NextPartNumberMarker: shown.at(-1) ?? marker,
      MaxParts: maxParts,
      IsTruncated: numbers.length > shown.length,
      Part: shown.map((n) => {
        const part = upload.parts.get(n) as Part;
        return { PartNumber: n, LastModified: new Date(part.lastModified).toISOString(), ETag: part.etag, Size: part.body.length };
      }),
    });
  }
}
