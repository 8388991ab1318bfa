/**
 * The upload callback after a successful PutObject, PostObject or CompleteMultipartUpload
 * (https://www.alibabacloud.com/help/en/oss/developer-reference/callback, step 6): the object is already stored; OSS
 * then calls the application server and
 * - on success relays the server's JSON body to the uploader with status 200 (replacing, e.g., the
 *   CompleteMultipartUploadResult XML), keeping the upload's ETag header;
 * - on failure answers 203 with error code CallbackFailed; the object stays stored.
 */
import { expandCallbackBody, type UploadedObject } from './callback-body.js';
import type { CallbackSpec } from './callback-params.js';
import { deliverCallback, type CallbackTransport } from './callback-request.js';
import type { ObjectStore } from './object-store.js';
import { ERRORS, ossError } from './oss-error.js';
import { errorReply, type Reply } from './respond.js';

export interface CallbackContext {
  transport: CallbackTransport;
  requestId: string;
  hostId: string;
}

/** What the callback body's system variables describe: the object as stored. */
export function uploadedObject(store: ObjectStore, bucket: string, key: string): UploadedObject {
  const meta = store.head(bucket, key);
  if (!meta) throw ossError(ERRORS.internal);
  return { bucket, key, etag: meta.etag, size: meta.size, mimeType: meta.contentType };
}

export async function replyWithCallback(upload: Reply, spec: CallbackSpec, object: UploadedObject, ctx: CallbackContext): Promise<Reply> {
  const outcome = await deliverCallback(spec, expandCallbackBody(spec, object), ctx.transport);
  const { 'content-type': _dropped, ...uploadHeaders } = upload.headers ?? {};
  if (outcome.ok) {
    return { status: 200, headers: { ...uploadHeaders, 'content-type': 'application/json' }, body: outcome.body };
  }
  const failed = errorReply(ossError(ERRORS.callbackFailed, {}, outcome.message), ctx.requestId, ctx.hostId, false);
  return { ...failed, headers: { ...uploadHeaders, ...failed.headers } };
}
