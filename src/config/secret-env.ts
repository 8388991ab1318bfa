import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error.js';

/**
 * Every secret the broker reads from the environment. Each has three sources, exactly one of which may be set:
 * `NAME` (the value), `NAME_FILE` (a mounted file holding it) and `NAME_KMS_SECRET` (the name of a KMS Secrets
 * Manager secret holding it, read at start-up and refreshed by src/secrets).
 */
export const SECRET_ENV_NAMES = [
  'BROKER_REDIS_URL',
  'BROKER_REDIS_SENTINEL_PASSWORD',
  'BROKER_CACHE_KEY',
  'BROKER_GRANT_KEY',
  'BROKER_ADMIN_KEY_SHA256',
  'BROKER_ADMIN_KEYS',
  'BROKER_API_KEYS',
] as const;

export const KMS_SECRET_SUFFIX = '_KMS_SECRET';

const set = (value: string | undefined): value is string => value !== undefined && value !== '';

/**
 * Reads a secret from `NAME` or from the file named by `NAME_FILE` (Kubernetes / Docker mounted secrets).
 * Setting two sources is refused: which one wins would be a guess. Trailing newlines in files are trimmed.
 * `NAME_KMS_SECRET` is resolved before this is called (runtime/load-config.ts puts the value in `NAME`); finding it
 * still here means an entry point skipped that step, which must stop start-up rather than run without the secret.
 */
export function readSecretEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  const kms = env[`${name}${KMS_SECRET_SUFFIX}`];
  const sources = [set(direct) && name, set(file) && `${name}_FILE`, set(kms) && `${name}${KMS_SECRET_SUFFIX}`].filter(
    (s): s is string => typeof s === 'string',
  );
  if (sources.length > 1) {
    throw new ConfigError([
      `${name}: set either ${name}, ${name}_FILE or ${name}${KMS_SECRET_SUFFIX}, not two (found ${sources.join(', ')})`,
    ]);
  }
  if (set(kms)) {
    throw new ConfigError([`${name}${KMS_SECRET_SUFFIX}: KMS secrets are read by the start-up loader (loadConfigWithSecrets)`]);
  }
  if (set(file)) {
    try {
      return readFileSync(file, 'utf8').replace(/[\r\n]+$/, '');
    } catch (error) {
      throw new ConfigError([`${name}_FILE: cannot read ${file}: ${(error as Error).message}`]);
    }
  }
  return direct === '' ? undefined : direct;
}

/**
 * The `BROKER_<NAME>_KMS_SECRET` variables set in `env`, as env name → KMS secret name. Refuses a name the broker
 * does not read (a typo would otherwise leave the secret silently unset) and a secret with a second source.
 */
export function kmsSecretRefs(env: NodeJS.ProcessEnv): Map<string, string> {
  const refs = new Map<string, string>();
  const problems: string[] = [];
  for (const [variable, secretName] of Object.entries(env)) {
    if (!variable.startsWith('BROKER_') || !variable.endsWith(KMS_SECRET_SUFFIX) || !set(secretName)) continue;
    const name = variable.slice(0, -KMS_SECRET_SUFFIX.length);
    if (!(SECRET_ENV_NAMES as readonly string[]).includes(name)) {
      problems.push(`${variable}: ${name} is not a secret the broker reads (${SECRET_ENV_NAMES.join(', ')})`);
      continue;
    }
    const others = [name, `${name}_FILE`].filter((n) => set(env[n]));
    if (others.length > 0) {
      problems.push(`${name}: set either ${name}, ${name}_FILE or ${variable}, not two (found ${[...others, variable].join(', ')})`);
      continue;
    }
    refs.set(name, secretName);
  }
  if (problems.length > 0) throw new ConfigError(problems.sort());
  return refs;
}
