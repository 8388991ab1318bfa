/**
 * One signed PostObject form: its policy (bucket, exact key, size, Content-Type and, with a callback, the callback
 * and the sealed grant it carries back) and its fields in the order they are posted, signed with V4 by the request's
 * form-signing token (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject). Pure: everything
 * comes in as arguments, so the form service decides what is allowed and this only writes it down.
 */
import type { StsCredentials } from '../sts/types.js';
import type { FormPins } from './form-pins.js';
import { buildPostPolicy, formPinnedFields } from './post-policy-document.js';
import { POST_V4_ALGORITHM, signPostPolicyV4, v4Credential } from './post-signature-v4.js';

export interface FormUpload {
  name: string;
  url: string;
  key: string;
  maxSizeBytes: number;
  /** Posted in this order, the file last. */
  fields: Record<string, string>;
}

/** What every form of one request shares: where it is posted, the token that signs it, its date and its end. */
export interface FormSigner {
  /** form-url.ts: the bucket's address on the profile's endpoint. */
  url: string;
  bucket: string;
  region: string;
  token: Pick<StsCredentials, 'accessKeyId' | 'accessKeySecret' | 'securityToken'>;
  /** `x-oss-date`: ISO 8601 basic format, UTC (post-signature-v4.ts isoBasic). */
  date: string;
  /** Epoch ms, whole seconds, never past the token's expiry. */
  expiresAt: number;
}

export interface FormFile {
  name: string;
  key: string;
  size: number;
  /** Already normalized (rules/file-rules.ts): the form pins it exactly. */
  contentType: string;
  /** The `callback` and `x:grant` values, when the profile has a callback. */
  callback?: { param: string; grant: string } | undefined;
  /** Object settings the profile pins: no overwrite, server-side encryption (form-pins.ts). */
  pins?: FormPins | undefined;
}

export function signForm(signer: FormSigner, file: FormFile): FormUpload {
  const { token, date, region } = signer;
  const day = date.slice(0, 8);
  const credential = v4Credential(token.accessKeyId, day, region);
  const policy = buildPostPolicy({
    bucket: signer.bucket,
    key: file.key,
    maxSizeBytes: file.size,
    contentType: file.contentType,
    credential,
    date,
    securityToken: token.securityToken,
    callback: file.callback,
    pins: file.pins,
    expiresAt: signer.expiresAt,
  });
  const fields: Record<string, string> = {
    key: file.key,
    policy: policy.base64,
    'x-oss-signature-version': POST_V4_ALGORITHM,
    'x-oss-credential': credential,
    'x-oss-date': date,
    'x-oss-signature': signPostPolicyV4(token.accessKeySecret, day, region, policy.base64),
    'x-oss-security-token': token.securityToken,
    'Content-Type': file.contentType,
    success_action_status: '200',
  };
  // Exactly the fields the policy pins beyond these (post-policy-document.ts says why each is there).
  for (const [name, value] of formPinnedFields(file)) fields[name] = value;
  return { name: file.name, url: signer.url, key: file.key, maxSizeBytes: file.size, fields };
}
