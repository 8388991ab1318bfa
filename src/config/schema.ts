/**
 * The one configuration schema. Everything the broker reads at start-up is validated here, once; the result is
 * deep-frozen and injected (see load.ts). Unknown fields are refused (`strict`) so a typo cannot silently drop a
 * restriction such as `conditions` or `quota`.
 */
import { z } from 'zod';

/** Client ids and profile names. */
export const IDENT = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const IDENT_RULE = 'must be 1-63 of a-z 0-9 . _ - and start with a letter or digit';
const ident = z.string().regex(IDENT, IDENT_RULE);

export const OPERATIONS = ['put', 'multipart', 'get', 'list', 'delete'] as const;
export type Operation = (typeof OPERATIONS)[number];

/**
 * How a profile hands out uploads: `sts` = POST and GET /v1/credentials (an STS token the client holds and uses with
 * any SDK), `form` = POST /v1/post-policy (a signed PostObject form; the signing token stays in the broker).
 */
export const UPLOAD_PATHS = ['sts', 'form'] as const;
export type UploadPath = (typeof UPLOAD_PATHS)[number];

/** STS: DurationSeconds is 900..MaxSessionDuration, and MaxSessionDuration is at most 43200 (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole). */
export const STS_MIN_DURATION = 900;
export const STS_MAX_DURATION = 43200;

/**
 * Claims are identifiers (subject, tenant). 128 is the most any profile may allow (its `maxClaimChars`, default 64,
 * is usually lower), because every claim is repeated in each resource of a session policy that STS caps at 2,048
 * characters (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole).
 */
export const MAX_CLAIM_CHARS = 128;
const DEFAULT_MAX_CLAIM_CHARS = 64;

/**
 * A list claim's name as it appears in the token. `:` and `-` are allowed beside the single-value claims' set
 * because identity providers name group claims that way (Amazon Cognito: `cognito:groups`).
 */
export const LIST_CLAIM_NAME = /^[A-Za-z_][A-Za-z0-9_:-]{0,63}$/;
const listClaimName = z.string().regex(LIST_CLAIM_NAME, 'must be 1-64 of A-Z a-z 0-9 _ : - and start with a letter or _');

/**
 * How many distinct values of a list claim a profile uses, and how long each may be. A token carrying more is
 * refused (403 `too_many_claim_values`), never cut to fit: which values a cut would keep is not the operator's
 * choice. Defaults: 5 values (teams per person), 36 characters (a UUID, the form Microsoft Entra ID gives groups).
 * Start-up proves that a policy with every list at `maxValues` values of `maxChars` fits `sts.policyMaxChars`.
 */
export const LIST_CLAIM_DEFAULTS = Object.freeze({ maxValues: 5, maxChars: 36 });
const listClaimLimits = z
  .object({
    maxValues: z.number().int().min(1).max(100).default(LIST_CLAIM_DEFAULTS.maxValues),
    maxChars: z.number().int().min(1).max(MAX_CLAIM_CHARS).default(LIST_CLAIM_DEFAULTS.maxChars),
  })
  .strict();
export type ListClaimLimits = z.output<typeof listClaimLimits>;

/**
 * One more place a profile's tokens reach beside its own `prefix`, with its own operations: e.g. a team's folder
 * (`teams/${tenant}/${claims.groups}/`, one per group) or a read-only `shared/${tenant}/`. Always prefix scope.
 */
const areaSchema = z
  .object({
    prefix: z.string().min(1).max(512),
    operations: z.array(z.enum(OPERATIONS)).min(1),
  })
  .strict();
export const MAX_AREAS = 8;
/** Kubernetes: terminationGracePeriodSeconds must exceed this (deploy/kubernetes adds 5 s). */
const DEFAULT_DRAIN_TIMEOUT_SECONDS = 20;

/** A counting window: at most 31 days. */
const windowSeconds = z
  .number()
  .int()
  .positive()
  .max(31 * 24 * 3600);

