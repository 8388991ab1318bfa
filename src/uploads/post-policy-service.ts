/**
 * POST /v1/post-policy as a list of named steps: profile (opt-in) → every file rule and exact keys → credential
 * quota → byte reservation → the caller's form-signing token → one signed form per file.
 *
 * The signing token is the caller's own prefix-scoped PutObject token, cached apart from every token
 * /v1/credentials returns, so many form requests share one AssumeRole. Its AccessKeySecret never leaves the broker:
 * the client gets only the signed form, whose policy pins bucket, exact key, size, type and callback, and the form
 * expires no later than the token.
 * No HTTP here: the route hands in an authenticated principal and a validated request.
 */
import type { Principal } from '../auth/principal.js';
import { profilePaths, type BrokerConfig, type ProfileConfig } from '../config/schema.js';
import { auditPrincipal, type AuditSink } from '../audit/audit.js';
import type { TokenCache } from '../cache/index.js';
import { findProfile, formSigningGrant } from '../profiles/index.js';
import { createSessionPreparer } from '../credentials/prepare-grant.js';
import type { RequestContext } from '../credentials/credential-service.js';
import { takeQuotas } from '../quotas/index.js';
import { assertThat } from '../errors.js';
import { applyProfile, normalizeContentType, type Grant } from '../rules/index.js';
import { isoSeconds, type Clock } from '../shared/clock.js';
import type { QuotaCounter } from '../quotas/index.js';
import type { StsClient, StsCredentials } from '../sts/types.js';
import type { ByteQuota } from '../quotas/index.js';
import { buildCallbackParam } from './callback-param.js';
import { formUrl } from './form-url.js';
import { CALLBACK_GRACE_MS, POST_OBJECT_MAX_BYTES } from './limits.js';
import { buildPostPolicy } from './post-policy-document.js';
import type { PostPolicyRequest } from './post-policy-request.js';
import { isoBasic, POST_V4_ALGORITHM, signPostPolicyV4, v4Credential } from './post-signature-v4.js';
import type { GrantSealer } from './upload-grant.js';

export interface FormUpload {
  name: string;
  url: string;
  key: string;
  maxSizeBytes: number;
  /** Posted in this order, the file last. */
  fields: Record<string, string>;
}

export interface PostPolicyResponse {
  expiration: string;
  serverTime: string;
  uploads: FormUpload[];
}

export interface PostPolicyService {
  handle(principal: Principal, request: PostPolicyRequest, context: RequestContext): Promise<PostPolicyResponse>;
}

export interface PostPolicyServiceDeps {
  config: Readonly<BrokerConfig>;
  sts: StsClient;
  tokenCache: TokenCache;
  quota: QuotaCounter;
  bytes: ByteQuota;
  /** Present when `uploads.grantKey` is configured (required for profiles with a callback). */
  grants: GrantSealer | undefined;
  audit: AuditSink;
  clock: Clock;
}

