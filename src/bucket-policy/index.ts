/**
 * bucket-policy/: OSS bucket-policy Deny statements that stop STS tokens the broker already handed out, by their
 * AccessKeyId (`acs:AccessId`), until they expire.
 *
 * - denyStatements / mergeDenyStatements / unmergeDenyStatements   pure: the statements, added to or removed from
 *                                                                  a bucket's policy, its own statements kept
 * - applyDenyStatements / removeDenyStatements                    the same through ali-oss Get/Put/DeleteBucketPolicy
 */
export {
  ACCESS_ID_CONDITION_KEY,
  BucketPolicyTooLargeError,
  deniedAccessKeys,
  denyStatements,
  MAX_BUCKET_POLICY_BYTES,
  MAX_IDS_PER_STATEMENT,
  mergeDenyStatements,
  unmergeDenyStatements,
  type BucketPolicyDocument,
  type BucketPolicyStatement,
  type IssuedAccessKey,
} from './deny-access-keys.js';
export {
  applyDenyStatements,
  BucketPolicyReadError,
  readBucketPolicy,
  removeDenyStatements,
  type BucketPolicyClient,
} from './apply.js';
