/**
 * PostObject (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject): `POST` to the bucket with a multipart/form-data body. Header and URL signatures are ignored;
 * the form carries the credentials: V1 (`OSSAccessKeyId`, `policy`, `Signature` = base64 HMAC-SHA1(secret, policy))
 * or V4 (`x-oss-signature-version`, `x-oss-credential`, `x-oss-date`, `x-oss-signature` = hex HMAC-SHA256(signing key,
 * policy)), plus `x-oss-security-token`. Then the policy conditions, the key rules, and the token's RAM policy
 * (oss:PutObject on the key, https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements) all apply. A `callback` field (with `x:` variable fields) is validated before the
 * object is stored; the server runs the callback afterwards (upload-callback.ts).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ParsedBucketPolicy } from '../policy/index.js';
import type { SealedTokenPayload } from '../sts/index.js';
import { checkObjectKey } from './addressing.js';
import { authorize, buildContext, objectArn, type RequestFacts } from './authorize.js';
import { callbackFromForm, type CallbackSpec } from './callback-params.js';
import { encryptionHeaders, requestedEncryption } from './encryption.js';
import { boundaryOf, parseForm } from './form-data.js';
import { checkForbidOverwrite, storedHeaders } from './object-ops.js';
import { md5Etag, type ObjectStore } from './object-store.js';
import { ERRORS, ossError } from './oss-error.js';
import { checkPostPolicy } from './post-policy.js';
import { xmlReply, type Reply } from './respond.js';
import { mismatchDetails, openSession } from './session-token.js';
import { parseIsoBasic, V4_ALGORITHM, v4Sign } from './signature-v4.js';

export interface PostObjectContext {
  store: ObjectStore;
  sealKey: Buffer;
  maxObjectBytes: number;
  maxSkewMs: number;
  facts: RequestFacts;
  /** The bucket's policy, whose Deny statements a form upload is held to like any other write. */
  bucketPolicy?: ParsedBucketPolicy | undefined;
}

export interface PostObjectResult {
  reply: Reply;
  key: string;
  callback?: CallbackSpec;
}

/** https://www.alibabacloud.com/help/en/oss/developer-reference/signature-version-4-recommend: a V4 form's x-oss-date may not be in the future beyond the skew, nor older than 7 days. */
const MAX_POST_AGE_MS = 7 * 24 * 3600 * 1000;
/**
 * The V4 signature fields a policy must name, else "Extra input fields" (https://help.aliyun.com/zh/oss/user-guide/0006-00000228).
 * The token is included: the V4 signing guide and ali-oss's README both pin `x-oss-security-token` in the policy; that
 * OSS refuses a form whose policy omits it is this emulator's reading, not a documented sentence.
 */
const V4_POLICY_FIELDS = ['x-oss-signature-version', 'x-oss-credential', 'x-oss-date', 'x-oss-security-token'];

