/**
 * The PostObject policy for one file, pure: base64 of `{"expiration", "conditions"}`. OSS checks every condition
 * against the form before it stores a byte (PostObject "Appendix: Policy",
 * https://www.alibabacloud.com/help/en/oss/developer-reference/postobject), so what is pinned here holds at the
 * storage whatever the client does:
 * - the bucket and the exact key;
 * - `content-length-range` [0, declared size]: one byte more is EntityTooLarge;
 * - `Content-Type` equal to the declared (allowed) type;
 * - `success_action_status` 200;
 * - the V4 signing fields, as the V4 document asks
 *   (https://www.alibabacloud.com/help/en/oss/developer-reference/signature-version-4-recommend);
 * - the profile's pinned object settings (form-pins.ts): `x-oss-forbid-overwrite: true` and server-side encryption;
 * - with a callback: the `callback` and `x:grant` fields themselves, and always `x-oss-forbid-overwrite: true`, so the
 *   form stores one object once: a grant settles once (callback-service.ts), and a form reused to replace its object
 *   after the callback would store bytes nobody counted. The field is a PostObject form field
 *   (https://www.alibabacloud.com/help/en/oss/support/0006-00000117); an existing key answers 409
 *   FileAlreadyExists. It has no effect on a bucket with versioning enabled (docs/api.md says so).
 *
 * Pinning `callback`: OSS's list of conditionable fields (Cache-Control, Content-Type, Content-Disposition,
 * Content-Encoding, Expires, key, success_action_redirect, success_action_status, x-oss-meta-*) does not name
 * `callback`. Its PostObject error pages do, however, describe conditions as checks on any form field: a condition
 * on a field the form lacks is refused (0006-00000226, https://help.aliyun.com/en/oss/user-guide/0006-00000226), a
 * field that fails its condition is AccessDenied (0006-00000227), and the valid example policy of 0006-00000201
 * carries a condition on an arbitrary field `{"A": "a"}`. So the broker pins `callback` and `x:grant` with `eq`:
 * under that documented rule a removed or edited callback field is refused by OSS. Alibaba does not state it for
 * `callback` in so many words; the broker does not depend on it alone: `x:grant` is MACed, and a form without a
 * working callback leaves its reservation to lapse, which only ever under-counts that one form (see README).
 */
import { pinnedFields, type FormPins } from './form-pins.js';
import { POST_V4_ALGORITHM } from './post-signature-v4.js';

export interface PostPolicyInput {
  bucket: string;
  key: string;
  maxSizeBytes: number;
  contentType: string;
  /** `x-oss-credential`, `x-oss-date` and `x-oss-security-token` exactly as the form carries them. */
  credential: string;
  date: string;
  securityToken: string;
  /** The `callback` and `x:grant` form values, when the profile has a callback. */
  callback?: { param: string; grant: string } | undefined;
  /** Object settings the profile pins (form-pins.ts). */
  pins?: FormPins | undefined;
  /** Epoch ms, whole seconds. */
  expiresAt: number;
}

export interface PostPolicyDocument {
  expiration: string;
  conditions: unknown[];
}

export function buildPostPolicy(input: PostPolicyInput): { document: PostPolicyDocument; base64: string } {
  const conditions: unknown[] = [
    { bucket: input.bucket },
    { 'x-oss-signature-version': POST_V4_ALGORITHM },
    { 'x-oss-credential': input.credential },
    { 'x-oss-date': input.date },
    { 'x-oss-security-token': input.securityToken },
    ['eq', '$key', input.key],
    ['content-length-range', 0, input.maxSizeBytes],
    ['eq', '$content-type', input.contentType],
    ['eq', '$success_action_status', '200'],
  ];
  for (const [name, value] of formPinnedFields(input)) conditions.push(['eq', `$${name}`, value]);
  // OSS's own examples give the expiration with milliseconds (`2014-12-01T12:00:00.000Z`).
  const document: PostPolicyDocument = { expiration: new Date(input.expiresAt).toISOString(), conditions };
  return { document, base64: Buffer.from(JSON.stringify(document), 'utf8').toString('base64') };
}

/**
 * Every field a form carries beyond the signature, key, type and status, in posting order, each pinned by an `eq`
 * condition: the profile's pins, then the callback and its grant. A callback forbids overwrites whatever the pins say.
 */
export function formPinnedFields(input: Pick<PostPolicyInput, 'callback' | 'pins'>): Array<[string, string]> {
  const callback = input.callback;
  const forbidOverwrite = (input.pins?.forbidOverwrite ?? false) || callback !== undefined;
  const fields = pinnedFields({ serverSideEncryption: input.pins?.serverSideEncryption, forbidOverwrite });
  if (callback !== undefined) fields.push(['callback', callback.param], ['x:grant', callback.grant]);
  return fields;
}
