/**
 * The configuration loader every entry point uses (main.ts, local mode, tests): config/ reads and validates the
 * file, and the profile checks (profiles/check-profiles.ts) run in the same pass, so every problem of a file is
 * reported at once and start-up stops with a ConfigError before anything connects anywhere.
 */
import type { BrokerConfig, BrokerConfigInput } from '../config/schema.js';
import { readConfigFile, validateConfig, type DevelopmentRelaxations } from '../config/load.js';
import { profileProblems } from '../profiles/check-profiles.js';

/** Validates an already-parsed configuration object (local mode and tests, which may pass relaxations in code). */
export function parseConfig(
  input: BrokerConfigInput | Record<string, unknown>,
  relax: DevelopmentRelaxations = {},
): Readonly<BrokerConfig> {
  return validateConfig(input, relax, profileProblems);
}

/** Reads BROKER_CONFIG (YAML), applies environment overrides, validates. */
export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Readonly<BrokerConfig> {
  return parseConfig(readConfigFile(path, env));
}
