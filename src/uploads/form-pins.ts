/**
 * The object settings a profile's forms pin, as form fields with an `eq` condition each: OSS stores nothing unless the
 * form carries every one of them unchanged (a condition on a missing field fails, EC 0006-00000226; a changed value
 * is AccessDenied, EC 0006-00000227; post-policy-document.ts). Pure.
 * - `x-oss-forbid-overwrite: true`: an existing key answers 409 FileAlreadyExists
 *   (https://www.alibabacloud.com/help/en/oss/support/0006-00000117 for the form field,
 *   https://www.alibabacloud.com/help/en/oss/user-guide/http-status-code-409 for the error). It has no effect on a
 *   bucket with versioning enabled or suspended.
 * - `x-oss-server-side-encryption` (`AES256` or `KMS`) and, with KMS, `x-oss-server-side-encryption-key-id`: the
 *   object is stored encrypted at rest with that method and key
 *   (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject). A KMS upload also needs the signing
 *   role to hold `kms:GenerateDataKey` on the key (docs/deployment.md).
 */
import type { ProfileConfig } from '../config/schema.js';

type PostPolicyConfig = NonNullable<ProfileConfig['postPolicy']>;

export interface FormPins {
  forbidOverwrite: boolean;
  serverSideEncryption?: { algorithm: 'AES256' | 'KMS'; kmsKeyId?: string | undefined } | undefined;
}

/** What a profile's forms pin. With a callback, overwrites are always forbidden: a grant settles once. */
export function formPins(postPolicy: PostPolicyConfig): FormPins {
  return {
    forbidOverwrite: postPolicy.forbidOverwrite ?? postPolicy.callback !== undefined,
    serverSideEncryption: postPolicy.serverSideEncryption,
  };
}

/** The pinned fields, in posting order: each is sent as it is and pinned by `["eq", "$<name>", value]`. */
export function pinnedFields(pins: FormPins | undefined): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  if (pins === undefined) return fields;
  if (pins.forbidOverwrite) fields.push(['x-oss-forbid-overwrite', 'true']);
  const sse = pins.serverSideEncryption;
  if (sse !== undefined) {
    fields.push(['x-oss-server-side-encryption', sse.algorithm]);
    if (sse.kmsKeyId !== undefined) fields.push(['x-oss-server-side-encryption-key-id', sse.kmsKeyId]);
  }
  return fields;
}