export function createPostPolicyService(deps: PostPolicyServiceDeps): PostPolicyService {
  const { config, sts, tokenCache, quota, bytes, grants, audit, clock } = deps;
  const prepareSigning = createSessionPreparer(config, clock, config.cache.l1MaxEntries);

  function enabledProfile(name: string, principal: Principal): ProfileConfig & { postPolicy: NonNullable<ProfileConfig['postPolicy']> } {
    const profile = findProfile(config, name, principal);
    const postPolicy = profile.postPolicy;
    assertThat(
      postPolicy && profilePaths(profile).includes('form'),
      'post_policy_not_enabled',
      `profile "${name}" does not offer signed form uploads; use /v1/credentials`,
    );
    return { ...profile, postPolicy };
  }

  function signingToken(files: Grant) {
    // A token of its own, never the one /v1/credentials returns: its cache entry has the purpose `form-signing`, so
    // no endpoint can ever hand it out, and its policy is PutObject on the caller's prefix only (form-signing.ts).
    // One per principal, not per file: each form pins its own exact key. Derived from the files' grant, so the
    // rules run once per request.
    const { grant, policy, policySha256, cacheKey } = prepareSigning(formSigningGrant(files), 'form-signing');
    const issue = (): Promise<StsCredentials> =>
      sts.assumeRole({
        roleArn: grant.roleArn,
        roleSessionName: grant.roleSessionName,
        policy: policy.json,
        durationSeconds: grant.durationSeconds,
        externalId: grant.externalId,
      });
    return { grant, policySha256, get: () => tokenCache.getOrIssue(cacheKey, issue) };
  }

  return {
    async handle(principal, request, context) {
      const name = request.profile;
      const profile = enabledProfile(name, principal);
      request.files.forEach((file, i) =>
        assertThat(
          file.size <= POST_OBJECT_MAX_BYTES,
          'file_too_large',
          `file #${i + 1} is ${file.size} bytes; a form upload (PostObject) takes at most ${POST_OBJECT_MAX_BYTES}`,
        ),
      );
      // Every file rule of /v1/credentials, plus exact keys whatever the profile's scope: a form is for one key.
      const files = applyProfile({ profileName: name, profile: { ...profile, scope: 'keys' }, principal, files: request.files });
      const keys = files.keys!;
      const signer = signingToken(files);
      const callback = profile.postPolicy.callback;
      assertThat(callback === undefined || grants !== undefined, 'internal', 'uploads.grantKey is missing');

      const now = clock.now();
      const formEnd = now + profile.postPolicy.formLifetimeSeconds * 1000;
      const declared = request.files.map((f) => ({
        bytes: f.size,
        settle: callback ? ('callback' as const) : ('now' as const),
        expiresAt: formEnd + CALLBACK_GRACE_MS,
      }));
      const quotas = await takeQuotas(config, quota, bytes, principal, name, declared);
      const ids = quotas.byteIds;
      let token: StsCredentials;
      let cached: boolean;
      try {
        ({ credentials: token, cached } = await signer.get());
      } catch (error) {
        await quotas.release();
        throw error;
      }

      // Whole seconds, and never past the token: OSS would refuse a form signed by an expired token anyway.
      const expiresAt = Math.floor(Math.min(formEnd, token.expiresAt) / 1000) * 1000;
      const date = isoBasic(now);
      const credential = v4Credential(token.accessKeyId, date.slice(0, 8), profile.region);
      const url = formUrl(files.endpoint, files.bucket);
      const uploads = request.files.map((file, i): FormUpload => {
        const key = keys[i]!;
        const contentType = normalizeContentType(file.contentType);
        const grant =
          callback === undefined
            ? undefined
            : {
                param: buildCallbackParam(callback.url),
                grant: grants!.seal({
                  principal,
                  profile: name,
                  bucket: files.bucket,
                  key,
                  size: file.size,
                  issuedAt: now,
                  expiresAt,
                  id: ids[i]!,
                }),
              };
        const policy = buildPostPolicy({
          bucket: files.bucket,
          key,
          maxSizeBytes: file.size,
          contentType,
          credential,
          date,
          securityToken: token.securityToken,
          callback: grant,
          expiresAt,
        });
        const fields: Record<string, string> = {
          key,
          policy: policy.base64,
          'x-oss-signature-version': POST_V4_ALGORITHM,
          'x-oss-credential': credential,
          'x-oss-date': date,
          'x-oss-signature': signPostPolicyV4(token.accessKeySecret, date.slice(0, 8), profile.region, policy.base64),
          'x-oss-security-token': token.securityToken,
          'Content-Type': contentType,
          success_action_status: '200',
        };
        if (grant !== undefined) {
          fields['x-oss-forbid-overwrite'] = 'true';
          fields.callback = grant.param;
          fields['x:grant'] = grant.grant;
        }
        return { name: file.name, url, key, maxSizeBytes: file.size, fields };
      });

      audit.record({
        event: 'post_policy.issued',
        outcome: cached ? 'cached' : 'issued',
        requestId: context.requestId,
        at: new Date(now).toISOString(),
        principal: auditPrincipal(principal),
        profile: name,
        prefix: files.prefix,
        keys: [...keys],
        policySha256: signer.policySha256,
        roleSessionName: signer.grant.roleSessionName,
        accessKeyId: token.accessKeyId,
        expiration: isoSeconds(expiresAt),
        sourceIp: context.sourceIp,
      });
      return { expiration: isoSeconds(expiresAt), serverTime: isoSeconds(now), uploads };
    },
  };
}