const windowLimit = z
  .object({
    limit: z.number().int().positive(),
    windowSeconds,
  })
  .strict();

/**
 * A byte-quota window: at most `limitBytes` per principal per window. Capped at 2^46 bytes (64 TiB) so every
 * counter stays an exact integer in Redis Lua's 14-significant-digit number formatting.
 */
const byteWindowLimit = z
  .object({
    limitBytes: z
      .number()
      .int()
      .positive()
      .max(2 ** 46),
    windowSeconds,
  })
  .strict();

/**
 * Opt-in for POST /v1/post-policy (storage-enforced form uploads). `callback` makes OSS call the broker after each
 * upload (POST /v1/oss-callback), which is what turns byte reservations into actual sizes.
 */
const roleArn = z.string().regex(/^acs:ram::\d+:role\/[A-Za-z0-9._-]{1,64}$/, 'must look like acs:ram::<account>:role/<name>');

/**
 * Server-side encryption a form pins (`x-oss-server-side-encryption`, and with KMS optionally
 * `x-oss-server-side-encryption-key-id`; https://www.alibabacloud.com/help/en/oss/developer-reference/putobject).
 * SM4 is left out: OSS offers it in some regions only.
 */
const serverSideEncryptionSchema = z
  .object({
    algorithm: z.enum(['AES256', 'KMS']),
    /** A KMS key id or ARN; absent with KMS, OSS uses the account's OSS-managed default key. */
    kmsKeyId: z
      .string()
      .regex(/^[A-Za-z0-9:/_-]{1,256}$/, 'must be a KMS key id or ARN')
      .optional(),
  })
  .strict()
  .refine((sse) => sse.kmsKeyId === undefined || sse.algorithm === 'KMS', {
    message: 'kmsKeyId needs algorithm: KMS',
    path: ['kmsKeyId'],
  });

const postPolicySchema = z
  .object({
    /** How long a signed form stays usable; never past the signing STS token's expiry (clamped when issued). */
    formLifetimeSeconds: z.number().int().min(60).max(STS_MAX_DURATION).default(600),
    /**
     * Pin `x-oss-forbid-overwrite: true`: OSS refuses the upload when the key already exists (409 FileAlreadyExists).
     * Default: true with a callback (a grant settles once, uploads/post-policy-document.ts), false otherwise.
     */
    forbidOverwrite: z.boolean().optional(),
    /** Pin server-side encryption: OSS refuses a form whose encryption fields were removed or changed. */
    serverSideEncryption: serverSideEncryptionSchema.optional(),
    callback: z
      .object({
        /** The broker's public callback URL as OSS must reach it, e.g. https://broker.example.com/v1/oss-callback. */
        url: z.url({ protocol: /^https?$/ }),
        /**
         * The role the broker assumes to read an uploaded object's metadata (GetObjectMeta needs oss:GetObject on
         * the profile's prefix). Default: the profile's own roleArn (and externalId).
         */
        readerRoleArn: roleArn.optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((p) => !(p.callback !== undefined && p.forbidOverwrite === false), {
    message: 'a form with a callback always forbids overwrites (a grant settles once); remove forbidOverwrite: false',
    path: ['forbidOverwrite'],
  });

/** What verifies a JWT from one issuer: the user clients' and the admin API's (`server.adminOidc`). */
const jwtIssuerFields = {
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
};

const hasOneKeySource = (c: { jwksUri?: string | undefined; jwksFile?: string | undefined }) =>
  (c.jwksUri === undefined) !== (c.jwksFile === undefined);
const ONE_KEY_SOURCE = { message: 'set exactly one of jwksUri or jwksFile', path: ['jwksUri'] };

const oidcClient = z
  .object({
    id: ident,
    type: z.literal('oidc'),
    ...jwtIssuerFields,
    /** Claim that names the end user; becomes `${sub}` in prefix templates. */
    subjectClaim: z.string().min(1).default('sub'),
    /** Claim that names the tenant; becomes `${tenant}`. Omit and set `tenant` for single-tenant issuers. */
    tenantClaim: z.string().min(1).optional(),
    tenant: z.string().min(1).optional(),
    /** Other claims that prefix templates may use, as `${claimName}`. */
    templateClaims: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/)).default([]),
    /**
     * Claims that are lists (`groups`, `roles`, `cognito:groups`), usable in `areas[].prefix` as `${claims.name}`:
     * one area per value. Absent from a token = no values. Optional with no default, so a configuration without it
     * parses exactly as before list claims existed.
     */
    listClaims: z
      .array(listClaimName)
      .refine((names) => new Set(names).size === names.length, 'list each claim once')
      .optional(),
  })
  .strict()
  .refine((c) => !(c.listClaims ?? []).some((name) => c.templateClaims.includes(name)), {
    message: 'a claim is either a single value (templateClaims) or a list (listClaims), not both',
    path: ['listClaims'],
  })
  .refine(hasOneKeySource, ONE_KEY_SOURCE)
  .refine((c) => (c.tenantClaim === undefined) !== (c.tenant === undefined), {
    message: 'set exactly one of tenantClaim or tenant',
    path: ['tenantClaim'],
  });

/** One partner key, in `clients[].keys` and in the BROKER_API_KEYS secret alike. */
export const apiKeyEntrySchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]{4,64}$/, 'must be 4-64 of A-Z a-z 0-9 _ -'),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the lowercase hex SHA-256 of the secret'),
    revoked: z.boolean().default(false),
  })
  .strict();

