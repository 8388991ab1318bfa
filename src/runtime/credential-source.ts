/**
 * Says at start-up which source the @alicloud/credentials default chain picked for the broker's own identity, so an
 * operator can see that RRSA is really in use, and not, say, the node's ECS role (what the chain silently falls back
 * to on ACK when the namespace lacks the pod-identity injection label) or a long-lived AccessKey.
 *
 * It does not re-implement the chain: it asks the chain for a credential, once, as the STS client will on its first
 * call anyway (the chain caches what it found), and reads the `providerName` the chain reports with it
 * (`default/env`, `default/oidc_role_arn`, `default/ecs_ram_role`, `default/credential_uri`, `default/profile`,
 * `default/cli_profile`; see @alicloud/credentials src/providers/default.ts). The key, secret and token are dropped
 * on the spot; nothing of them is logged, not even the AccessKey id.
 */
import type { Logger } from '../shared/logger.js';
import type { ChainCredential } from './default-chain.js';

export { defaultChainCredential, type ChainCredential } from './default-chain.js';

export type CredentialSourceKind =
  | 'environment_access_key'
  | 'environment_sts_token'
  | 'rrsa_oidc'
  | 'ecs_ram_role'
  | 'credentials_uri'
  | 'profile_file'
  | 'cli_profile'
  | 'static_access_key'
  | 'static_sts_token'
  | 'unknown';

export interface CredentialSource {
  kind: CredentialSourceKind;
  /** The chain's own name for it, e.g. `default/oidc_role_arn` (no secret in it). */
  provider: string;
  /** True when the root of the credential is an AccessKey pair that does not expire on its own. */
  longLived: boolean;
  description: string;
}

const DESCRIPTIONS: Record<CredentialSourceKind, string> = {
  environment_access_key: 'AccessKey pair from ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  environment_sts_token: 'STS token from ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET / ALIBABA_CLOUD_SECURITY_TOKEN',
  rrsa_oidc: 'RRSA: AssumeRoleWithOIDC with the pod service account token (ALIBABA_CLOUD_ROLE_ARN)',
  ecs_ram_role: 'ECS RAM role from the instance metadata service',
  credentials_uri: 'credentials URI (ALIBABA_CLOUD_CREDENTIALS_URI)',
  profile_file: 'credentials profile file (ALIBABA_CLOUD_CREDENTIALS_FILE or ~/.alibabacloud/credentials)',
  cli_profile: 'Alibaba Cloud CLI profile (~/.aliyun/config.json)',
  static_access_key: 'AccessKey pair given in code',
  static_sts_token: 'STS token given in code',
  unknown: 'a provider this broker does not know by name',
};

/** Pure: what the chain's provider name means; whether a SecurityToken came with the credential says if it expires. */
export function describeCredentialSource(providerName: string, hasSecurityToken: boolean): CredentialSource {
  const first = providerName.split('/').filter((s) => s !== '' && s !== 'default')[0] ?? '';
  const kinds: Record<string, CredentialSourceKind> = {
    env: hasSecurityToken ? 'environment_sts_token' : 'environment_access_key',
    oidc_role_arn: 'rrsa_oidc',
    ecs_ram_role: 'ecs_ram_role',
    credential_uri: 'credentials_uri',
    profile: 'profile_file',
    cli_profile: 'cli_profile',
    static_ak: 'static_access_key',
    static_sts: 'static_sts_token',
  };
  const kind = kinds[first] ?? 'unknown';
  // The chain names only its first hop (`default/profile`, not what the profile holds), but every source other
  // than a plain AccessKey pair (RRSA, ECS role, URI, a ram_role_arn hop, an STS token) comes with a SecurityToken.
  return { kind, provider: providerName, longLived: !hasSecurityToken, description: DESCRIPTIONS[kind] };
}

/** Asks the chain once and keeps only the provider name and whether a token came with it. */
export async function detectCredentialSource(credential: ChainCredential): Promise<CredentialSource> {
  const model = await credential.getCredential();
  const providerName = typeof model.providerName === 'string' && model.providerName !== '' ? model.providerName : credential.getType();
  return describeCredentialSource(providerName, typeof model.securityToken === 'string' && model.securityToken !== '');
}

/**
 * Provider errors can quote what a server answered (`message = <body>`, `result: {...}`, a CLI config's content),
 * which may hold a key: keep only the text before the first such quote.
 */
