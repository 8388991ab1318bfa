/**
 * Bucket-policy statements that stop STS tokens already handed out. STS has no revocation call, so a token keeps
 * working until it expires; a Deny in the bucket policy is the one place the storage can refuse it sooner.
 *
 * The condition key is `acs:AccessId`, "the AccessKey ID in the request"
 * (https://www.alibabacloud.com/help/en/oss/user-guide/authorization-syntax-and-elements, condition keys). That it
 * carries a token's `STS.` AccessKeyId is shown by OSS's own example "Require temporary credentials", which matches
 * `STS.*` against it (https://www.alibabacloud.com/help/en/object-storage-service/latest/examples, scenario 12);
 * an exact STS id under StringEquals is not an example Alibaba gives, so it is what we infer, not what they state.
 * `Principal: ["*"]` with a Condition applies to every caller, the bucket owner's own identities included (same
 * page, "How it works"), which is what lets it reach a role session of the owning account.
 *
 * Each statement also carries `DateLessThan acs:CurrentTime <expiry>`: once the last token it names has expired it
 * matches nothing, so a statement nobody cleaned up is inert. `mergeDenyStatements` removes such statements on every
 * change, and keeps every statement of the bucket's own untouched.
 *
 * Statements are ours by their exact shape (Deny, `oss:*`, `*`, this bucket and its objects, exactly those two
 * conditions): OSS bucket policies have no `Sid` to tag them with.
 *
 * Limits (same page, "Quotas and limits"): a bucket's policies total at most 16 KB and each field at most 4095
 * bytes, so ids are grouped, at most MAX_IDS_PER_STATEMENT per statement, and a merge that would pass 16 KB throws
 * BucketPolicyTooLargeError rather than dropping a deny.
 */

/** An STS AccessKeyId the broker handed out, and when its token expires (epoch milliseconds). */
export interface IssuedAccessKey {
  accessKeyId: string;
  expiresAt: number;
}

/** One statement of an OSS bucket policy. Other fields of the bucket's own statements are kept as they are. */
export interface BucketPolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Principal: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
  [element: string]: unknown;
}

export interface BucketPolicyDocument {
  Version: string;
  Statement: BucketPolicyStatement[];
}

export const ACCESS_ID_CONDITION_KEY = 'acs:AccessId';
export const MAX_BUCKET_POLICY_BYTES = 16 * 1024;
/** 64 ids of ~30 characters stay far below the 4095-byte limit of one field. */
export const MAX_IDS_PER_STATEMENT = 64;

export class BucketPolicyTooLargeError extends Error {
  constructor(readonly bytes: number) {
    super(`the bucket policy would be ${bytes} bytes, over the ${MAX_BUCKET_POLICY_BYTES}-byte limit of OSS`);
    this.name = 'BucketPolicyTooLargeError';
  }
}

function resources(bucket: string): string[] {
  return [`acs:oss:*:*:${bucket}`, `acs:oss:*:*:${bucket}/*`];
}