/** A client's partner keys: at least one (a partner with none is cut off by marking its keys `revoked`). */
export const apiKeyListSchema = z.array(apiKeyEntrySchema).min(1);

/**
 * The BROKER_API_KEYS secret (env, `_FILE` or KMS): JSON, apiKey client id → that client's keys, each as in
 * `clients[].keys`. The clients themselves (tenant, the profiles that name them) stay in the file.
 */
export const apiKeysSecretSchema = z.record(ident, apiKeyListSchema);

const apiKeyClient = z
  .object({
    id: ident,
    type: z.literal('apiKey'),
    tenant: z.string().min(1),
    /** Partner keys are sent as `X-Api-Key: <keyId>.<secret>`; only a SHA-256 hash of the secret is stored. */
    keys: apiKeyListSchema,
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

/** Who an admin action is recorded as: a name an operator is known by, never a secret. */
export const ADMIN_NAME = /^[A-Za-z0-9._@-]{1,64}$/;

export const adminKeyEntrySchema = z
  .object({
    name: z.string().regex(ADMIN_NAME, 'must be 1-64 of A-Z a-z 0-9 . _ @ -'),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the lowercase hex SHA-256 of the admin key'),
  })
  .strict();

/**
 * Operators who sign in to the admin API with their identity provider instead of a key: a JWT from `issuer` for
 * `audience` (an audience of the admin API's own) whose `requireClaim.name` claim is `requireClaim.value` or a list
 * holding it. The audit trail names them `oidc:<nameClaim value>`.
 */
export const adminOidcSchema = z
  .object({
    ...jwtIssuerFields,
    /** The claim an admin must carry, e.g. `{ name: groups, value: oss-broker-admins }`. */
    requireClaim: z.object({ name: z.string().min(1), value: z.string().min(1) }).strict(),
    /** The claim that names the operator in the audit trail (1-64 of A-Z a-z 0-9 . _ @ -). */
    nameClaim: z.string().min(1).default('sub'),
  })
  .strict()
  .refine(hasOneKeySource, ONE_KEY_SOURCE);

/** The BROKER_ADMIN_KEYS secret and `server.adminKeys`: each name and each key once. */
export const adminKeyListSchema = z
  .array(adminKeyEntrySchema)
  .min(1)
  .superRefine((keys, ctx) => {
    const names = new Set<string>();
    const hashes = new Set<string>();
    keys.forEach((key, i) => {
      if (names.has(key.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'names an admin twice' });
      if (hashes.has(key.sha256)) ctx.addIssue({ code: 'custom', path: [i, 'sha256'], message: 'the same key twice' });
      names.add(key.name);
      hashes.add(key.sha256);
    });
  });

const redisNode = z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) }).strict();
/** An empty list would read as "no Redis" and the broker would count on its own: refuse it instead. */
const EMPTY_NODE_LIST = 'must list at least one node (omit the field instead)';
const REFRESH_AHEAD_DEFAULTS = { enabled: true, leadSeconds: 60, maxKeys: 20000, concurrency: 4 };

const refreshAheadSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Re-issue this long before the token drops under minRemainingSeconds; keep it above the STS deadline. */
    leadSeconds: z.number().int().min(1).max(3600).default(60),
    /** A key requested within this long is hot. Default: twice minRemainingSeconds (clients refresh more often). */
    hotSeconds: z.number().int().min(1).max(86400).optional(),
    /** Hot keys tracked per replica (least recently requested out first); like l1MaxEntries, above the active principals. */
    maxKeys: z.number().int().min(0).max(1_000_000).default(20000),
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
    roleArn,
    /** For cross-account partner roles whose trust policy requires sts:ExternalId (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole). */
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
    /**
     * The longest value a prefix placeholder (`${sub}`, `${tenant}`, a template claim) may take. Start-up proves
     * that a policy with every placeholder this long fits `sts.policyMaxChars`; a longer claim is refused with 400
     * `invalid_name` naming the claim. 64 covers the subject formats of the common identity providers (UUIDs: 36,
     * Microsoft Entra `sub`: 43).
     */
    maxClaimChars: z.number().int().min(1).max(MAX_CLAIM_CHARS).default(DEFAULT_MAX_CLAIM_CHARS),
    /** More areas beside `prefix` (which stays the profile's own: keys, forms and quotas are about it). */
    areas: z.array(areaSchema).min(1).max(MAX_AREAS).optional(),
    /** Limits per list claim used in `areas` (see LIST_CLAIM_DEFAULTS for a claim not listed here). */
    listClaims: z.record(listClaimName, listClaimLimits).optional(),
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
      .object({
        perPrincipal: z.array(windowLimit).min(1).optional(),
        /** Declared bytes per principal per window (docs/api.md, "POST /v1/oss-callback"). */
        bytesPerPrincipal: z.array(byteWindowLimit).min(1).optional(),
      })
      .strict()
      .refine((q) => q.perPrincipal !== undefined || q.bytesPerPrincipal !== undefined, 'set perPrincipal, bytesPerPrincipal or both')
      .optional(),
    /** Signed PostObject forms (POST /v1/post-policy); absent = the profile does not offer them. */
    postPolicy: postPolicySchema.optional(),
    /**
     * Which paths the profile offers (profilePaths). Absent: `sts`, plus `form` when `postPolicy` is set, which is
     * what a profile offered before it could say; the check below still refuses that default where it is unsafe.
     */
    paths: z
      .array(z.enum(UPLOAD_PATHS))
      .min(1)
      .refine((paths) => new Set(paths).size === paths.length, 'list each path once')
      .optional(),
    /**
     * The operator's explicit "yes" to offering `sts` on a profile whose byte quota or pinned object settings the
     * storage enforces for forms only: a token holder's uploads are not held to them (docs/api.md, "What each upload
     * path guarantees").
     */
    allowUnenforcedTokenPath: z.boolean().optional(),
    /** Client ids (from `clients`) allowed to use this profile. */
    clients: z.array(ident).min(1),
  })
  .strict()
  .superRefine((profile, ctx) => {
    const paths = profilePaths(profile);
    if (paths.includes('form') !== (profile.postPolicy !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['paths'],
        message: paths.includes('form')
          ? '"form" needs postPolicy (the form settings)'
          : 'postPolicy is set but paths does not list "form"; add "form" or remove postPolicy',
      });
    }
    // A byte quota settled by a form callback promises limits the storage holds; a token can write past them (RAM
    // policies have no size or type condition), so offering both needs the operator to say so.
    if (
      paths.includes('sts') &&
      profile.quota?.bytesPerPrincipal !== undefined &&
      profile.postPolicy?.callback !== undefined &&
      profile.allowUnenforcedTokenPath !== true
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['paths'],
        message:
          `${profile.paths === undefined ? 'defaults to [sts, form]' : 'offers "sts"'}, but quota.bytesPerPrincipal with ` +
          'postPolicy.callback is enforced by the storage on the form path only: a token holder can upload any size ' +
          'and type its session policy allows, uncounted. Set paths: [form], or allowUnenforcedTokenPath: true to ' +
          'accept that',
      });
    }
    // Pinned object settings hold only for uploads through the forms: a token's session policy cannot require
    // either header (RAM has no condition key for them), so a token holder could write without them.
    const pins = profile.postPolicy;
    if (
      paths.includes('sts') &&
      (pins?.forbidOverwrite === true || pins?.serverSideEncryption !== undefined) &&
      profile.allowUnenforcedTokenPath !== true
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['paths'],
        message:
          `${profile.paths === undefined ? 'defaults to [sts, form]' : 'offers "sts"'}, but postPolicy.forbidOverwrite and ` +
          'postPolicy.serverSideEncryption hold for form uploads only: a token holder can overwrite and upload ' +
          'unencrypted (use bucket settings for that, docs/clients.md). Set paths: [form], or allowUnenforcedTokenPath: ' +
          'true to accept that',
      });
    }
    if (profile.postPolicy === undefined) return;
    // PostObject is authorized as oss:PutObject on the key (RAM action table, https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements).
    if (!profile.operations.includes('put')) {
      ctx.addIssue({ code: 'custom', path: ['postPolicy'], message: 'needs the "put" operation (PostObject is oss:PutObject)' });
    }
    if (profile.postPolicy.formLifetimeSeconds > profile.durationSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['postPolicy', 'formLifetimeSeconds'],
        message: 'must not exceed durationSeconds: a form cannot outlive the token that signs it',
      });
    }
  });

