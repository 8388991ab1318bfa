/**
 * POST /v1/post-policy as a list of named steps: profile (opt-in) → PostObject's size limit → every file rule and
 * exact keys (once) → the signing token's session → credential quota and byte reservation → the caller's form-signing
 * token → one signed form per file (sign-form.ts) → audit.
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
import { createSessionPreparer, type PreparedGrant } from '../credentials/prepare-grant.js';
import type { RecordHandOut, RequestContext } from '../credentials/credential-service.js';
import { takeQuotas, type DeclaredBytes, type TakenQuotas } from '../quotas/index.js';
import type { Admission } from '../quotas/admission.js';
import { assertThat } from '../errors.js';
import { applyProfile, normalizeContentType } from '../rules/index.js';
import { isoSeconds, type Clock } from '../shared/clock.js';
import type { StsClient } from '../sts/types.js';
import { buildCallbackParam } from './callback-param.js';
import { formPins } from './form-pins.js';
import { formUrl } from './form-url.js';
import { CALLBACK_GRACE_MS, POST_OBJECT_MAX_BYTES } from './limits.js';
import type { PostPolicyRequest } from './post-policy-request.js';
import { isoBasic } from './post-signature-v4.js';
import { signForm, type FormSigner, type FormUpload } from './sign-form.js';
import type { GrantSealer } from './upload-grant.js';

export type { FormUpload } from './sign-form.js';

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
  /** Counts the request quota and reserves the declared bytes. */
  admission: Admission;
  /** Present when `uploads.grantKey` is configured (required for profiles with a callback). */
  grants: GrantSealer | undefined;
  audit: AuditSink;
  clock: Clock;
  /** Told of the signing token behind every form handed out (its AccessKeyId signs the forms). */
  handedOut?: RecordHandOut;
}

type FormProfile = ProfileConfig & { postPolicy: NonNullable<ProfileConfig['postPolicy']> };

/** 400 file_too_large for a file PostObject cannot take, whatever the profile allows. */
function assertPostObjectSizes(files: PostPolicyRequest['files']): void {
  files.forEach((file, i) =>
    assertThat(
      file.size <= POST_OBJECT_MAX_BYTES,
      'file_too_large',
      `file #${i + 1} is ${file.size} bytes; a form upload (PostObject) takes at most ${POST_OBJECT_MAX_BYTES}`,
    ),
  );
}

export function createPostPolicyService(deps: PostPolicyServiceDeps): PostPolicyService {
  const { config, sts, tokenCache, admission, grants, audit, clock } = deps;
  const prepareSigning = createSessionPreparer(config, clock, config.cache.l1MaxEntries);

  function enabledProfile(name: string, principal: Principal): FormProfile {
    const profile = findProfile(config, name, principal);
    const postPolicy = profile.postPolicy;
    assertThat(
      postPolicy && profilePaths(profile).includes('form'),
      'post_policy_not_enabled',
      `profile "${name}" does not offer signed form uploads; use /v1/credentials`,
    );
    return { ...profile, postPolicy };
  }

  /**
   * With a callback, what each form carries for it: the callback parameter (the same for every form) and the sealer of
   * the grant OSS sends back (upload-grant.ts). A profile with a callback needs `uploads.grantKey`; start-up checks
   * say so, and this refuses rather than sign a form whose callback could not be verified.
   */
  function formCallback(profile: FormProfile): { param: string; sealer: GrantSealer } | undefined {
    const callback = profile.postPolicy.callback;
    if (callback === undefined) return undefined;
    assertThat(grants !== undefined, 'internal', 'uploads.grantKey is missing');
    return { param: buildCallbackParam(callback.url), sealer: grants };
  }

  /**
   * The caller's signing token, from the cache or STS. A token of its own, never the one /v1/credentials returns:
   * its cache entry has the purpose `form-signing`, so no endpoint can ever hand it out, and its policy is
   * PutObject on the caller's prefix only (profiles/form-signing.ts). One per principal, not per file: each form pins its
   * own exact key. When it cannot be had, what the request took of its quotas is given back.
   */
  async function signingToken(signing: PreparedGrant, quotas: TakenQuotas): ReturnType<TokenCache['getOrIssue']> {
    const { grant, policy, cacheKey } = signing;
    try {
      return await tokenCache.getOrIssue(cacheKey, () =>
        sts.assumeRole({
          roleArn: grant.roleArn,
          roleSessionName: grant.roleSessionName,
          sourceIdentity: grant.sourceIdentity,
          policy: policy.json,
          durationSeconds: grant.durationSeconds,
          externalId: grant.externalId,
        }),
      );
    } catch (error) {
      await quotas.release();
      throw error;
    }
  }

  return {
    async handle(principal, request, context) {
      const name = request.profile;
      const profile = enabledProfile(name, principal);
      assertPostObjectSizes(request.files);
      // Every file rule of /v1/credentials, plus exact keys whatever the profile's scope: a form is for one key. The
      // rules run here only: the signing token's grant is derived from this one.
      const files = applyProfile({ profileName: name, profile: { ...profile, scope: 'keys' }, principal, files: request.files });
      const signing = prepareSigning(formSigningGrant(files), 'form-signing');
      const callback = formCallback(profile);

      const now = clock.now();
      const formEnd = now + profile.postPolicy.formLifetimeSeconds * 1000;
      const declared = request.files.map(
        (f): DeclaredBytes => ({ bytes: f.size, settle: callback ? 'callback' : 'now', expiresAt: formEnd + CALLBACK_GRACE_MS }),
      );
      const quotas = await takeQuotas(config, admission, principal, name, declared, context.count);
      const { credentials: token, cached } = await signingToken(signing, quotas);
      // The form's AccessKeyId is recorded before any form leaves; when that fails, nothing is handed out.
      await deps
        .handedOut?.(principal, {
          accessKeyId: token.accessKeyId,
          expiresAt: token.expiresAt,
          profile: name,
          prefix: files.prefix,
          cacheKey: signing.cacheKey,
        })
        .catch(async (error: unknown) => {
          await quotas.release();
          throw error;
        });

      // Whole seconds, and never past the token: OSS would refuse a form signed by an expired token anyway.
      const expiresAt = Math.floor(Math.min(formEnd, token.expiresAt) / 1000) * 1000;
      const signer: FormSigner = {
        url: formUrl(files.endpoint, files.bucket),
        bucket: files.bucket,
        region: profile.region,
        token,
        date: isoBasic(now),
        expiresAt,
      };
      const keys = files.keys!;
      const pins = formPins(profile.postPolicy);
      const uploads = request.files.map((file, i) => {
        const key = keys[i]!;
        // The grant the callback brings back names exactly this upload: who, where, how big, until when, which bytes.
        const sealed = callback && {
          param: callback.param,
          grant: callback.sealer.seal({
            principal,
            profile: name,
            bucket: files.bucket,
            key,
            size: file.size,
            issuedAt: now,
            expiresAt,
            id: quotas.byteIds[i]!,
          }),
        };
        return signForm(signer, {
          name: file.name,
          key,
          size: file.size,
          contentType: normalizeContentType(file.contentType),
          callback: sealed,
          pins,
        });
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
        policySha256: signing.policySha256,
        roleSessionName: signing.grant.roleSessionName,
        sourceIdentity: signing.grant.sourceIdentity,
        accessKeyId: token.accessKeyId,
        expiration: isoSeconds(expiresAt),
        sourceIp: context.sourceIp,
      });
      return { expiration: isoSeconds(expiresAt), serverTime: isoSeconds(now), uploads };
    },
  };
}