export function safeChainError(error: unknown): string {
  // The chain always tries the credentials-URI provider last, even with ALIBABA_CLOUD_CREDENTIALS_URI unset, and it
  // then fails with a DNS error for the host "undefined": say what it means instead of sending anyone to DNS.
  const message = (error instanceof Error ? error.message : String(error)).replace(
    /getaddrinfo ENOTFOUND undefined\s*GET https?:\/\/undefined\/? failed\.?/g,
    'ALIBABA_CLOUD_CREDENTIALS_URI is not set',
  );
  // `fail:` and `failed:` precede a quoted body or file ("unmarshal fail: <body>", "parse ... failed: <content>");
  // a double quote starts the snippet of input Node's JSON.parse errors carry.
  const markers = ['{', '"', 'message =', 'result:', 'OIDC:', 'fail:', 'failed:', '\n'];
  let end = Math.min(message.length, 600);
  for (const marker of markers) {
    const at = message.indexOf(marker);
    if (at >= 0 && at < end) end = at;
  }
  return message.slice(0, end).trim();
}

export interface LogCredentialSourceOptions {
  /** Production warns loudly about long-lived AccessKeys; local mode and tests only note them. */
  production: boolean;
  env?: NodeJS.ProcessEnv;
  /** Upper bound on the look-up, so a hung metadata or STS endpoint cannot hold start-up. Default 20 s. */
  deadlineMs?: number;
}

const RRSA_ENV = ['ALIBABA_CLOUD_ROLE_ARN', 'ALIBABA_CLOUD_OIDC_PROVIDER_ARN', 'ALIBABA_CLOUD_OIDC_TOKEN_FILE'] as const;

/** Rejects when `promise` has not settled within `ms` (the chain has no deadline of its own). */
export function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the credentials chain within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Logs `credentials.source` (and the warnings below); never throws: a chain that finds nothing is logged as an error
 * and every AssumeRole will then fail as upstream_unavailable, visibly.
 */
export async function logCredentialSource(
  credential: ChainCredential,
  logger: Pick<Logger, 'info' | 'warn' | 'error'>,
  options: LogCredentialSourceOptions,
): Promise<CredentialSource | undefined> {
  const env = options.env ?? process.env;
  const rrsaInjected = RRSA_ENV.every((name) => (env[name] ?? '') !== '');
  const inKubernetes = (env.KUBERNETES_SERVICE_HOST ?? '') !== '';
  let source: CredentialSource;
  try {
    source = await withDeadline(detectCredentialSource(credential), options.deadlineMs ?? 20_000);
  } catch (error) {
    logger.error(
      { event: 'credentials.source.unavailable', reason: safeChainError(error), rrsaInjected, inKubernetes },
      'no cloud identity: the credentials chain found none for the broker; every AssumeRole fails and /readyz fails until it does',
    );
    return undefined;
  }
  const roleArn = source.kind === 'rrsa_oidc' ? env.ALIBABA_CLOUD_ROLE_ARN : undefined;
  logger.info(
    { event: 'credentials.source', source: source.kind, provider: source.provider, longLived: source.longLived, roleArn },
    `broker identity: ${source.description}`,
  );
  if (source.longLived) {
    if (options.production) {
      logger.warn(
        { event: 'credentials.source.long_lived_access_key', source: source.kind, provider: source.provider },
        'LONG-LIVED ACCESSKEY IN USE: the broker signs AssumeRole with an AccessKey that never expires. Use RRSA on ACK ' +
          'or an ECS RAM role instead; if you must keep it, grant it only sts:AssumeRole on the upload roles and rotate it.',
      );
    } else {
      logger.info({ event: 'credentials.source.long_lived_access_key', source: source.kind }, 'long-lived AccessKey (development)');
    }
  }
  if (rrsaInjected && source.kind !== 'rrsa_oidc') {
    logger.warn(
      { event: 'credentials.source.rrsa_shadowed', source: source.kind },
      'RRSA is injected into this pod but the credentials chain picked another source first (an AccessKey in the ' +
        'environment comes before RRSA): remove it so the pod uses its own RAM role',
    );
  } else if (inKubernetes && source.kind === 'ecs_ram_role') {
    logger.warn(
      { event: 'credentials.source.node_role', source: source.kind },
      "running in Kubernetes on the node's ECS RAM role, shared by every pod on the node: RRSA is not in effect. Label " +
        'the namespace pod-identity.alibabacloud.com/injection=on and annotate the service account (deploy/kubernetes)',
    );
  }
  return source;
}
