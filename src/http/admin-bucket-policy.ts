/**
 * The admin API's bucket-policy step for a revocation: the OSS Deny statements (bucket-policy/) for the AccessKeyIds
 * a revoked principal still holds, grouped by the bucket of the profile each token was issued for; produced without
 * any cloud call, and applied or removed with an identity of its own.
 *
 * That identity is `admin.bucketPolicy.roleArn`, assumed through the broker's STS client (the default credential
 * chain, RRSA on ACK) with a session policy that allows oss:GetBucketPolicy, oss:PutBucketPolicy and
 * oss:DeleteBucketPolicy on the profiles' buckets and nothing else. The upload roles never get these actions: a
 * token they vend must not be able to edit the policy that stops it.
 *
 * OSS has no conditional PutBucketPolicy (no ETag or If-Match on `?policy`,
 * https://www.alibabacloud.com/help/en/oss/developer-reference/putbucketpolicy), so the read-merge-write of one
 * bucket runs under a lock in the shared store, one writer across all replicas at a time. Statements written by
 * anyone else (the bucket owner's, by hand) between our read and write would still be lost: the lock orders the
 * broker's writers only.
 */
import { randomBytes } from 'node:crypto';
import {
  applyDenyStatements,
  BucketPolicyReadError,
  BucketPolicyTooLargeError,
  denyStatements,
  removeDenyStatements,
  type BucketPolicyClient,
  type BucketPolicyStatement,
  type IssuedAccessKey,
} from '../bucket-policy/index.js';
import type { BrokerConfig } from '../config/schema.js';
import { BrokerError } from '../errors.js';
import type { HandedOutToken } from '../revocation/index.js';
import type { Clock } from '../shared/clock.js';
import type { KeyValueStore } from '../store/index.js';
import type { StsClient } from '../sts/types.js';
import { stsOssClient, type OssCredentials, type OssTarget } from '../uploads/oss-client.js';

/** Shows up in ActionTrail as the session that edited the bucket policy (STS: 2-64 of `[\w.@-]`). */
export const BUCKET_POLICY_SESSION_NAME = 'osb-bucket-policy-admin';
/** Longer than one read-merge-write can take (two ali-oss calls of OSS_TIMEOUT_MS each, plus AssumeRole). */
const LOCK_TTL_MS = 60_000;
const LOCK_WAIT_MS = 10_000;
const LOCK_POLL_MS = 100;
const OSS_TIMEOUT_MS = 10_000;

export interface BucketDeny {
  bucket: string;
  accessKeys: IssuedAccessKey[];
}

export interface BucketPolicyPlan {
  buckets: { bucket: string; statements: BucketPolicyStatement[] }[];
  /** Tokens whose profile is no longer configured: their bucket is unknown, so nothing denies them here. */
  unknownProfiles: string[];
}

export interface BucketPolicyAdmin {
  /** The Deny statements per bucket for these tokens; no cloud call. */
  plan(tokens: readonly HandedOutToken[]): BucketPolicyPlan;
  /** Merges the Deny for these tokens into each bucket's policy; returns the ids denied per bucket. */
  apply(tokens: readonly HandedOutToken[]): Promise<{ bucket: string; accessKeyIds: string[] }[]>;
  /** Removes the Deny for these tokens' ids from each bucket's policy. */
  remove(tokens: readonly HandedOutToken[]): Promise<{ bucket: string; accessKeyIds: string[] }[]>;
}

export interface BucketPolicyAdminDeps {
  config: Readonly<BrokerConfig>;
  sts: StsClient;
  store: KeyValueStore;
  clock: Clock;
  /** An ali-oss client for the bucket with these credentials; default: ali-oss against the profile's endpoint. */
  client?: (target: OssTarget, credentials: OssCredentials) => BucketPolicyClient;
}

