/**
 * ListObjects (GetBucket) v1 and v2: `ListBucketResult` with prefix, delimiter/CommonPrefixes, marker or
 * continuation-token/start-after, max-keys (https://github.com/ali-sdk/ali-oss/blob/master/lib/common/signUtils.js `list`, `listV2`). Every v1 `Contents` carries
 * `Owner{ID,DisplayName}` because ali-oss dereferences it; v2 only with `fetch-owner=true`, as OSS does.
 */
import type { ObjectStore } from './object-store.js';
import { ERRORS, ossError } from './oss-error.js';
import { xmlReply, type Reply } from './respond.js';
import type { XmlNode } from './xml.js';

const OWNER = { ID: '1234567890123456', DisplayName: '1234567890123456' };

interface ListParams {
  prefix: string;
  delimiter: string;
  maxKeys: number;
  /** Exclusive lower bound: v1 marker, v2 start-after or the decoded continuation token. */
  after: string;
}

function maxKeys(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 100;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 1000) {
    throw ossError(
      ERRORS.invalidArgument,
      { ArgumentName: 'max-keys', ArgumentValue: raw },
      'Argument max-keys must be an integer between 1 and 1000.',
    );
  }
  return Number(raw);
}

interface Page {
  contents: string[];
  prefixes: string[];
  truncated: boolean;
  /** The last key or common prefix returned, when truncated. */
  next: string | undefined;
}

function page(store: ObjectStore, bucket: string, p: ListParams): Page {
  const contents: string[] = [];
  const prefixes: string[] = [];
  let last: string | undefined;
  for (const key of store.keys(bucket, p.prefix)) {
    if (Buffer.compare(Buffer.from(key), Buffer.from(p.after)) <= 0) continue;
    let entry = key;
    let isPrefix = false;
    if (p.delimiter !== '') {
      const at = key.indexOf(p.delimiter, p.prefix.length);
      if (at >= 0) {
        entry = key.slice(0, at + p.delimiter.length);
        isPrefix = true;
        // This common prefix was returned on an earlier page (the marker points at or past it).
        if (Buffer.compare(Buffer.from(entry), Buffer.from(p.after)) <= 0) continue;
        if (prefixes.at(-1) === entry) continue;
      }
    }
    if (contents.length + prefixes.length === p.maxKeys) return { contents, prefixes, truncated: true, next: last };
    (isPrefix ? prefixes : contents).push(entry);
    last = entry;
  }
  return { contents, prefixes, truncated: false, next: undefined };
}

function contentsXml(store: ObjectStore, bucket: string, keys: string[], withOwner: boolean): XmlNode[] {
  return keys.map((key) => {
    const meta = store.head(bucket, key);
    return {
      Key: key,
      LastModified: new Date(meta?.lastModified ?? 0).toISOString(),
      ETag: meta?.etag ?? '',
      Type: meta?.type ?? 'Normal',
      Size: meta?.size ?? 0,
      StorageClass: 'Standard',
      Owner: withOwner ? OWNER : undefined,
    };
  });
}

export function listObjectsV1(store: ObjectStore, bucket: string, q: Map<string, string>): Reply {
  const p: ListParams = {
    prefix: q.get('prefix') ?? '',
    delimiter: q.get('delimiter') ?? '',
    maxKeys: maxKeys(q.get('max-keys')),
    after: q.get('marker') ?? '',
  };
  const r = page(store, bucket, p);
  return xmlReply('ListBucketResult', {
    Name: bucket,
    Prefix: p.prefix,
    Marker: p.after,
    MaxKeys: p.maxKeys,
    Delimiter: p.delimiter,
    IsTruncated: r.truncated,
    NextMarker: r.truncated ? r.next : undefined,
    Contents: contentsXml(store, bucket, r.contents, true),
    CommonPrefixes: r.prefixes.map((Prefix) => ({ Prefix })),
  });
}

export function listObjectsV2(store: ObjectStore, bucket: string, q: Map<string, string>): Reply {
  const token = q.get('continuation-token');
  let after = q.get('start-after') ?? '';
  if (token !== undefined && token !== '') {
    const decoded = Buffer.from(token, 'base64url').toString('utf8');
    if (Buffer.from(decoded, 'utf8').toString('base64url') !== token) {
      throw ossError(ERRORS.invalidArgument, { ArgumentName: 'continuation-token' }, 'The continuation token provided is incorrect.');
    }
    after = decoded;
  }
  const p: ListParams = {
    prefix: q.get('prefix') ?? '',
    delimiter: q.get('delimiter') ?? '',
    maxKeys: maxKeys(q.get('max-keys')),
    after,
  };
  const r = page(store, bucket, p);
  return xmlReply('ListBucketResult', {
    Name: bucket,
    Prefix: p.prefix,
    StartAfter: q.get('start-after'),
    ContinuationToken: token,
    MaxKeys: p.maxKeys,
    Delimiter: p.delimiter,
    IsTruncated: r.truncated,
    NextContinuationToken: r.truncated && r.next !== undefined ? Buffer.from(r.next, 'utf8').toString('base64url') : undefined,
    KeyCount: r.contents.length + r.prefixes.length,
    Contents: contentsXml(store, bucket, r.contents, q.get('fetch-owner') === 'true'),
    CommonPrefixes: r.prefixes.map((Prefix) => ({ Prefix })),
  });
}
