/** OSS refuses a PostObject body over 5 GB (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject). */
export const POST_OBJECT_MAX_BYTES = 5 * 1024 ** 3;

/**
 * How long after a form expires its callback is still accepted and its byte reservation held: an upload that
 * started just before expiry may take a while, and OSS calls back only when it has finished.
 */
export const CALLBACK_GRACE_MS = 60 * 60 * 1000;