function aliOssClient(target: OssTarget, credentials: OssCredentials): BucketPolicyClient {
  return stsOssClient(target, credentials, OSS_TIMEOUT_MS);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createBucketPolicyAdmin(deps: BucketPolicyAdminDeps): BucketPolicyAdmin {
  const { config, sts, store, clock } = deps;
  const makeClient = deps.client ?? aliOssClient;
  const buckets = [...new Set(Object.values(config.profiles).map((p) => p.bucket))].sort();

  /** Where each bucket is reached: the first profile naming it (profiles of one bucket share its endpoint). */
  function location(bucket: string): { bucket: string; region: string; endpoint: string } {
    const profile = Object.values(config.profiles).find((p) => p.bucket === bucket)!;
    // The same default as the credential responses (rules/apply-profile.ts profileEndpoint).
    return { bucket, region: profile.region, endpoint: profile.endpoint ?? `https://oss-${profile.region}.aliyuncs.com` };
  }

  function group(tokens: readonly HandedOutToken[]): { byBucket: BucketDeny[]; unknownProfiles: string[] } {
    const byBucket = new Map<string, IssuedAccessKey[]>();
    const unknown = new Set<string>();
    for (const token of tokens) {
      const bucket = config.profiles[token.profile]?.bucket;
      if (bucket === undefined) {
        unknown.add(token.profile);
        continue;
      }
      byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), { accessKeyId: token.accessKeyId, expiresAt: Date.parse(token.expiration) }]);
    }
    return {
      byBucket: [...byBucket].sort(([a], [b]) => (a < b ? -1 : 1)).map(([bucket, accessKeys]) => ({ bucket, accessKeys })),
      unknownProfiles: [...unknown].sort(),
    };
  }

  async function adminCredentials(): Promise<OssCredentials> {
    const settings = config.admin.bucketPolicy;
    if (settings === undefined) {
      throw new BrokerError('bucket_policy_not_configured', 'set admin.bucketPolicy.roleArn to apply bucket policies');
    }
    const policy = {
      Version: '1',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['oss:GetBucketPolicy', 'oss:PutBucketPolicy', 'oss:DeleteBucketPolicy'],
          Resource: buckets.map((b) => `acs:oss:*:*:${b}`),
        },
      ],
    };
    return sts.assumeRole({
      roleArn: settings.roleArn,
      externalId: settings.externalId,
      roleSessionName: BUCKET_POLICY_SESSION_NAME,
      policy: JSON.stringify(policy),
      durationSeconds: settings.durationSeconds,
    });
  }

  /** Runs `work` holding the bucket's lock; 503 when another replica holds it past LOCK_WAIT_MS. */
  async function locked<T>(bucket: string, work: () => Promise<T>): Promise<T> {
    const key = `bucket-policy-lock:${bucket}`;
    const owner = randomBytes(16).toString('base64url');
    const deadline = clock.now() + LOCK_WAIT_MS;
    while (!(await store.set(key, owner, LOCK_TTL_MS, { onlyIfAbsent: true }))) {
      if (clock.now() >= deadline) {
        throw new BrokerError('bucket_policy_busy', `another admin call is changing the policy of ${bucket}`, { retryAfterSeconds: 5 });
      }
      await sleep(LOCK_POLL_MS);
    }
    try {
      return await work();
    } finally {
      await store.deleteIfEquals(key, owner).catch(() => undefined);
    }
  }

  /** The problem an OSS failure becomes; the bucket's own answer is kept as the cause (logged, never shown). */
  function asProblem(bucket: string, error: unknown): BrokerError {
    if (error instanceof BrokerError) return error;
    if (error instanceof BucketPolicyTooLargeError) {
      return new BrokerError('bucket_policy_too_large', `${error.message} (bucket ${bucket})`, { cause: error });
    }
    if (error instanceof BucketPolicyReadError) {
      return new BrokerError('bucket_policy_unavailable', `could not read the policy of ${bucket} (HTTP ${error.status})`, {
        cause: error,
      });
    }
    const code = (error as { code?: unknown }).code;
    const detail = typeof code === 'string' && /^\w{1,64}$/.test(code) ? ` (${code})` : '';
    return new BrokerError('bucket_policy_unavailable', `could not write the policy of ${bucket}${detail}`, { cause: error });
  }

  async function each(
    tokens: readonly HandedOutToken[],
    change: (client: BucketPolicyClient, deny: BucketDeny) => Promise<unknown>,
  ): Promise<{ bucket: string; accessKeyIds: string[] }[]> {
    const now = clock.now();
    const live = group(tokens).byBucket.map((d) => ({ ...d, accessKeys: d.accessKeys.filter((k) => k.expiresAt > now) }));
    const todo = live.filter((d) => d.accessKeys.length > 0);
    if (todo.length === 0) return [];
    const credentials = await adminCredentials();
    const done: { bucket: string; accessKeyIds: string[] }[] = [];
    for (const deny of todo) {
      try {
        await locked(deny.bucket, () => change(makeClient(location(deny.bucket), credentials), deny));
      } catch (error) {
        throw asProblem(deny.bucket, error);
      }
      done.push({ bucket: deny.bucket, accessKeyIds: [...new Set(deny.accessKeys.map((k) => k.accessKeyId))] });
    }
    return done;
  }

  return {
    plan(tokens) {
      const now = clock.now();
      const { byBucket, unknownProfiles } = group(tokens);
      return {
        buckets: byBucket
          .map(({ bucket, accessKeys }) => ({ bucket, statements: denyStatements(bucket, accessKeys, now) }))
          .filter((b) => b.statements.length > 0),
        unknownProfiles,
      };
    },
    apply: (tokens) => each(tokens, (client, deny) => applyDenyStatements(client, deny.bucket, deny.accessKeys, clock.now())),
    remove: (tokens) =>
      each(tokens, (client, deny) =>
        removeDenyStatements(
          client,
          deny.bucket,
          deny.accessKeys.map((k) => k.accessKeyId),
          clock.now(),
        ),
      ),
  };
}
