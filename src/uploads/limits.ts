/** OSS refuses a PostObject body over 5 GB (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject). */
export const POST_OBJECT_MAX_BYTES = 5 * 1024 ** 3;

/**
 * How long after a form expires its callback is still accepted and its byte reservation held: an upload that
 * started just before expiry may take a while, and OSS calls back only when it has finished.
 */
export const CALLBACK_GRACE_MS = 60 * 60 * 1000;

/**
 * Reading an uploaded object's metadata from the callback: OSS waits 5 s for the whole callback
 * (https://www.alibabacloud.com/help/en/oss/developer-reference/callback), which must also cover the signature check
 * and, on a cold cache, an AssumeRole. Two attempts of 1.5 s leave room for both.
 */
export const OBJECT_META_TIMEOUT_MS = 1500;
export const OBJECT_META_ATTEMPTS = 2;