/**
 * OSS's callback public key, as its callbacks name it in `x-oss-pub-key-url`: Alibaba's callback page shows the
 * http URL and tells receivers to accept http or https on gosspublic.alicdn.com
 * (https://www.alibabacloud.com/help/en/oss/developer-reference/callback).
 */
export const OSS_CALLBACK_PUBLIC_KEY_URLS = [
  'http://gosspublic.alicdn.com/callback_pub_key_v1.pem',
  'https://gosspublic.alicdn.com/callback_pub_key_v1.pem',
];

/** An exact key URL, written as the URL standard serializes it, so comparing it as text with a header is exact. */
const publicKeyUrl = z.string().superRefine((text, ctx) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be an absolute http(s) URL' });
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'must be an http(s) URL' });
  else if (url.username !== '' || url.password !== '' || url.hash !== '') {
    ctx.addIssue({ code: 'custom', message: 'must not carry credentials or a #fragment' });
  } else if (url.href !== text) ctx.addIssue({ code: 'custom', message: `must be written as ${url.href}` });
});

/** The paths a profile offers: `paths`, or when absent `sts` plus `form` when `postPolicy` is set. */
export function profilePaths(profile: { paths?: readonly UploadPath[] | undefined; postPolicy?: unknown }): readonly UploadPath[] {
  if (profile.paths !== undefined) return profile.paths;
  return profile.postPolicy === undefined ? ['sts'] : ['sts', 'form'];
}

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().default('0.0.0.0'),
        port: z.number().int().min(0).max(65535).default(8080),
        /** When set, /metrics is served only on this port (its own listener) and the main port answers 404 for it. */
        metricsPort: z.number().int().min(1).max(65535).optional(),
        /**
         * When set, the admin API (revocations) is served on this port, on its own listener, and never on `port`.
         * Off by default. Requires `adminKeySha256`, `adminKeys` or `adminOidc`.
         */
        adminPort: z.number().int().min(0).max(65535).optional(),
        /**
         * Lowercase hex SHA-256 of the admin key (`Authorization: Bearer <admin key>` on the admin port). A secret's
         * hash: supply it through BROKER_ADMIN_KEY_SHA256 or BROKER_ADMIN_KEY_SHA256_FILE.
         */
        adminKeySha256: z
          .string()
          .regex(/^[0-9a-f]{64}$/, 'must be the lowercase hex SHA-256 of the admin key')
          .optional(),
        /**
         * Named admin keys, one per operator, so every audited admin action names who did it. Supply through
         * BROKER_ADMIN_KEYS (JSON, `_FILE` or `_KMS_SECRET`); may be set beside `adminKeySha256` (actor "admin").
         */
        adminKeys: adminKeyListSchema.optional(),
        /** Operators signing in with their identity provider (adminOidcSchema); beside or instead of admin keys. */
        adminOidc: adminOidcSchema.optional(),
        /** Express `trust proxy`: hops or CIDRs of the load balancers whose X-Forwarded-For is believed. */
        trustProxy: z.union([z.boolean(), z.number().int().min(0), z.string(), z.array(z.string())]).default(false),
        bodyLimitBytes: z
          .number()
          .int()
          .positive()
          .max(1024 * 1024)
          .default(16 * 1024),
        corsOrigins: z.array(z.url()).default([]),
        /**
         * On SIGTERM: /readyz fails, new connections are refused, and requests in flight get this long to finish
         * before their connections are cut and the process exits.
         */
        drainTimeoutSeconds: z.number().int().min(0).max(300).default(DEFAULT_DRAIN_TIMEOUT_SECONDS),
      })
      .strict()
      .default({
        host: '0.0.0.0',
        port: 8080,
        trustProxy: false,
        bodyLimitBytes: 16 * 1024,
        corsOrigins: [],
        drainTimeoutSeconds: DEFAULT_DRAIN_TIMEOUT_SECONDS,
      }),
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
        timeoutMs: z.number().int().positive().max(60000).default(5000),
        maxAttempts: z.number().int().min(1).max(5).default(3),
        /** The STS session-policy size limit (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole: 2,048 now, 1,024 in older docs). */
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
        /**
         * The `cloud_identity` readiness check (sts/identity-readiness.ts): a GetCallerIdentity with the broker's own
         * identity at start-up and every `intervalSeconds`; `failureThreshold` failures in a row make a ready replica
         * not ready. Never an AssumeRole, so it costs nothing of the account's AssumeRole rate.
         */
        identityCheck: z
          .object({
            intervalSeconds: z.number().int().min(1).max(3600).default(15),
            failureThreshold: z.number().int().min(1).max(20).default(3),
          })
          .strict()
          .default({ intervalSeconds: 15, failureThreshold: 3 }),
      })
      .strict()
      .refine((s) => s.endpoint !== undefined || s.region !== undefined, {
        message: 'set endpoint or region',
        path: ['endpoint'],
      }),
    /**
     * The identity the admin API applies bucket-policy Deny statements with (POST /admin/v1/revocations/{id}/bucket-policy):
     * a role the broker assumes with a session policy allowing Get/Put/DeleteBucketPolicy on the profiles' buckets
     * only. Unset: the admin API produces the statements but does not apply them.
     */
    admin: z
      .object({
        bucketPolicy: z
          .object({
            roleArn,
            externalId: z
              .string()
              .regex(/^[\w+=,.@:/-]{2,1224}$/)
              .optional(),
            /** Lifetime of the role's token; one token per admin call, so the minimum STS allows is plenty. */
            durationSeconds: z.number().int().min(900).max(STS_MAX_DURATION).default(900),
          })
          .strict()
          .optional(),
      })
      .strict()
      .default({}),
    /**
     * KMS Secrets Manager, for the secrets named by `BROKER_<NAME>_KMS_SECRET` (src/secrets). Unused, and nothing
     * called, when no such variable is set.
     */
    kms: z
      .object({
        /** host[:port], e.g. kms-vpc.cn-hangzhou.aliyuncs.com (VPC); or give `region` for kms.<region>.aliyuncs.com. */
        endpoint: z
          .string()
          .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'host[:port], no scheme')
          .optional(),
        region: z
          .string()
          .regex(/^[a-z0-9-]+$/, 'a region id, e.g. cn-hangzhou')
          .optional(),
        /** Each secret's current and previous versions are read again this often; a failed read keeps the last good. */
        refreshSeconds: z.number().int().min(10).max(86400).default(300),
        timeoutMs: z.number().int().positive().max(60000).default(5000),
      })
      .strict()
      .default({ refreshSeconds: 300, timeoutMs: 5000 }),
    redis: z
      .object({
        /** redis://, rediss://, or a list of Sentinel / Cluster nodes. Omit only in local mode. */
        url: z.string().min(1).optional(),
        sentinels: z.array(redisNode).min(1, EMPTY_NODE_LIST).optional(),
        sentinelName: z.string().min(1).optional(),
        cluster: z.array(redisNode).min(1, EMPTY_NODE_LIST).optional(),
        /**
         * Password of the Sentinels themselves (their `requirepass`), when they have one; the data nodes' password
         * comes from `url`. A secret: supply it through BROKER_REDIS_SENTINEL_PASSWORD(_FILE), not in the file.
         */
        sentinelPassword: z.string().min(1).optional(),
        /** TLS for every Redis connection (`rediss://` alone turns it on with the system CAs). */
        tls: z
          .object({
            /** PEM file of the CA that signed the Redis servers' certificates (a private CA, e.g. the cloud's). */
            caFile: z.string().min(1).optional(),
            /** Client certificate and key (PEM files), for servers that require mutual TLS. Both or neither. */
            certFile: z.string().min(1).optional(),
            keyFile: z.string().min(1).optional(),
            /** The name the servers' certificates carry, when the nodes are reached by IP address. */
            serverName: z.string().min(1).optional(),
            /** Sentinel mode: the Sentinels speak TLS too. Set false for plain-text Sentinels in front of TLS nodes. */
            sentinels: z.boolean().default(true),
          })
          .strict()
          .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
            message: 'set certFile and keyFile together',
            path: ['certFile'],
          })
          .optional(),
        /**
         * Addresses the nodes announce (`host:port`, as in CLUSTER SLOTS or Sentinel replies) → where this broker
         * reaches them, for Redis behind NAT or port mapping (e.g. a cluster in another network or in containers).
         */
        natMap: z
          .record(z.string(), z.object({ host: z.string(), port: z.number().int() }).strict())
          .refine((m) => Object.keys(m).every((k) => /^[^\s:]+:\d+$/.test(k)), { message: 'keys are "host:port", e.g. "10.0.0.5:6379"' })
          .optional(),
        /** No `{` or `}`: quota keys carry a Redis Cluster hash tag, and a brace in the prefix would replace it. */
        keyPrefix: z
          .string()
          .regex(/^[^{}]*$/, 'must not contain "{" or "}" (Redis Cluster hash tags)')
          .default('osb:'),
        commandTimeoutMs: z.number().int().positive().max(10000).default(250),
        connectTimeoutMs: z.number().int().positive().max(30000).default(2000),
      })
      .strict()
      .refine((r) => r.tls === undefined || r.url === undefined || !r.url.startsWith('redis://'), {
        message: 'tls is set but url says redis:// (plain text); use rediss://',
        path: ['tls'],
      })
      .default({ keyPrefix: 'osb:', commandTimeoutMs: 250, connectTimeoutMs: 2000 }),
    cache: z
      .object({
        /** 32 bytes, base64. Supply through BROKER_CACHE_KEY or BROKER_CACHE_KEY_FILE, not in the file. */
        encryptionKey: z.string().optional(),
        /** A cached token is reused only while it has more than this much life left. */
        minRemainingSeconds: z.number().int().min(60).default(300),
        /**
         * How many principals this process keeps hot: the size of the in-process token cache (L1), of the verified-JWT
         * memo and of the prepared-grant memo (0 turns all three off). Size it above the principals active within a
         * few minutes: an LRU smaller than a round-robin working set misses on every request. Each entry costs about
         * 5 KB of heap (`npm run bench -- --soak`); the image's heap flags fit the default with room to spare.
         */
        l1MaxEntries: z.number().int().min(0).max(1_000_000).default(20000),
        /**
         * Not a setting: a request waits for another replica's AssumeRole of the same token as long as that call may
         * take, which follows from `sts.timeoutMs` (cache/cache-config.ts). Any value would either 503 callers while
         * the token may still arrive or wait past the issuance lock; a file that still sets it is refused by name.
         */
        lockTimeoutMs: z
          .never({
            error:
              "not a setting: a request waits for another replica's AssumeRole as long as it may take (from sts.timeoutMs); remove this line",
          })
          .optional(),
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
        l1MaxEntries: 20000,
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
    uploads: z
      .object({
        /**
         * HMAC-SHA256 key of `x:grant` (32 bytes or more, base64). Supply through BROKER_GRANT_KEY or
         * BROKER_GRANT_KEY_FILE; required when a profile has a post-policy callback; never generated.
         */
        grantKey: z.string().optional(),
        /**
         * The exact key URLs a callback's `x-oss-pub-key-url` may name (OSS's own by default; local mode names the
         * OSS emulator's). Nothing else is ever fetched, so no callback can choose the key it is checked with.
         */
        callbackPublicKeyUrls: z
          .array(publicKeyUrl)
          .min(1)
          .max(8)
          .default(() => [...OSS_CALLBACK_PUBLIC_KEY_URLS]),
        /** Refused rather than ignored: any page on an allowed host could pass for the key. */
        callbackPublicKeyHosts: z
          .never({ error: "replaced by uploads.callbackPublicKeyUrls, the exact key URLs (default: OSS's own key); remove it" })
          .optional(),
        /** Deadline for fetching a public key: OSS gives the whole callback 5 s. */
        publicKeyTimeoutMs: z.number().int().positive().max(4000).default(2000),
      })
      .strict()
      .default(() => ({ callbackPublicKeyUrls: [...OSS_CALLBACK_PUBLIC_KEY_URLS], publicKeyTimeoutMs: 2000 })),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict();

export type BrokerConfigInput = z.input<typeof configSchema>;
export type BrokerConfig = z.output<typeof configSchema>;
export type ProfileConfig = BrokerConfig['profiles'][string];
export type AreaConfig = NonNullable<ProfileConfig['areas']>[number];
export type ByteWindowConfig = NonNullable<NonNullable<ProfileConfig['quota']>['bytesPerPrincipal']>[number];
export type ClientConfig = BrokerConfig['clients'][number];
export type OidcClientConfig = Extract<ClientConfig, { type: 'oidc' }>;
export type AdminOidcConfig = z.output<typeof adminOidcSchema>;
export type ApiKeyClientConfig = Extract<ClientConfig, { type: 'apiKey' }>;
