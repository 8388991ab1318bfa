/**
 * The one configuration schema. Everything the broker reads at start-up is validated here, once; the result is
 * deep-frozen and injected (see load.ts). Unknown fields are refused (`strict`) so a typo cannot silently drop a
 * restriction such as `conditions` or `quota`.
 */
import { z } from 'zod';

const ident = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'must be 1-63 of a-z 0-9 . _ - and start with a letter or digit');

export const OPERATIONS = ['put', 'multipart', 'get', 'list', 'delete'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** STS: DurationSeconds is 900..MaxSessionDuration, and MaxSessionDuration is at most 43200 (facts A1). */
export const STS_MIN_DURATION = 900;
export const STS_MAX_DURATION = 43200;

const windowLimit = z
  .object({
    limit: z.number().int().positive(),
    windowSeconds: z
      .number()
      .int()
      .positive()
      .max(31 * 24 * 3600),
  })
  .strict();

const oidcClient = z
  .object({
    id: ident,
    type: z.literal('oidc'),
    issuer: z.string().min(1),
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    /** Remote JWKS (fetched and cached by jose, refetched on an unknown `kid`) ... */
    jwksUri: z.url({ protocol: /^https?$/ }).optional(),
    /** ... or a local JWKS file (`{"keys": [...]}`). Exactly one of the two. */
    jwksFile: z.string().min(1).optional(),
    algorithms: z
      .array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']))
      .min(1)
      .default(['RS256']),
    clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
    /** Claim that names the end user; becomes `${sub}` in prefix templates. */
    subjectClaim: z.string().min(1).default('sub'),
    /** Claim that names the tenant; becomes `${tenant}`. Omit and set `tenant` for single-tenant issuers. */
    tenantClaim: z.string().min(1).optional(),
    tenant: z.string().min(1).optional(),
    /** Other claims that prefix templates may use, as `${claimName}`. */
    templateClaims: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/)).default([]),
  })
  .strict()
  .refine((c) => (c.jwksUri === undefined) !== (c.jwksFile === undefined), {
    message: 'set exactly one of jwksUri or jwksFile',
    path: ['jwksUri'],
  })
  .refine((c) => (c.tenantClaim === undefined) !== (c.tenant === undefined), {
    message: 'set exactly one of tenantClaim or tenant',
    path: ['tenantClaim'],
  });

