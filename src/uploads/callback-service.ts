/**
 * POST /v1/oss-callback, in two named steps the route writes out:
 * 1. verifySignature: OSS's RSA signature over path, query and body, with a public key from an allow-listed URL.
 *    Anything unsigned or forged is 403 callback_rejected and reaches nothing else.
 * 2. record: a signature proves only that OSS sent the callback, not what it says: OSS signs every account's
 *    callbacks with the same key and the uploader chooses the template, so anyone can make OSS send this route any
 *    body. So the body decides nothing but which grant it is about (`x:grant`, MACed by the broker); the broker
 *    then reads the grant's own bucket and key (object-meta-reader.ts) and records the size and ETag the bucket
 *    reports, and only for an object written after the grant was issued. A grant settles once: a second callback
 *    for it changes nothing and is audited as a duplicate.
 * The reply `{key, size, etag}` is what OSS relays to the uploading client. Every refusal records nothing.
 * https://www.alibabacloud.com/help/en/oss/developer-reference/callback
 */
import { createHash } from 'node:crypto';
import type { AuditSink } from '../audit/audit.js';
import type { BrokerConfig } from '../config/schema.js';
import { principalKey } from '../auth/principal.js';
import { BrokerError } from '../errors.js';
import { profileEndpoint } from '../rules/index.js';
import type { Clock } from '../shared/clock.js';
import type { StoreLogger } from '../store/logger.js';
import type { ByteQuota } from '../quotas/index.js';
import { callbackStringToSign, verifyCallbackSignature } from './callback-signature.js';
import { CALLBACK_GRACE_MS } from './limits.js';
import type { ObjectMetaReader } from './object-meta-reader.js';
import type { PublicKeySource } from './public-key-cache.js';
import type { GrantSealer } from './upload-grant.js';

/** What the route passes in: the request target as received, two headers, the raw body. */
export interface OssCallbackRequest {
  pathAndQuery: string;
  authorization: string | undefined;
  publicKeyUrl: string | undefined;
  body: Buffer;
}

export interface CallbackReply {
  key: string;
  size: number;
  etag: string;
}

export interface CallbackService {
  verifySignature(request: OssCallbackRequest): Promise<void>;
  record(request: OssCallbackRequest, context: { requestId: string }): Promise<CallbackReply>;
}

export interface CallbackServiceDeps {
  config: Readonly<BrokerConfig>;
  publicKeys: PublicKeySource;
  grants: GrantSealer | undefined;
  objects: ObjectMetaReader;
  bytes: ByteQuota;
  audit: AuditSink;
  clock: Clock;
  logger: StoreLogger;
}

function reject(detail: string): never {
  throw new BrokerError('callback_rejected', detail);
}

/**
 * Leeway between the broker's clock and OSS's when comparing the object's Last-Modified with the grant's issue time
 * (Last-Modified has whole seconds). An object older than that is not this grant's upload.
 */
const CLOCK_LEEWAY_MS = 60_000;

/** The one field of the body that is read: which grant the callback is about. */
function grantText(body: Buffer): string {
  const grant = new URLSearchParams(body.toString('utf8')).get('x:grant');
  if (!grant) reject('the callback carries no x:grant');
  return grant;
}

export function createCallbackService(deps: CallbackServiceDeps): CallbackService {
  const { config, publicKeys, grants, objects, bytes, audit, clock, logger } = deps;

  return {
    async verifySignature(request) {
      if (!request.authorization || !request.publicKeyUrl) reject('the callback is not signed (authorization, x-oss-pub-key-url)');
      const stringToSign = callbackStringToSign(request.pathAndQuery, request.body);
      if (stringToSign === undefined) reject('the callback path is malformed');
      const key = await publicKeys.get(request.publicKeyUrl);
      if (!verifyCallbackSignature(key, stringToSign, request.authorization)) reject('the callback signature does not verify');
    },

    async record(request, context) {
      const grant = grants?.open(grantText(request.body));
      if (grant === undefined) reject('x:grant is not a grant of this broker');
      const profile = Object.hasOwn(config.profiles, grant.profile) ? config.profiles[grant.profile] : undefined;
      if (profile === undefined) reject(`the grant names profile "${grant.profile}", which no longer exists`);
      const now = clock.now();
      const acceptUntil = grant.expiresAt + CALLBACK_GRACE_MS;
      if (now > acceptUntil) reject('the grant of this upload has expired');

      const readerRole = profile.postPolicy?.callback?.readerRoleArn;
      const stored = await objects.read({
        roleArn: readerRole ?? profile.roleArn,
        externalId: readerRole === undefined ? profile.externalId : undefined,
        durationSeconds: profile.durationSeconds,
        region: profile.region,
        endpoint: profileEndpoint(profile),
        bucket: grant.bucket,
        key: grant.key,
      });
      if (stored === undefined) reject("the bucket has no object under this grant's key");
      if (stored.lastModified < grant.issuedAt - CLOCK_LEEWAY_MS) reject("the object under this grant's key predates the grant");
      if (stored.size > grant.size) {
        // A form's content-length-range makes this impossible; if it happens anyway the bytes are stored, so they count.
        logger.warn(
          { event: 'upload.callback.size_over_declared', requestId: context.requestId, profile: grant.profile },
          'upload larger than declared',
        );
      }
      // Once per grant, whatever the object's ETag: a form is single-use (post-policy-document.ts pins
      // x-oss-forbid-overwrite), so a second callback can only be a repeat or a forgery.
      const dedupeKey = createHash('sha256').update(`grant\n${grant.id}`).digest('hex').slice(0, 32);
      const outcome = await bytes.settle(principalKey(grant.principal), grant.profile, {
        id: grant.id,
        actualBytes: stored.size,
        dedupeKey,
        dedupeTtlMs: acceptUntil - now + 60_000,
      });
      audit.record({
        event: 'upload.recorded',
        outcome: outcome === 'duplicate' ? 'duplicate' : 'recorded',
        requestId: context.requestId,
        at: new Date(now).toISOString(),
        principal: grant.principal,
        profile: grant.profile,
        keys: [grant.key],
        bytes: stored.size,
        etag: stored.etag,
      });
      return { key: grant.key, size: stored.size, etag: stored.etag };
    },
  };
}
