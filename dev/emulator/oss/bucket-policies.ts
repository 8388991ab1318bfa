/**
 * GetBucketPolicy / PutBucketPolicy / DeleteBucketPolicy (`?policy` on the bucket,
 * https://www.alibabacloud.com/help/doc-detail/154887.htm): one policy per bucket, stored as sent and parsed once.
 * Who may call them is decided like any other request, by RAM authorization of the caller's token
 * (`oss:GetBucketPolicy`, `oss:PutBucketPolicy`, `oss:DeleteBucketPolicy` on the bucket ARN), so an admin role is one
 * whose policy grants these actions and an upload token, whose session policy never does, is refused.
 */
import { parseBucketPolicy, PolicyGrammarError, type ParsedBucketPolicy } from '../policy/index.js';
import { ERRORS, ossError } from './oss-error.js';
import type { Reply } from './respond.js';

/**
 * The total size of a bucket's policies is capped at 16 KB
 * (https://www.alibabacloud.com/help/en/object-storage-service/latest/examples "Quotas and limits").
 */
export const MAX_BUCKET_POLICY_BYTES = 16 * 1024;

interface StoredPolicy {
  text: string;
  parsed: ParsedBucketPolicy;
}

export class BucketPolicies {
  private readonly byBucket = new Map<string, StoredPolicy>();

  /** The parsed policy that authorization evaluates, if the bucket has one. */
  parsed(bucket: string): ParsedBucketPolicy | undefined {
    return this.byBucket.get(bucket)?.parsed;
  }

  get(bucket: string): Reply {
    const stored = this.byBucket.get(bucket);
    if (stored === undefined) throw ossError(ERRORS.noSuchBucketPolicy, { BucketName: bucket });
    return { status: 200, headers: { 'content-type': 'application/json' }, body: stored.text };
  }

  put(bucket: string, body: Buffer): Reply {
    if (body.length > MAX_BUCKET_POLICY_BYTES) {
      throw ossError(ERRORS.invalidBucketPolicy, {}, `The policy is larger than ${MAX_BUCKET_POLICY_BYTES} bytes.`);
    }
    const text = body.toString('utf8');
    let parsed: ParsedBucketPolicy;
    try {
      parsed = parseBucketPolicy(JSON.parse(text));
    } catch (error) {
      const reason = error instanceof PolicyGrammarError ? error.message : 'not valid JSON';
      throw ossError(ERRORS.invalidBucketPolicy, {}, `The policy is invalid: ${reason}`);
    }
    this.byBucket.set(bucket, { text, parsed });
    return { status: 200 };
  }

  delete(bucket: string): Reply {
    this.byBucket.delete(bucket);
    return { status: 204 };
  }
}