const apiKeyClient = z
  .object({
    id: ident,
    type: z.literal('apiKey'),
    tenant: z.string().min(1),
    /** Partner keys are sent as `X-Api-Key: <keyId>.<secret>`; only a SHA-256 hash of the secret is stored. */
    keys: z
      .array(
        z
          .object({
            id: z.string().regex(/^[A-Za-z0-9_-]{4,64}$/, 'must be 4-64 of A-Z a-z 0-9 _ -'),
            sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the lowercase hex SHA-256 of the secret'),
            revoked: z.boolean().default(false),
          })
          .strict(),
      )
      .min(1),
    /**
     * Opt-in credentials URLs, for clients that can only GET a URL (the OSS Android/iOS SDKs' auth-server provider,
     * the @alicloud/credentials URI provider): `GET /v1/credentials/<profile>?format=alibaba&credential=<id>.<secret>`.
     * Each is scoped to one profile; like keys, only the SHA-256 of the secret is stored, and `revoked` turns it off.
     */
    credentialUrls: z
      .array(
        z
          .object({
            id: z.string().regex(/^[A-Za-z0-9_-]{4,64}$/, 'must be 4-64 of A-Z a-z 0-9 _ -'),
            sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the lowercase hex SHA-256 of the secret'),
            profile: ident,
            revoked: z.boolean().default(false),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

const REFRESH_AHEAD_DEFAULTS = { enabled: true, leadSeconds: 60, maxKeys: 10000, concurrency: 4 };

const refreshAheadSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Re-issue this long before the token drops under minRemainingSeconds; keep it above the STS deadline. */
    leadSeconds: z.number().int().min(1).max(3600).default(60),
    /** A key requested within this long is hot. Default: twice minRemainingSeconds (clients refresh more often). */
    hotSeconds: z.number().int().min(1).max(86400).optional(),
    /** Hot keys tracked per replica (least recently requested out first). */
    maxKeys: z.number().int().min(0).max(1_000_000).default(10000),
    /** Background refreshes at once per replica. */
    concurrency: z.number().int().min(1).max(64).default(4),
  })
  .strict()
  .default(REFRESH_AHEAD_DEFAULTS);

export const clientSchema = z.discriminatedUnion('type', [oidcClient, apiKeyClient]);

const profileSchema = z
  .object({
    bucket: z.string().regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, 'must be a valid OSS bucket name'),
    region: z.string().regex(/^[a-z]{2,}(-[a-z0-9]+)+$/, 'must be a region id such as cn-hangzhou'),
    /** OSS endpoint returned to clients; defaults to https://oss-<region>.aliyuncs.com. */
    endpoint: z.url({ protocol: /^https?$/ }).optional(),
    roleArn: z.string().regex(/^acs:ram::\d+:role\/[A-Za-z0-9._-]{1,64}$/, 'must look like acs:ram::<account>:role/<name>'),
    /** For cross-account partner roles whose trust policy requires sts:ExternalId (facts A1). */
    externalId: z
      .string()
      .regex(/^[\w+=,.@:/-]{2,1224}$/)
      .optional(),
    prefix: z.string().min(1).max(512),
    operations: z.array(z.enum(OPERATIONS)).min(1),
    fileTypes: z
      .object({
        extensions: z.array(z.string().regex(/^[a-z0-9]{1,16}$/, 'lowercase, no dot')).min(1),
        contentTypes: z.array(z.string().regex(/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/)).min(1),
      })
      .strict()
      .optional(),
    maxSizeBytes: z
      .number()
      .int()
      .positive()
      .max(48.8 * 1024 ** 4)
      .optional(),
    maxFiles: z.number().int().min(1).max(100).default(10),
    keyNaming: z.enum(['original', 'random']).default('original'),
    scope: z.enum(['prefix', 'keys']).default('prefix'),
    durationSeconds: z.number().int().min(STS_MIN_DURATION).max(STS_MAX_DURATION).default(STS_MIN_DURATION),
    conditions: z
      .object({
        sourceIp: z.array(z.string().min(1)).min(1).optional(),
        secureTransport: z.boolean().optional(),
      })
      .strict()
      .default({}),
    quota: z
      .object({ perPrincipal: z.array(windowLimit).min(1) })
      .strict()
      .optional(),
    /** Client ids (from `clients`) allowed to use this profile. */
    clients: z.array(ident).min(1),
  })
  .strict();

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().default('0.0.0.0'),
        port: z.number().int().min(0).max(65535).default(8080),
        /** Express `trust proxy`: hops or CIDRs of the load balancers whose X-Forwarded-For is believed. */
        trustProxy: z.union([z.boolean(), z.number().int().min(0), z.string(), z.array(z.string())]).default(false),
        bodyLimitBytes: z
          .number()
          .int()
          .positive()
          .max(1024 * 1024)
          .default(16 * 1024),
        corsOrigins: z.array(z.url()).default([]),
      })
      .strict()
      .default({ host: '0.0.0.0', port: 8080, trustProxy: false, bodyLimitBytes: 16 * 1024, corsOrigins: [] }),
    clients: z.array(clientSchema).min(1),
    profiles: z.record(ident, profileSchema).refine((p) => Object.keys(p).length > 0, 'at least one profile'),
    sts: z
      .object({
        /** host[:port] of STS (e.g. sts-vpc.cn-hangzhou.aliyuncs.com); or give `region` and let the SDK resolve it. */
        endpoint: z
          .string()
          .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'host[:port], no scheme')
          .optional(),
        region: z.string().optional(),
        protocol: z.enum(['https', 'http']).default('https'),
        /** http only makes sense against the local emulator. */
        timeoutMs: z.number().int().positive().max(60000).default(5000),
        maxAttempts: z.number().int().min(1).max(5).default(3),
        /** The STS session-policy size limit (facts A1: 2,048 now, 1,024 in older docs). */
        policyMaxChars: z.number().int().min(256).max(65536).default(2048),
        /** Upper bound on AssumeRole calls per second from this replica (the account shares ~100/s). */
        maxCallsPerSecond: z.number().positive().max(1000).default(20),
        /**
         * AssumeRole calls per second for the whole account, counted in Redis by every replica together. STS allows
         * 6,000/min (~100/s) per account; fixed one-second windows allow up to twice this in a sliding second, so the
         * default 40 stays under 100 even at a window boundary and leaves room for the account's other users.
         */
        accountCallsPerSecond: z.number().int().min(1).max(100).default(40),
        breaker: z
          .object({
            failureThreshold: z.number().int().positive().default(5),
            openSeconds: z.number().positive().default(10),
          })
          .strict()
          .default({ failureThreshold: 5, openSeconds: 10 }),
      })
      .strict()
      .refine((s) => s.endpoint !== undefined || s.region !== undefined, {
        message: 'set endpoint or region',
        path: ['endpoint'],
      }),
    redis: z
      .object({
        /** redis://, rediss://, or a list of Sentinel / Cluster nodes. Omit only in local mode. */
        url: z.string().optional(),
        sentinels: z.array(z.object({ host: z.string(), port: z.number().int() }).strict()).optional(),
        sentinelName: z.string().optional(),
        cluster: z.array(z.object({ host: z.string(), port: z.number().int() }).strict()).optional(),
        keyPrefix: z.string().default('osb:'),
        commandTimeoutMs: z.number().int().positive().max(10000).default(250),
        connectTimeoutMs: z.number().int().positive().max(30000).default(2000),
      })
      .strict()
      .default({ keyPrefix: 'osb:', commandTimeoutMs: 250, connectTimeoutMs: 2000 }),
    cache: z
      .object({
        /** 32 bytes, base64. Supply through BROKER_CACHE_KEY or BROKER_CACHE_KEY_FILE, not in the file. */
        encryptionKey: z.string().optional(),
        /** A cached token is reused only while it has more than this much life left. */
        minRemainingSeconds: z.number().int().min(60).default(300),
        l1MaxEntries: z.number().int().min(0).max(1_000_000).default(10000),
        /**
         * How long a request waits for another replica's in-flight AssumeRole for the same token before it gets a 503
         * (or a stale token). It never calls STS itself meanwhile: that would give one key two tokens.
         */
        lockTimeoutMs: z.number().int().positive().max(30000).default(6000),
        /**
         * Serve-stale: while STS cannot issue (down, throttling, breaker open), a cached token with more life left
         * than this is still handed out, marked `"stale": true`. Below it, the 503. Must be under minRemainingSeconds.
         */
        staleFloorSeconds: z.number().int().min(0).default(60),
        /** Hot keys are re-issued in the background before their token drops under minRemainingSeconds. */
        refreshAhead: refreshAheadSchema,
      })
      .strict()
      .refine((c) => c.staleFloorSeconds < c.minRemainingSeconds, {
        message: 'must be less than cache.minRemainingSeconds',
        path: ['staleFloorSeconds'],
      })
      .default({
        minRemainingSeconds: 300,
        l1MaxEntries: 10000,
        lockTimeoutMs: 6000,
        staleFloorSeconds: 60,
        refreshAhead: REFRESH_AHEAD_DEFAULTS,
      }),
    rateLimits: z
      .object({
        perPrincipal: windowLimit.default({ limit: 120, windowSeconds: 60 }),
        perIp: windowLimit.default({ limit: 600, windowSeconds: 60 }),
      })
      .strict()
      .default({ perPrincipal: { limit: 120, windowSeconds: 60 }, perIp: { limit: 600, windowSeconds: 60 } }),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict();

export type BrokerConfigInput = z.input<typeof configSchema>;
export type BrokerConfig = z.output<typeof configSchema>;
export type ProfileConfig = BrokerConfig['profiles'][string];
export type ClientConfig = BrokerConfig['clients'][number];
export type OidcClientConfig = Extract<ClientConfig, { type: 'oidc' }>;
export type ApiKeyClientConfig = Extract<ClientConfig, { type: 'apiKey' }>;
