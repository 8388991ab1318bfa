/**
 * Reads the configuration once at start-up: YAML file (BROKER_CONFIG) + environment overrides for secrets,
 * validated by the one schema, cross-checked, then deep-frozen. Any problem stops start-up with a ConfigError that
 * names the exact path of the bad field.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, type BrokerConfig, type BrokerConfigInput } from './schema.js';
import { ConfigError } from './config-error.js';
import { readSecretEnv } from './secret-env.js';

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

/**
 * What a development entry point (local mode, tests) may relax, passed in code and never read from a file: a
 * configuration file always gets the production rules, so no YAML setting can switch them off.
 */
export interface DevelopmentRelaxations {
  /** Run on the in-memory store when no Redis is configured (one process only). */
  memoryStore?: boolean;
}

/** Rules that need more than one field at a time. */
function crossCheck(config: BrokerConfig, relax: DevelopmentRelaxations): string[] {
  const problems: string[] = [];
  const clientIds = new Set<string>();
  config.clients.forEach((client, i) => {
    if (clientIds.has(client.id)) problems.push(`clients[${i}].id: duplicate client id "${client.id}"`);
    clientIds.add(client.id);
  });
  const keyIds = new Set<string>();
  config.clients.forEach((client, i) => {
    if (client.type !== 'apiKey') return;
    client.keys.forEach((key, k) => {
      if (keyIds.has(key.id)) problems.push(`clients[${i}].keys[${k}].id: duplicate API key id "${key.id}"`);
      keyIds.add(key.id);
    });
  });
  for (const [name, profile] of Object.entries(config.profiles)) {
    profile.clients.forEach((id, i) => {
      if (!clientIds.has(id)) problems.push(`profiles.${name}.clients[${i}]: no client with id "${id}"`);
    });
    if (profile.scope === 'keys' && !profile.operations.some((op) => op === 'put' || op === 'multipart')) {
      problems.push(`profiles.${name}.scope: "keys" scope needs a write operation (put or multipart)`);
    }
  }
  const hasRedis = config.redis.url !== undefined || config.redis.sentinels !== undefined || config.redis.cluster !== undefined;
  if (!hasRedis && !relax.memoryStore) {
    problems.push('redis.url: required (set it or BROKER_REDIS_URL); replicas must share one cache');
  }
  if (config.cache.encryptionKey === undefined) {
    problems.push('cache.encryptionKey: required (BROKER_CACHE_KEY or BROKER_CACHE_KEY_FILE); never generated');
  }
  if (config.cache.encryptionKey !== undefined && Buffer.from(config.cache.encryptionKey, 'base64').length !== 32) {
    problems.push('cache.encryptionKey: must be 32 bytes, base64-encoded');
  }
  return problems;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Secrets come from the environment (or mounted files), never from the YAML in the repository. */
function applyEnvOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out = { ...raw };
  const redisUrl = readSecretEnv(env, 'BROKER_REDIS_URL');
  if (redisUrl !== undefined) out.redis = { ...(out.redis as object | undefined), url: redisUrl };
  const cacheKey = readSecretEnv(env, 'BROKER_CACHE_KEY');
  if (cacheKey !== undefined) out.cache = { ...(out.cache as object | undefined), encryptionKey: cacheKey };
  if (env.PORT !== undefined && env.PORT !== '') {
    out.server = { ...(out.server as object | undefined), port: Number(env.PORT) };
  }
  if (env.LOG_LEVEL) out.logLevel = env.LOG_LEVEL;
  return out;
}

/** Validates an already-parsed configuration object (used by local mode and tests, which may pass relaxations). */
export function parseConfig(
  input: BrokerConfigInput | Record<string, unknown>,
  relax: DevelopmentRelaxations = {},
): Readonly<BrokerConfig> {
  const result = configSchema.safeParse(input);
  if (!result.success) throw new ConfigError(zodProblems(result.error));
  const problems = crossCheck(result.data, relax);
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(result.data);
}

/** Reads BROKER_CONFIG (YAML), applies environment overrides, validates. */
export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Readonly<BrokerConfig> {
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
  return parseConfig(applyEnvOverrides(raw as Record<string, unknown>, env));
}
