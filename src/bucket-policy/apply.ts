/**
 * Applies the Deny statements of deny-access-keys.ts to a bucket with ali-oss: GetBucketPolicy, merge, then
 * PutBucketPolicy (or DeleteBucketPolicy when nothing is left). `client` must act as an identity allowed
 * oss:GetBucketPolicy, oss:PutBucketPolicy and oss:DeleteBucketPolicy on the bucket, configured apart from the
 * upload roles (an upload token must never be able to edit the policy that stops it).
 *
 * OSS offers no conditional PutBucketPolicy (no ETag or If-Match on `?policy`), so two writers racing can lose one
 * another's statements: call these from one place at a time (e.g. under a lock in the shared store).
 */
import type OSS from 'ali-oss';
import { mergeDenyStatements, unmergeDenyStatements, type BucketPolicyDocument, type IssuedAccessKey } from './deny-access-keys.js';

/** The subset of an ali-oss client these functions call (tests may pass the real client only). */
export type BucketPolicyClient = Pick<OSS, 'getBucketPolicy' | 'putBucketPolicy' | 'deleteBucketPolicy'>;

/**
 * The bucket's policy, or null when it has none (404 `NoSuchBucketPolicy`,
 * https://www.alibabacloud.com/help/doc-detail/154887.htm). ali-oss 6.x getBucketPolicy does not throw on an error
 * status (it sets its success statuses only after the request), so the status is checked here: read as "no
 * policy", a 403 would have the next PutBucketPolicy overwrite the bucket owner's statements.
 */
export async function readBucketPolicy(client: BucketPolicyClient, bucket: string): Promise<BucketPolicyDocument | null> {
  const result = await client.getBucketPolicy(bucket);
  if (result.status === 200 && result.policy !== null) return result.policy as unknown as BucketPolicyDocument;
  if (result.status === 404) return null;
  throw new BucketPolicyReadError(bucket, result.status);
}

export class BucketPolicyReadError extends Error {
  constructor(
    readonly bucket: string,
    readonly status: number,
  ) {
    super(`GetBucketPolicy on ${bucket} answered HTTP ${status}`);
    this.name = 'BucketPolicyReadError';
  }
}

async function write(client: BucketPolicyClient, bucket: string, before: BucketPolicyDocument | null, after: BucketPolicyDocument | null) {
  if (after !== null) await client.putBucketPolicy(bucket, after as unknown as OSS.BucketPolicy);
  else if (before !== null) await client.deleteBucketPolicy(bucket);
  return after;
}

/** Adds Deny statements for `accessKeys` to the bucket's policy (dropping expired ones); returns what was written. */
export async function applyDenyStatements(
  client: BucketPolicyClient,
  bucket: string,
  accessKeys: readonly IssuedAccessKey[],
  now: number = Date.now(),
): Promise<BucketPolicyDocument | null> {
  const before = await readBucketPolicy(client, bucket);
  return write(client, bucket, before, mergeDenyStatements(before, bucket, accessKeys, now));
}

/** Removes the Deny for `accessKeyIds` (all of ours when omitted) and expired ones; returns what was written. */
export async function removeDenyStatements(
  client: BucketPolicyClient,
  bucket: string,
  accessKeyIds?: readonly string[],
  now: number = Date.now(),
): Promise<BucketPolicyDocument | null> {
  const before = await readBucketPolicy(client, bucket);
  return write(client, bucket, before, unmergeDenyStatements(before, bucket, now, accessKeyIds));
}
