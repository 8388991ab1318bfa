/**
 * The local-mode configuration (docs/local-mode.md: the contract scripts and tests rely on). Built as a plain
 * object and validated by the same schema as a production file, so local mode cannot drift from what production
 * accepts.
 */
import { randomBytes } from 'node:crypto';
import type { BrokerConfig, OidcClientConfig } from '../../src/config/schema.js';
import type { DevelopmentRelaxations } from '../../src/config/index.js';
import { parseConfig } from '../../src/runtime/load-config.js';

const LOCAL_ACCOUNT_ID = '1000000000000000';
export const LOCAL_BUCKET = 'local-bucket';
const LOCAL_REGION = 'cn-hangzhou';
export const LOCAL_UPLOAD_ROLE = `acs:ram::${LOCAL_ACCOUNT_ID}:role/local-uploader`;
export const LOCAL_PARTNER_ROLE = `acs:ram::${LOCAL_ACCOUNT_ID}:role/local-partner-reader`;
export const LOCAL_PARTNER_UPLOAD_ROLE = `acs:ram::${LOCAL_ACCOUNT_ID}:role/local-partner-uploader`;
export const LOCAL_PARTNER_TENANT = 'partner1';
/** The profile local mode's credentials URL is for: read-write under the partner's prefix. */
export const LOCAL_CREDENTIAL_URL_PROFILE = 'partner-upload';
export const LOCAL_DEV_CLIENT_ID = 'local-dev';
const LOCAL_PARTNER_CLIENT_ID = 'local-partner';

/**
 * Local mode's one relaxation of the production rules, given in code: the in-memory store. STS is reached over
 * HTTPS as in production; the emulator's one-run CA is passed to the STS client in code (start-local.ts).
 */
export const LOCAL_RELAXATIONS: DevelopmentRelaxations = { memoryStore: true };

export interface LocalPorts {
  broker: number;
  sts: number;
  oss: number;
  /** The admin API's own listener (server.adminPort); none without it. */
  admin?: number;
}

export interface LocalConfigInput {
  ports: LocalPorts;
  devClient: OidcClientConfig;
  partnerKey: { keyId: string; sha256: string };
  /** The credentials URL of this run (for `partner-upload`): its id and the SHA-256 of its secret. */
  credentialUrl?: { id: string; sha256: string };
  /** Absent: from BROKER_CACHE_KEY, as in production (the configuration written for a production build). */
  cacheKeyBase64?: string;
  /** SHA-256 (hex) of the admin key of this run; with `ports.admin`. */
  adminKeySha256?: string;
  /**
   * The `x:grant` MAC key; generated for the run when undefined (local mode only: production never generates it);
   * null leaves it to BROKER_GRANT_KEY, as in production.
   */
  grantKeyBase64?: string | null | undefined;
  redisUrl?: string | undefined;
  logLevel?: string | undefined;
}

/** The roles' own permission policies: the upper bound any session policy is intersected with. */
export const LOCAL_ROLE_POLICIES = {
  [LOCAL_UPLOAD_ROLE]: {
    Version: '1',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['oss:PutObject', 'oss:GetObject', 'oss:AbortMultipartUpload', 'oss:ListParts', 'oss:ListObjects'],
        Resource: [
          `acs:oss:*:*:${LOCAL_BUCKET}`,
          `acs:oss:*:*:${LOCAL_BUCKET}/uploads/*`,
          `acs:oss:*:*:${LOCAL_BUCKET}/forms/*`,
          `acs:oss:*:*:${LOCAL_BUCKET}/home/*`,
          `acs:oss:*:*:${LOCAL_BUCKET}/teams/*`,
        ],
      },
      // The team profile: users delete in their own folder and read the shared one (never write it).
      { Effect: 'Allow', Action: ['oss:DeleteObject'], Resource: [`acs:oss:*:*:${LOCAL_BUCKET}/home/*`] },
      { Effect: 'Allow', Action: ['oss:GetObject'], Resource: [`acs:oss:*:*:${LOCAL_BUCKET}/shared/*`] },
    ],
  },
  [LOCAL_PARTNER_ROLE]: {
    Version: '1',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['oss:GetObject', 'oss:ListObjects'],
        Resource: [`acs:oss:*:*:${LOCAL_BUCKET}`, `acs:oss:*:*:${LOCAL_BUCKET}/partners/*`],
      },
    ],
  },
  [LOCAL_PARTNER_UPLOAD_ROLE]: {
    Version: '1',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['oss:PutObject', 'oss:GetObject', 'oss:AbortMultipartUpload', 'oss:ListParts', 'oss:ListObjects'],
        Resource: [`acs:oss:*:*:${LOCAL_BUCKET}`, `acs:oss:*:*:${LOCAL_BUCKET}/partners/*`],
      },
    ],
  },
};

