/**
 * What the bucket says about an uploaded object: its size, ETag and time, read by the broker itself with
 * GetObjectMeta (`HEAD /<key>?objectMeta`, https://www.alibabacloud.com/help/en/oss/developer-reference/getobjectmeta)
 * through ali-oss, the official client.
 *
 * Why the broker reads it: OSS signs every account's upload callbacks with one key, and the uploader chooses the
 * callback template, so a correctly signed callback may carry any body. The callback only says "look at this grant";
 * the amount recorded is what this read returns.
 *
 * The credential: an STS token of the grant's role whose session policy allows `oss:GetObject` (the action
 * GetObjectMeta needs) on the grant key's own folder only, and nothing else. It never leaves the broker. It is scoped
 * to the folder rather than to the one object so that it can be cached: one AssumeRole per principal and token
 * lifetime, not one per upload against STS's account-wide ~100 calls per second.
 */
import type { TokenCache } from '../cache/index.js';
import { tokenCacheKey } from '../cache/index.js';
import { BrokerError } from '../errors.js';
import type { PolicyDocument } from '../policy/types.js';
import type { StsClient, StsCredentials } from '../sts/types.js';
import { stsOssClient } from './oss-client.js';

/** Where the object is, and which role may read it. */
export interface ObjectTarget {
  roleArn: string;
  externalId?: string | undefined;
  /** Token lifetime of the reader credential (the profile's durationSeconds). */
  durationSeconds: number;
  region: string;
  endpoint: string;
  bucket: string;
  key: string;
}

export interface StoredObject {
  size: number;
  /** Without quotes, as OSS's callback `${etag}` gives it. */
  etag: string;
  /** Epoch ms (whole seconds: Last-Modified is an HTTP date). */
  lastModified: number;
}

export interface ObjectMetaReader {
  /** The object's metadata, or undefined when the bucket has no such object. Other failures throw (503). */
  read(target: ObjectTarget): Promise<StoredObject | undefined>;
}

/** One GetObjectMeta against the bucket; injectable so unit tests need no server. */
export type FetchObjectMeta = (
  target: ObjectTarget,
  credentials: StsCredentials,
  timeoutMs: number,
) => Promise<{ status: number; headers: Record<string, string | undefined> }>;

export interface ObjectMetaReaderDeps {
  sts: StsClient;
  tokenCache: TokenCache;
  /** Per attempt; two attempts and an AssumeRole must fit in OSS's 5 s callback limit. */
  timeoutMs: number;
  /** Attempts per read when the bucket does not answer (a 404 is an answer). */
  attempts: number;
  fetchMeta?: FetchObjectMeta;
}

/** Shows up in ActionTrail as the session that read the object (STS: 2-64 of `[\w.@-]`). */
export const READER_SESSION_NAME = 'osb-callback-reader';

/** `uploads/acme/alice/x.png` → `uploads/acme/alice/`: every key the broker names lies in its principal's folder. */
function folderOf(key: string): string {
  const slash = key.lastIndexOf('/');
  return slash < 0 ? '' : key.slice(0, slash + 1);
}

export function readerPolicy(bucket: string, key: string): PolicyDocument {
  const folder = folderOf(key);
  const resource = folder === '' ? `acs:oss:*:*:${bucket}/${key}` : `acs:oss:*:*:${bucket}/${folder}*`;
  return { Version: '1', Statement: [{ Effect: 'Allow', Action: ['oss:GetObject'], Resource: [resource] }] };
}

const aliOssFetch: FetchObjectMeta = async (target, credentials, timeoutMs) => {
  const client = stsOssClient(target, credentials, timeoutMs);
  // @types/ali-oss does not declare getObjectMeta (ali-oss lib/common/object/getObjectMeta.js).
  const withMeta = client as unknown as {
    getObjectMeta(name: string): Promise<{ status: number; res: { headers: Record<string, string> } }>;
  };
  try {
    const result = await withMeta.getObjectMeta(target.key);
    return { status: result.status, headers: result.res.headers };
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    if (status === 404 || status === 403) return { status, headers: {} };
    throw error;
  }
};

/** Sizes the byte ledger can hold exactly (config schema: below 2^46); anything else is refused before arithmetic. */
const MAX_OBJECT_BYTES = 2 ** 46 - 1;

function parseMeta(headers: Record<string, string | undefined>): StoredObject {
  const length = headers['content-length'] ?? '';
  const etag = (headers.etag ?? '').replace(/^"|"$/g, '');
  const lastModified = Date.parse(headers['last-modified'] ?? '');
  const size = /^\d{1,15}$/.test(length) ? Number(length) : Number.NaN;
  if (!Number.isSafeInteger(size) || size > MAX_OBJECT_BYTES || etag === '' || !Number.isFinite(lastModified)) {
    throw new BrokerError('object_unreadable', 'the bucket answered GetObjectMeta without a usable size, ETag or Last-Modified');
  }
  return { size, etag, lastModified };
}

export function createObjectMetaReader(deps: ObjectMetaReaderDeps): ObjectMetaReader {
  const { sts, tokenCache, timeoutMs, attempts } = deps;
  const fetchMeta = deps.fetchMeta ?? aliOssFetch;

  async function readerToken(target: ObjectTarget): Promise<StsCredentials> {
    const policy = JSON.stringify(readerPolicy(target.bucket, target.key));
    const key = tokenCacheKey({
      purpose: 'callback-reader',
      roleArn: target.roleArn,
      externalId: target.externalId,
      policyJson: policy,
      durationSeconds: target.durationSeconds,
      roleSessionName: READER_SESSION_NAME,
    });
    const issue = () =>
      sts.assumeRole({
        roleArn: target.roleArn,
        roleSessionName: READER_SESSION_NAME,
        policy,
        durationSeconds: target.durationSeconds,
        externalId: target.externalId,
      });
    return (await tokenCache.getOrIssue(key, issue)).credentials;
  }

  return {
    async read(target) {
      const credentials = await readerToken(target);
      let lastError: unknown;
      for (let attempt = 1; attempt <= attempts; attempt += 1) {
        try {
          const { status, headers } = await fetchMeta(target, credentials, timeoutMs);
          if (status === 404) return undefined;
          if (status === 403) {
            throw new BrokerError(
              'object_unreadable',
              "the bucket refused GetObjectMeta: the reading role needs oss:GetObject on the profile's prefix",
            );
          }
          return parseMeta(headers);
        } catch (error) {
          if (error instanceof BrokerError) throw error;
          lastError = error;
        }
      }
      throw new BrokerError('upstream_unavailable', 'the bucket did not answer GetObjectMeta for the uploaded object', {
        retryAfterSeconds: 1,
        cause: lastError,
      });
    },
  };
}