/** `2030-01-01T00:00:00Z`: whole seconds, rounded up so a token is never let through before it expires. */
function isoSeconds(ms: number): string {
  return new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function statement(bucket: string, ids: string[], until: number): BucketPolicyStatement {
  return {
    Effect: 'Deny',
    Action: ['oss:*'],
    Principal: ['*'],
    Resource: resources(bucket),
    Condition: {
      StringEquals: { [ACCESS_ID_CONDITION_KEY]: ids },
      DateLessThan: { 'acs:CurrentTime': isoSeconds(until) },
    },
  };
}

const sameList = (a: unknown, b: readonly string[]) => Array.isArray(a) && a.length === b.length && a.every((x, i) => x === b[i]);

/** The ids and end time of a statement this module made for this bucket, or null for any other statement. */
function ours(s: BucketPolicyStatement, bucket: string): { ids: string[]; until: number } | null {
  if (s.Effect !== 'Deny' || !sameList(s.Action, ['oss:*']) || !sameList(s.Principal, ['*'])) return null;
  if (!sameList(s.Resource, resources(bucket))) return null;
  const extra = Object.keys(s).filter((k) => !['Effect', 'Action', 'Principal', 'Resource', 'Condition'].includes(k));
  const c = s.Condition;
  if (extra.length > 0 || c === undefined || Object.keys(c).sort().join() !== 'DateLessThan,StringEquals') return null;
  const ids = c.StringEquals?.[ACCESS_ID_CONDITION_KEY];
  const until = c.DateLessThan?.['acs:CurrentTime'];
  if (Object.keys(c.StringEquals ?? {}).length !== 1 || Object.keys(c.DateLessThan ?? {}).length !== 1) return null;
  if (!Array.isArray(ids) || typeof until !== 'string' || Number.isNaN(Date.parse(until))) return null;
  return { ids, until: Date.parse(until) };
}

/**
 * The Deny statements for these keys on this bucket, keys that have expired by `now` left out. Sorted by expiry
 * and grouped, each statement ending with the last expiry in its group (a key that expired earlier is refused
 * a little longer, which costs nothing: its token no longer works anyway).
 */
export function denyStatements(bucket: string, keys: readonly IssuedAccessKey[], now: number): BucketPolicyStatement[] {
  const latest = new Map<string, number>();
  for (const k of keys) {
    if (k.expiresAt > now) latest.set(k.accessKeyId, Math.max(latest.get(k.accessKeyId) ?? 0, k.expiresAt));
  }
  const sorted = [...latest].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
  const out: BucketPolicyStatement[] = [];
  for (let i = 0; i < sorted.length; i += MAX_IDS_PER_STATEMENT) {
    const group = sorted.slice(i, i + MAX_IDS_PER_STATEMENT);
    out.push(
      statement(
        bucket,
        group.map(([id]) => id),
        group[group.length - 1]![1],
      ),
    );
  }
  return out;
}

/** The keys the bucket's policy denies through statements of ours (each with its statement's end time). */
export function deniedAccessKeys(policy: BucketPolicyDocument | null, bucket: string): IssuedAccessKey[] {
  return (policy?.Statement ?? []).flatMap((s) => {
    const found = ours(s, bucket);
    return found === null ? [] : found.ids.map((accessKeyId) => ({ accessKeyId, expiresAt: found.until }));
  });
}

function rebuild(policy: BucketPolicyDocument | null, bucket: string, keys: IssuedAccessKey[], now: number): BucketPolicyDocument | null {
  const theirs = (policy?.Statement ?? []).filter((s) => ours(s, bucket) === null);
  const statements = [...theirs, ...denyStatements(bucket, keys, now)];
  if (statements.length === 0) return null;
  const document: BucketPolicyDocument = { Version: policy?.Version ?? '1', Statement: statements };
  const bytes = Buffer.byteLength(JSON.stringify(document), 'utf8');
  if (bytes > MAX_BUCKET_POLICY_BYTES) throw new BucketPolicyTooLargeError(bytes);
  return document;
}

/**
 * The bucket's policy with Deny statements for `keys` added to those already there, expired ones dropped and the
 * bucket's own statements kept. Null when nothing is left: OSS refuses a policy without statements, so the caller
 * deletes the bucket policy instead.
 */
export function mergeDenyStatements(
  policy: BucketPolicyDocument | null,
  bucket: string,
  keys: readonly IssuedAccessKey[],
  now: number,
): BucketPolicyDocument | null {
  return rebuild(policy, bucket, [...deniedAccessKeys(policy, bucket), ...keys], now);
}

/**
 * The bucket's policy without our Deny for `accessKeyIds` (every one of ours when omitted), expired ones dropped
 * too. Null when nothing is left.
 */
export function unmergeDenyStatements(
  policy: BucketPolicyDocument | null,
  bucket: string,
  now: number,
  accessKeyIds?: readonly string[],
): BucketPolicyDocument | null {
  const lifted = accessKeyIds === undefined ? undefined : new Set(accessKeyIds);
  const kept = lifted === undefined ? [] : deniedAccessKeys(policy, bucket).filter((k) => !lifted.has(k.accessKeyId));
  return rebuild(policy, bucket, kept, now);
}
