/**
 * The configuration loader every entry point uses (main.ts, local mode, tests): config/ reads and validates the
 * file, and the profile checks (profiles/check-profiles.ts) run in the same pass, so every problem of a file is
 * reported at once and start-up stops with a ConfigError before anything connects anywhere.
 */
import type { BrokerConfig, BrokerConfigInput } from '../config/schema.js';
import { configSchema } from '../config/schema.js';
import { ConfigError } from '../config/config-error.js';
import { applyEnvOverrides, readConfigFile, readYamlMapping, validateConfig, type DevelopmentRelaxations } from '../config/load.js';
import { KMS_SECRET_SUFFIX, kmsSecretRefs } from '../config/secret-env.js';
import { profileProblems } from '../profiles/check-profiles.js';
import { createKmsReader, createKmsSdkClient, createKmsSecrets, kmsEndpoint, SECRET_CHECKS } from '../secrets/index.js';
import type { KmsSecrets, SecretReader } from '../secrets/index.js';
import { defaultChainCredential, type ChainCredential } from './credential-source.js';

/**
 * Validates an already-parsed configuration object (local mode and tests, which may pass relaxations in code).
 * NODE_ENV comes from `env` (config/identity-urls.ts, config/upload-urls.ts).
 */
export function parseConfig(
  input: BrokerConfigInput | Record<string, unknown>,
  relax: DevelopmentRelaxations = {},
  env: NodeJS.ProcessEnv = process.env,
): Readonly<BrokerConfig> {
  return validateConfig(input, relax, profileProblems, env);
}

/** Reads BROKER_CONFIG (YAML), applies environment overrides, validates. No KMS secrets (see loadConfigWithSecrets). */
export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Readonly<BrokerConfig> {
  return parseConfig(readConfigFile(path, env), {}, env);
}

export interface LoadedConfig {
  config: Readonly<BrokerConfig>;
  /** Present when some secret comes from KMS: refresh it (`start`) and take its key rings (runtime/build-deps.ts). */
  secrets?: KmsSecrets;
  /**
   * The configuration as it would be with another value of a secret held in KMS (the file as read at start-up, the
   * other secrets as they are): how a refreshed BROKER_API_KEYS becomes the clients' keys. Throws ConfigError.
   */
  configWith?: (name: string, value: string) => Readonly<BrokerConfig>;
}

export interface SecretLoadOptions {
  /** The identity that signs GetSecretValue; default: the @alicloud/credentials default chain. */
  credential?: ChainCredential;
  /** Another GetSecretValue transport (unit tests). Default: the official SDK. */
  reader?: SecretReader;
}

/**
 * Resolves every `BROKER_<NAME>_KMS_SECRET` to the secret's ACSCurrent value, then loads the configuration as
 * loadConfigFile does with those values in `BROKER_<NAME>`, so they are checked exactly like environment values.
 * Fails closed: a secret that cannot be read, or a value that cannot be used, stops start-up (ConfigError naming
 * the variable and the KMS secret, never a value).
 */
export async function loadConfigWithSecrets(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
  options: SecretLoadOptions = {},
): Promise<LoadedConfig> {
  const refs = kmsSecretRefs(env);
  if (refs.size === 0) return { config: loadConfigFile(path, env) };
  const plain = Object.fromEntries(
    Object.entries(env).filter(([name]) => !(name.startsWith('BROKER_') && name.endsWith(KMS_SECRET_SUFFIX))),
  );
  const kmsSection = configSchema.shape.kms.safeParse(readConfigFile(path, plain).kms);
  if (!kmsSection.success) {
    // The full validation below names the field; run it to report every problem at once.
    loadConfigFile(path, plain);
    throw new ConfigError(['kms: invalid']);
  }
  const kms = kmsSection.data;
  if (options.reader === undefined && kmsEndpoint(kms) === undefined) {
    throw new ConfigError([
      `kms.endpoint: set kms.endpoint or kms.region to read ${[...refs.keys()].map((n) => n + KMS_SECRET_SUFFIX).join(', ')}`,
    ]);
  }
  const reader = options.reader ?? createKmsReader(createKmsSdkClient(kms, options.credential ?? defaultChainCredential()));
  const secrets = createKmsSecrets({ reader, secrets: refs, checks: SECRET_CHECKS, refreshMs: kms.refreshSeconds * 1000 });
  await secrets.load();
  const resolved = { ...plain };
  for (const name of secrets.names()) resolved[name] = secrets.current(name);
  const config = loadConfigFile(path, resolved);
  // Read once: a refresh re-checks a secret against the file as it was at start-up, not as it is on disk now.
  const yaml = readYamlMapping(path);
  const configWith = (name: string, value: string): Readonly<BrokerConfig> =>
    parseConfig(applyEnvOverrides(structuredClone(yaml), { ...resolved, [name]: value }));
  // A new version is checked as start-up checked the first: the whole configuration with it must be valid (a
  // partner key list must fit the file's clients), or it is not used and the last good one stays.
  for (const name of refs.keys()) {
    secrets.addCheck(name, (value) => {
      try {
        configWith(name, value);
        return undefined;
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        return error.problems.slice(0, 5).join('; ');
      }
    });
  }
  return { config, secrets, configWith };
}
