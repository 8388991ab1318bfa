/**
 * uploads/: storage-enforced uploads. Signed PostObject forms (POST /v1/post-policy), OSS upload callbacks
 * (POST /v1/oss-callback), and the usage view (GET /v1/usage, quotas/usage-service.ts) wired with them.
 * - createUploads               the three services, wired from the app's parts (one place)
 * - buildPostPolicy, signPostPolicyV4, buildCallbackParam, formUrl   the form, pure
 * - createGrantSealer           `x:grant`, the broker's MAC over who may upload what
 * - callbackStringToSign, verifyCallbackSignature, createPublicKeyCache   OSS's callback signature
 * - createObjectMetaReader      what the bucket says about an upload (the callback's evidence)
 */
import type { AuditSink } from '../audit/audit.js';
import type { TokenCache } from '../cache/index.js';
import type { BrokerConfig } from '../config/schema.js';
import type { Clock } from '../shared/clock.js';
import type { StoreLogger } from '../store/logger.js';
import type { KeyValueStore } from '../store/types.js';
import type { StsClient } from '../sts/types.js';
import type { RecordHandOut } from '../credentials/credential-service.js';
import { createUsageService, type ByteQuota, type UsageService } from '../quotas/index.js';
import type { Admission } from '../quotas/admission.js';
import { createCallbackService, type CallbackService } from './callback-service.js';
import { createPostPolicyService, type PostPolicyService } from './post-policy-service.js';
import { OBJECT_META_ATTEMPTS, OBJECT_META_TIMEOUT_MS } from './limits.js';
import { createObjectMetaReader, type ObjectMetaReader } from './object-meta-reader.js';
import { createPublicKeyCache } from './public-key-cache.js';
import { createGrantSealer } from './upload-grant.js';
import type { KeyRing } from '../secrets/key-ring.js';

export { buildCallbackParam, CALLBACK_BODY } from './callback-param.js';
export { callbackStringToSign, verifyCallbackSignature } from './callback-signature.js';
export type { CallbackReply, OssCallbackRequest } from './callback-service.js';
export { formUrl } from './form-url.js';
export { buildPostPolicy } from './post-policy-document.js';
export { postPolicyRequestSchema, type PostPolicyRequest } from './post-policy-request.js';
export type { PostPolicyResponse } from './post-policy-service.js';
export { isoBasic, signPostPolicyV4, v4Credential } from './post-signature-v4.js';
export { createObjectMetaReader, type ObjectMetaReader, type StoredObject } from './object-meta-reader.js';
export { createPublicKeyCache, type PublicKeySource } from './public-key-cache.js';
export { createGrantSealer, type GrantSealer, type UploadGrant } from './upload-grant.js';

export interface Uploads {
  postPolicy: PostPolicyService;
  callbacks: CallbackService;
  usage: UsageService;
}

export interface UploadsDeps {
  config: Readonly<BrokerConfig>;
  store: KeyValueStore;
  sts: StsClient;
  tokenCache: TokenCache;
  /** Takes a form's request quota and byte reservation. */
  admission: Admission;
  /** Settles a form's bytes when its callback comes, and reports usage. */
  bytes: ByteQuota;
  audit: AuditSink;
  clock: Clock;
  logger: StoreLogger;
  /** Told of the signing token behind every form handed out (post-policy-service.ts). */
  handedOut?: RecordHandOut;
  /** For the public-key fetch; tests may pass their own. */
  fetch?: typeof fetch;
  /** How callbacks read the uploaded object; default: GetObjectMeta through ali-oss with a reader STS token. */
  objects?: ObjectMetaReader;
  /** The grant key's ring when it comes from KMS (rotating); default: `uploads.grantKey`. */
  grantKeys?: KeyRing | undefined;
}

export function createUploads(deps: UploadsDeps): Uploads {
  const { config, clock } = deps;
  const grantKey = config.uploads.grantKey;
  const grants =
    deps.grantKeys !== undefined
      ? createGrantSealer(deps.grantKeys)
      : grantKey === undefined
        ? undefined
        : createGrantSealer(Buffer.from(grantKey, 'base64'));
  const publicKeys = createPublicKeyCache({
    allowedUrls: config.uploads.callbackPublicKeyUrls,
    timeoutMs: config.uploads.publicKeyTimeoutMs,
    clock,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
  const objects =
    deps.objects ??
    createObjectMetaReader({
      sts: deps.sts,
      tokenCache: deps.tokenCache,
      timeoutMs: OBJECT_META_TIMEOUT_MS,
      attempts: OBJECT_META_ATTEMPTS,
    });
  return {
    postPolicy: createPostPolicyService({ ...deps, grants }),
    callbacks: createCallbackService({ ...deps, publicKeys, grants, objects }),
    usage: createUsageService(deps),
  };
}