interface Verified {
  session: SealedTokenPayload;
  policy: string;
  mustCover: readonly string[];
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function required(fields: ReadonlyMap<string, string>, names: string[], scheme: string): string[] {
  const values = names.map((n) => fields.get(n));
  if (values.some((v) => v === undefined || v === '')) {
    throw ossError(ERRORS.invalidArgument, {}, `${scheme} form fields ${names.join(', ')} must all be present.`);
  }
  return values as string[];
}

function verify(fields: ReadonlyMap<string, string>, ctx: PostObjectContext): Verified {
  const token = fields.get('x-oss-security-token');
  const now = ctx.facts.nowMs;
  if (fields.has('x-oss-signature-version')) {
    const [version, credential, isoDate, signature, policy] = required(
      fields,
      ['x-oss-signature-version', 'x-oss-credential', 'x-oss-date', 'x-oss-signature', 'policy'],
      'V4',
    ) as [string, string, string, string, string];
    if (version !== V4_ALGORITHM) throw ossError(ERRORS.invalidArgument, {}, `Unsupported x-oss-signature-version ${version}.`);
    const scope = credential.split('/');
    const [accessKeyId, date, region, product] = scope as [string, string, string, string];
    if (scope.length !== 5 || scope[4] !== 'aliyun_v4_request' || !/^\d{8}$/.test(date)) {
      throw ossError(ERRORS.invalidArgument, {}, 'x-oss-credential is malformed.');
    }
    const signedAt = parseIsoBasic(isoDate);
    if (!Number.isFinite(signedAt) || !isoDate.startsWith(date)) {
      throw ossError(ERRORS.invalidArgument, {}, 'x-oss-date is malformed or does not match x-oss-credential.');
    }
    if (signedAt > now + ctx.maxSkewMs || signedAt < now - MAX_POST_AGE_MS) throw ossError(ERRORS.postDateOutOfRange);
    const session = openSession(token, accessKeyId, ctx.sealKey, now);
    if (!same(v4Sign(session.accessKeySecret, date, region, policy, product), signature)) {
      throw ossError(ERRORS.signatureDoesNotMatch, mismatchDetails(policy, accessKeyId, signature));
    }
    return { session, policy, mustCover: V4_POLICY_FIELDS };
  }
  if (!['ossaccesskeyid', 'policy', 'signature'].some((n) => fields.has(n))) throw ossError(ERRORS.accessDeniedAnonymous);
  const [accessKeyId, policy, signature] = required(fields, ['ossaccesskeyid', 'policy', 'signature'], 'V1') as [string, string, string];
  const session = openSession(token, accessKeyId, ctx.sealKey, now);
  const expected = createHmac('sha1', session.accessKeySecret).update(policy, 'utf8').digest('base64');
  if (!same(expected, signature)) throw ossError(ERRORS.signatureDoesNotMatch, mismatchDetails(policy, accessKeyId, signature));
  return { session, policy, mustCover: [] };
}

export function postObject(bucket: string, contentType: string | undefined, body: Buffer, ctx: PostObjectContext): PostObjectResult {
  const boundary = boundaryOf(contentType);
  if (!boundary) throw ossError(ERRORS.notMultipart);
  const { fields, file } = parseForm(body, boundary);
  const rawKey = fields.get('key');
  if (rawKey === undefined) throw ossError(ERRORS.invalidArgument, {}, "Bucket POST must contain a field named 'key'.");
  if (file.data.length > ctx.maxObjectBytes) throw ossError(ERRORS.entityTooLarge);

  const { session, policy, mustCover } = verify(fields, ctx);
  const effective = new Map(fields);
  effective.set('bucket', bucket);
  if (!effective.has('content-type') && file.contentType) effective.set('content-type', file.contentType);
  checkPostPolicy(policy, { fields: effective, fileSize: file.data.length, nowMs: ctx.facts.nowMs, mustCover });

  const key = checkObjectKey(rawKey.split('${filename}').join(file.filename));
  authorize(session, { action: 'oss:PutObject', resource: objectArn(bucket, key), context: buildContext(ctx.facts) }, ctx.bucketPolicy);
  const callback = callbackFromForm(fields);
  const encryption = requestedEncryption((name) => fields.get(name));
  checkForbidOverwrite(ctx.store, bucket, key, fields.get('x-oss-forbid-overwrite'));

  const etag = md5Etag(file.data);
  ctx.store.put(bucket, {
    key,
    body: file.data,
    size: file.data.length,
    etag,
    contentType: effective.get('content-type') ?? 'application/octet-stream',
    lastModified: ctx.facts.nowMs,
    type: 'Normal',
    headers: storedHeaders(Object.fromEntries(fields)),
    encryption,
  });
  const headers = { etag, 'content-md5': createHash('md5').update(file.data).digest('base64'), ...encryptionHeaders(encryption) };
  const status = fields.get('success_action_status');
  if (status === '201') {
    const location = `/${bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}`;
    return { reply: xmlReply('PostResponse', { Bucket: bucket, Location: location, Key: key, ETag: etag }, 201, headers), key, callback };
  }
  return { reply: { status: status === '200' ? 200 : 204, headers }, key, callback };
}