/**
 * Where the OSS emulator serves its callback public key (the emulator's contract; OSS's own lives on
 * gosspublic.alicdn.com). Local mode starts the emulator on 127.0.0.1, and it names its key by the address it
 * listens on, so this is the one URL it sends, base64-encoded, in `x-oss-pub-key-url`.
 */
export function localCallbackPublicKeyUrl(ossPort: number): string {
  return `http://127.0.0.1:${ossPort}/.well-known/oss-callback-public-key.pem`;
}

/** The byte quota of `uploads` and of `forms` per user and day: far above what the demo uploads, so it never refuses there. */
export const LOCAL_UPLOAD_BYTES_PER_DAY = 2 * 1024 ** 3;

/** What `uploads` and `forms` accept: seven types, 20 MiB a file, ten files a request. */
const LOCAL_FILE_RULES = {
  fileTypes: {
    extensions: ['png', 'jpg', 'jpeg', 'gif', 'webp', 'pdf', 'txt'],
    contentTypes: ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain'],
  },
  maxSizeBytes: 20 * 1024 * 1024,
  maxFiles: 10,
  // Seven types in two letter cases put the prefix into 14 resources: claims up to 40 characters keep the session
  // policy within STS's 2,048 (start-up proves it, and refuses longer claims with a 400).
  maxClaimChars: 40,
};

export function buildLocalConfig(input: LocalConfigInput): Readonly<BrokerConfig> {
  return parseConfig(localConfigDocument(input), LOCAL_RELAXATIONS);
}

