/**
 * Public shapes of the OSS emulator: options, bucket CORS rules, the running handle and its statistics.
 * Kept apart from the implementation so local mode and tests import types only.
 */
import type { ObjectEncryption } from './encryption.js';
import type { StoredObject } from './object-store.js';

interface OssEmulatorClock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** One bucket CORS rule, in the shape of OSS PutBucketCors `CORSRule`. */
export interface CorsRule {
  /** Origins; each may contain one `*` wildcard (`*` alone allows every origin). */
  allowedOrigins: string[];
  /** `GET`, `PUT`, `POST`, `DELETE`, `HEAD`. */
  allowedMethods: string[];
  /** Request headers a preflight may ask for; `*` wildcards allowed. Default: none. */
  allowedHeaders?: string[];
  /**
   * Response headers the browser may read. Default when omitted: `ETag` and `x-oss-request-id` (ali-oss's multipart
   * upload in a browser needs `ETag`, https://github.com/ali-sdk/ali-oss#browser-usage). Pass `[]` to expose nothing.
   */
  exposeHeaders?: string[];
  maxAgeSeconds?: number;
}

interface OssBucketConfig {
  /** 3..63 characters, `[a-z0-9-]` (ali-oss refuses other names client-side, https://github.com/ali-sdk/ali-oss/blob/master/lib/common/client/initOptions.js). */
  name: string;
  cors?: CorsRule[];
}

export interface OssEmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks an ephemeral port. */
  port?: number;
  /** The STS emulator's 32-byte seal key: tokens are opened with `openToken` (no shared state). */
  sealKey: Buffer;
  buckets: OssBucketConfig[];
  clock?: OssEmulatorClock;
  /** Accepted request-time skew. Default 900 s (https://www.alibabacloud.com/help/en/oss/developer-reference/include-signatures-in-the-authorization-header: 15 minutes). */
  maxSkewSeconds?: number;
  /** Keep objects in this directory instead of memory (created when missing; existing objects are loaded). */
  dataDir?: string;
  /** Largest single PutObject / PostObject / part body. Default 5 GiB (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject). */
  maxObjectBytes?: number;
  /**
   * How long an upload callback may take. Default 5000 ms, OSS's limit
   * (https://www.alibabacloud.com/help/en/oss/developer-reference/callback); tests shorten it.
   */
  callbackTimeoutMs?: number;
}

interface StoredObjectView {
  body: Buffer;
  contentType?: string;
  /** Quoted, as OSS returns it: `"…"`. */
  etag: string;
  /** Server-side encryption the upload asked for; absent: none. */
  encryption?: ObjectEncryption;
}

export interface OssEmulatorStats {
  /** Every request the server answered. */
  requests: number;
  /** Count per outcome: an OSS error code, or `OK`. */
  byCode: Record<string, number>;
  /** Count per operation name (`PutObject`, `ListObjectsV2`, `PostObject`, `Preflight`, …). */
  byOperation: Record<string, number>;
}

export interface OssEmulator {
  /** `http://host:port` */
  url: string;
  host: string;
  port: number;
  /** `http://localhost:PORT`: use with ali-oss `sldEnable: true` for path-style requests (https://github.com/ali-sdk/ali-oss/blob/master/lib/common/client/initOptions.js). */
  endpointPathStyle: string;
  objects: {
    get(bucket: string, key: string): StoredObjectView | undefined;
    list(bucket: string, prefix?: string): string[];
    /** Places an object as if it had been uploaded (test set-up: a given size and time, no request). */
    put(bucket: string, object: StoredObject): void;
  };
  stats: OssEmulatorStats;
  /**
   * The URL of the emulator's callback public key, `http://<host>:<port>/.well-known/oss-callback-public-key.pem`,
   * sent base64-encoded in every callback's `x-oss-pub-key-url`.
   */
  callbackPublicKeyUrl: string;
  /** The same key (SPKI PEM), for tests that verify a callback signature. */
  callbackPublicKeyPem: string;
  close(): Promise<void>;
}
