import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error.js';

/**
 * Reads a secret from `NAME` or from the file named by `NAME_FILE` (Kubernetes / Docker mounted secrets).
 * Setting both is refused: which one wins would be a guess. Trailing newlines in files are trimmed.
 */
export function readSecretEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (direct !== undefined && direct !== '' && file !== undefined && file !== '') {
    throw new ConfigError([`${name}: set either ${name} or ${name}_FILE, not both`]);
  }
  if (file !== undefined && file !== '') {
    try {
      return readFileSync(file, 'utf8').replace(/[\r\n]+$/, '');
    } catch (error) {
      throw new ConfigError([`${name}_FILE: cannot read ${file}: ${(error as Error).message}`]);
    }
  }
  return direct === '' ? undefined : direct;
}