/** The configuration as a plain document (what a YAML file would hold), before validation. */
export function localConfigDocument(input: LocalConfigInput): Record<string, unknown> {
  const { ports } = input;
  const ossEndpoint = `http://localhost:${ports.oss}`;
  return {
    server: {
      host: '127.0.0.1',
      port: ports.broker,
      ...(ports.admin === undefined || input.adminKeySha256 === undefined
        ? {}
        : { adminPort: ports.admin, adminKeySha256: input.adminKeySha256 }),
      corsOrigins: [`http://127.0.0.1:${ports.broker}`, `http://localhost:${ports.broker}`],
    },
    clients: [
      input.devClient,
      {
        id: LOCAL_PARTNER_CLIENT_ID,
        type: 'apiKey',
        tenant: LOCAL_PARTNER_TENANT,
        keys: [{ id: input.partnerKey.keyId, sha256: input.partnerKey.sha256 }],
        ...(input.credentialUrl === undefined
          ? {}
          : { credentialUrls: [{ ...input.credentialUrl, profile: LOCAL_CREDENTIAL_URL_PROFILE }] }),
      },
    ],
    profiles: {
      // STS tokens for ali-oss (put, multipart). Its byte quota counts what each request declares: a token
      // holder's actual uploads are not held to it (docs/api.md, "What each upload path guarantees").
      uploads: {
        bucket: LOCAL_BUCKET,
        region: LOCAL_REGION,
        endpoint: ossEndpoint,
        roleArn: LOCAL_UPLOAD_ROLE,
        prefix: 'uploads/${tenant}/${sub}/',
        operations: ['put', 'multipart'],
        ...LOCAL_FILE_RULES,
        keyNaming: 'original',
        scope: 'prefix',
        durationSeconds: 900,
        paths: ['sts'],
        quota: { bytesPerPrincipal: [{ limitBytes: LOCAL_UPLOAD_BYTES_PER_DAY, windowSeconds: 86400 }] },
        clients: [LOCAL_DEV_CLIENT_ID],
      },
      // Signed forms only (POST /v1/post-policy), with an upload callback from the OSS emulator to this broker:
      // the storage holds each upload to its declared size and type, and the byte quota to actual sizes.
      forms: {
        bucket: LOCAL_BUCKET,
        region: LOCAL_REGION,
        endpoint: ossEndpoint,
        roleArn: LOCAL_UPLOAD_ROLE,
        prefix: 'forms/${tenant}/${sub}/',
        operations: ['put'],
        ...LOCAL_FILE_RULES,
        keyNaming: 'random',
        scope: 'keys',
        durationSeconds: 900,
        paths: ['form'],
        // Each form pins no-overwrite (a second upload of its key is 409 FileAlreadyExists) and encryption at rest.
        postPolicy: {
          formLifetimeSeconds: 600,
          forbidOverwrite: true,
          serverSideEncryption: { algorithm: 'AES256' },
          callback: { url: `http://127.0.0.1:${ports.broker}/v1/oss-callback` },
        },
        quota: { bytesPerPrincipal: [{ limitBytes: LOCAL_UPLOAD_BYTES_PER_DAY, windowSeconds: 86400 }] },
        clients: [LOCAL_DEV_CLIENT_ID],
      },
      // A team area: the user's own folder, a folder per group in the token's `groups` claim (POST /dev/token
      // with "groups": [...]) and the tenant's shared folder, read-only. Worst-case session policy: 1,648 bytes
      // (5 groups of 32 characters, 32-character tenant and user; test/dev/local/local-mode.test.ts).
      team: {
        bucket: LOCAL_BUCKET,
        region: LOCAL_REGION,
        endpoint: ossEndpoint,
        roleArn: LOCAL_UPLOAD_ROLE,
        prefix: 'home/${tenant}/${sub}/',
        operations: ['put', 'multipart', 'get', 'list', 'delete'],
        areas: [
          { prefix: 'teams/${tenant}/${claims.groups}/', operations: ['put', 'multipart', 'get', 'list'] },
          { prefix: 'shared/${tenant}/', operations: ['get', 'list'] },
        ],
        listClaims: { groups: { maxValues: 5, maxChars: 32 } },
        maxClaimChars: 32,
        durationSeconds: 900,
        paths: ['sts'],
        clients: [LOCAL_DEV_CLIENT_ID],
      },
      'partner-read': {
        bucket: LOCAL_BUCKET,
        region: LOCAL_REGION,
        endpoint: ossEndpoint,
        roleArn: LOCAL_PARTNER_ROLE,
        prefix: 'partners/${tenant}/',
        operations: ['get', 'list'],
        durationSeconds: 900,
        clients: [LOCAL_PARTNER_CLIENT_ID],
      },
      // For credentials URLs (and the partner key): read-write under the partner's prefix. Per partner, not per
      // URL: a partner supplies ${tenant} only (src/auth/claims.ts). An hour: the @alicloud/credentials URI
      // provider fetches again whenever less than 15 minutes are left, so a 15-minute token would send every
      // call to the broker (docs/clients.md).
      [LOCAL_CREDENTIAL_URL_PROFILE]: {
        bucket: LOCAL_BUCKET,
        region: LOCAL_REGION,
        endpoint: ossEndpoint,
        roleArn: LOCAL_PARTNER_UPLOAD_ROLE,
        prefix: 'partners/${tenant}/',
        operations: ['put', 'multipart', 'get', 'list'],
        durationSeconds: 3600,
        clients: [LOCAL_PARTNER_CLIENT_ID],
      },
    },
    sts: { endpoint: `127.0.0.1:${ports.sts}`, timeoutMs: 3000 },
    redis: input.redisUrl ? { url: input.redisUrl, keyPrefix: 'osb:local:' } : { keyPrefix: 'osb:local:' },
    cache: input.cacheKeyBase64 === undefined ? {} : { encryptionKey: input.cacheKeyBase64 },
    uploads: {
      ...(input.grantKeyBase64 === null ? {} : { grantKey: input.grantKeyBase64 ?? randomBytes(32).toString('base64') }),
      // Only the OSS emulator's key is believed, at the one URL the emulator names it by.
      callbackPublicKeyUrls: [localCallbackPublicKeyUrl(ports.oss)],
    },
    ...(input.logLevel ? { logLevel: input.logLevel } : {}),
  };
}
