/**
 * The broker's one error type. Every refusal the service makes is a BrokerError with a stable machine `code`;
 * the error middleware (src/http/problem.ts) is the only place that turns it into RFC 9457 problem+json. It lives
 * here, outside http/, because auth/, rules/, policy/, sts/ and credentials/ throw it and must not know about HTTP.
 * `detail` is shown to the caller only when `expose` (status < 500), and must never carry a secret; `cause` is
 * logged only.
 */
export const ERROR_TABLE = {
  invalid_request: { status: 400, title: 'The request is malformed or has an invalid field' },
  invalid_name: { status: 400, title: 'A value that would become part of an object key is not allowed' },
  key_too_long: { status: 400, title: 'A rendered object key is longer than OSS allows' },
  file_type_not_allowed: { status: 400, title: 'The file type is not allowed by the profile' },
  file_too_large: { status: 400, title: 'The file is larger than the profile allows' },
  too_many_files: { status: 400, title: 'The request declares more files than the profile allows' },
  files_required: { status: 400, title: 'The profile issues exact keys, so files must be declared' },
  post_policy_not_enabled: { status: 400, title: 'The profile does not offer signed form uploads (no postPolicy)' },
  unauthenticated: { status: 401, title: 'Authentication is missing or invalid' },
  forbidden: { status: 403, title: 'The caller may not use this profile' },
  too_many_claim_values: { status: 403, title: "A list claim of the caller's token has more values than the profile uses" },
  forms_only: { status: 403, title: 'The profile offers signed form uploads only, never an STS token' },
  revoked: { status: 403, title: "The caller's access has been revoked by an administrator" },
  callback_rejected: { status: 403, title: 'The upload callback is not signed by OSS or does not match its grant' },
  not_found: { status: 404, title: 'No such resource' },
  unknown_profile: { status: 404, title: 'No such profile' },
  bucket_policy_not_configured: { status: 409, title: 'No identity is configured to apply bucket policies (admin.bucketPolicy)' },
  bucket_policy_too_large: { status: 409, title: 'The bucket policy would exceed the 16 KB OSS allows' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  unsupported_media_type: { status: 415, title: 'The request body must be application/json' },
  rate_limited: { status: 429, title: 'Too many requests' },
  quota_exceeded: { status: 429, title: 'A quota of this profile (credentials or bytes) is used up' },
  policy_too_large: { status: 500, title: 'The session policy for this grant exceeds the STS size limit' },
  internal: { status: 500, title: 'Internal error' },
  upstream_rejected: { status: 502, title: 'STS refused to issue credentials' },
  upstream_unavailable: { status: 503, title: 'An upstream service (STS or the identity provider) is unavailable', retryAfterSeconds: 5 },
  object_unreadable: { status: 502, title: 'The bucket would not show the uploaded object to the broker' },
  bucket_policy_unavailable: { status: 502, title: 'The bucket policy could not be read or written' },
  bucket_policy_busy: { status: 503, title: 'Another admin call is changing this bucket policy', retryAfterSeconds: 5 },
  upstream_throttled: { status: 503, title: 'STS is throttling this account', retryAfterSeconds: 1 },
  store_unavailable: { status: 503, title: 'The shared store is unavailable', retryAfterSeconds: 1 },
  public_key_unavailable: { status: 503, title: "OSS's callback public key could not be fetched", retryAfterSeconds: 1 },
} as const satisfies Record<string, { status: number; title: string; retryAfterSeconds?: number }>;

export type ErrorCode = keyof typeof ERROR_TABLE;

export interface BrokerErrorOptions {
  /** Seconds the caller should wait before retrying; becomes the Retry-After header. */
  retryAfterSeconds?: number;
  /** Extra members for the problem body (must be safe to show). */
  extensions?: Record<string, unknown>;
  /** The underlying error, for logs only. */
  cause?: unknown;
}

export class BrokerError extends Error {
  readonly status: number;
  readonly retryAfterSeconds: number | undefined;
  readonly extensions: Record<string, unknown>;

  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    options: BrokerErrorOptions = {},
  ) {
    super(`${code}: ${detail}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BrokerError';
    this.status = ERROR_TABLE[code].status;
    // Every 503 tells the caller when to try again; the thrower may know better (STS's x-acs-retry-after).
    const entry = ERROR_TABLE[code];
    this.retryAfterSeconds = options.retryAfterSeconds ?? ('retryAfterSeconds' in entry ? entry.retryAfterSeconds : undefined);
    this.extensions = options.extensions ?? {};
  }

  /**
   * Whether `detail` and `extensions` may be shown to the caller. A 5xx is about our side or an upstream, and
   * its reason (an STS code, a profile's policy size, a store error) is for the operator's log: the caller gets
   * the code, the title and the request id to quote.
   */
  get expose(): boolean {
    return this.status < 500;
  }
}

/** One-line guard: `assertThat(files.length <= max, 'too_many_files', '...')`. */
export function assertThat(condition: unknown, code: ErrorCode, detail: string, options?: BrokerErrorOptions): asserts condition {
  if (!condition) throw new BrokerError(code, detail, options);
}
