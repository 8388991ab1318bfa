/**
 * Reads the configuration once at start-up: YAML file (BROKER_CONFIG) + environment overrides for secrets,
 * validated by the one schema, cross-checked, then deep-frozen. Any problem stops start-up with a ConfigError that
 * names the exact path of the bad field. The loader the entry points call is runtime/load-config.ts: it adds the
 * profile checks, which need layers above this one (the rules and the policy builder).
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, type BrokerConfig, type BrokerConfigInput } from './schema.js';
import { ConfigError } from './config-error.js';
import { readSecretEnv } from './secret-env.js';
import { applyApiKeysSecret, parseAdminKeys } from './json-secrets.js';
import { crossCheck, type DevelopmentRelaxations } from './cross-checks.js';
import { identityUrlProblems } from './identity-urls.js';
import { uploadUrlProblems } from './upload-urls.js';

export type { DevelopmentRelaxations } from './cross-checks.js';

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.length === 0
    ? '(root)'
    : path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('')
        .replace(/^\./, '');
}

function zodProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Secrets come from the environment (or mounted files), never from the YAML in the repository. */
export function applyEnvOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out = { ...raw };
  const redisUrl = readSecretEnv(env, 'BROKER_REDIS_URL');
  if (redisUrl !== undefined) out.redis = { ...(out.redis as object | undefined), url: redisUrl };
  const sentinelPassword = readSecretEnv(env, 'BROKER_REDIS_SENTINEL_PASSWORD');
  if (sentinelPassword !== undefined) out.redis = { ...(out.redis as object | undefined), sentinelPassword };
  const cacheKey = readSecretEnv(env, 'BROKER_CACHE_KEY');
  if (cacheKey !== undefined) out.cache = { ...(out.cache as object | undefined), encryptionKey: cacheKey };
  const grantKey = readSecretEnv(env, 'BROKER_GRANT_KEY');
  if (grantKey !== undefined) out.uploads = { ...(out.uploads as object | undefined), grantKey };
  const adminKeySha256 = readSecretEnv(env, 'BROKER_ADMIN_KEY_SHA256');
  if (adminKeySha256 !== undefined) out.server = { ...(out.server as object | undefined), adminKeySha256 };
  const adminKeys = readSecretEnv(env, 'BROKER_ADMIN_KEYS');
  if (adminKeys !== undefined) out.server = { ...(out.server as object | undefined), adminKeys: parseAdminKeys(adminKeys) };
  const apiKeys = readSecretEnv(env, 'BROKER_API_KEYS');
  if (apiKeys !== undefined) out.clients = applyApiKeysSecret(out.clients, apiKeys);
  if (env.PORT !== undefined && env.PORT !== '') {
    out.server = { ...(out.server as object | undefined), port: Number(env.PORT) };
  }
  if (env.LOG_LEVEL) out.logLevel = env.LOG_LEVEL;
  return out;
}

/** Checks a schema-valid configuration further, as `<field path>: <what is wrong>` lines (none when it is fine). */
export type ConfigChecks = (config: Readonly<BrokerConfig>) => string[];

/**
 * Validates an already-parsed configuration object: the schema, then this folder's cross-checks and `moreChecks`
 * (the caller's layer: the profile checks), every problem at once so an operator fixes the file in one pass.
 * `env` is read for NODE_ENV only: with `production`, no identity or upload URL may be plain http (identity-urls.ts,
 * upload-urls.ts).
 */
export function validateConfig(
  input: BrokerConfigInput | Record<string, unknown>,
  relax: DevelopmentRelaxations,
  moreChecks: ConfigChecks,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<BrokerConfig> {
  const result = configSchema.safeParse(input);
  if (!result.success) throw new ConfigError(zodProblems(result.error));
  const deployment = { production: env.NODE_ENV === 'production' };
  const plainHttp = [...identityUrlProblems(result.data, deployment), ...uploadUrlProblems(result.data, deployment)];
  // Each problem once, whichever check found it.
  const problems = [...new Set([...crossCheck(result.data, relax), ...plainHttp, ...moreChecks(result.data)])];
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(result.data);
}

/** Reads a YAML configuration file and applies the environment's overrides (secrets, PORT, LOG_LEVEL); not validated. */
export function readConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  return applyEnvOverrides(readYamlMapping(path), env);
}

/** The YAML file as written, without the environment's overrides. */
export function readYamlMapping(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`BROKER_CONFIG: cannot read ${path}: ${(error as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new ConfigError([`BROKER_CONFIG: ${path} is not valid YAML: ${(error as Error).message}`]);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError([`BROKER_CONFIG: ${path} must hold a YAML mapping`]);
  }
  return raw as Record<string, unknown>;
}
