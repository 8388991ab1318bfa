/**
 * POST /v1/oss-callback, in two named steps the route writes out:
 * 1. verifySignature: OSS's RSA signature over path, query and body, with a public key from an allow-listed host.
 *    Anything unsigned or forged is 403 callback_rejected and reaches nothing else.
 * 2. record: the body OSS expanded from the broker's callback template; `x:grant` must verify and name exactly this
 *    bucket and object; then the upload settles its byte reservation, once per (bucket, object, ETag).
 * The reply `{key, size, etag}` is what OSS relays to the uploading client. Every refusal records nothing.
 * https://www.alibabacloud.com/help/en/oss/developer-reference/callback
 */
import { createHash } from 'node:crypto';
import type { AuditSink } from '../audit/audit.js';
import type { BrokerConfig } from '../config/schema.js';
import { principalKey } from '../auth/principal.js';
import { BrokerError, assertThat } from '../errors.js';
import type { Clock } from '../shared/clock.js';
import type { StoreLogger } from '../store/logger.js';
import type { ByteQuota } from './byte-quota.js';
import { callbackStringToSign, verifyCallbackSignature } from './callback-signature.js';
import { CALLBACK_GRACE_MS } from './limits.js';
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
  bytes: ByteQuota;
  audit: AuditSink;
  clock: Clock;
  logger: StoreLogger;
}

function reject(detail: string): never {
  throw new BrokerError('callback_rejected', detail);
}

interface CallbackBody {
  bucket: string;
  object: string;
  etag: string;
  size: number;
  grant: string;
}

/** The broker's own template (callback-param.ts), URL-encoded by OSS. */
function parseBody(body: Buffer): CallbackBody {
  const params = new URLSearchParams(body.toString('utf8'));
  const grant = params.get('x:grant');
  if (!grant) reject('the callback carries no x:grant');
  const [bucket, object, etag, size] = ['bucket', 'object', 'etag', 'size'].map((name) => params.get(name) ?? '');
  assertThat(bucket && object && etag, 'invalid_request', 'the callback body lacks bucket, object or etag');
  assertThat(/^\d{1,16}$/.test(size!), 'invalid_request', 'the callback body has no valid size');
  // OSS's ETag may come quoted; one upload must dedupe the same way either way.
  return { bucket: bucket!, object: object!, etag: etag!.replace(/^"|"$/g, ''), size: Number(size), grant };
}

export function createCallbackService(deps: CallbackServiceDeps): CallbackService {
  const { config, publicKeys, grants, bytes, audit, clock, logger } = deps;

  return {
    async verifySignature(request) {
      if (!request.authorization || !request.publicKeyUrl) reject('the callback is not signed (authorization, x-oss-pub-key-url)');
      const stringToSign = callbackStringToSign(request.pathAndQuery, request.body);
      if (stringToSign === undefined) reject('the callback path is malformed');
      const key = await publicKeys.get(request.publicKeyUrl);
      if (!verifyCallbackSignature(key, stringToSign, request.authorization)) reject('the callback signature does not verify');
    },

    async record(request, context) {
      const body = parseBody(request.body);
      const grant = grants?.open(body.grant);
      if (grant === undefined) reject('x:grant is not a grant of this broker');
      if (grant.bucket !== body.bucket || grant.key !== body.object) reject('the uploaded object is not the one its grant is for');
      if (!Object.hasOwn(config.profiles, grant.profile)) reject(`the grant names profile "${grant.profile}", which no longer exists`);
      const now = clock.now();
      const acceptUntil = grant.expiresAt + CALLBACK_GRACE_MS;
      if (now > acceptUntil) reject('the grant of this upload has expired');
      if (body.size > grant.size) {
        // A form's content-length-range makes this impossible; if it happens anyway the bytes are stored, so they count.
        logger.warn(
          { event: 'upload.callback.size_over_declared', requestId: context.requestId, profile: grant.profile },
          'upload larger than declared',
        );
      }
      const dedupeKey = createHash('sha256').update(`${body.bucket}\n${body.object}\n${body.etag}`).digest('hex').slice(0, 32);
      const outcome = await bytes.settle(principalKey(grant.principal), grant.profile, {
        id: grant.id,
        actualBytes: body.size,
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
        keys: [body.object],
        bytes: body.size,
        etag: body.etag,
      });
      return { key: body.object, size: body.size, etag: body.etag };
    },
  };
}
