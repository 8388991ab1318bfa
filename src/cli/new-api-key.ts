/**
 * Operator tool: mints a partner API key. Prints the full key once (hand it to the partner over a secure channel)
 * and the configuration entry, which holds only the SHA-256 of the secret.
 *   npx tsx src/cli/new-api-key.ts [keyId]
 */
import { pathToFileURL } from 'node:url';
import { generateApiKey } from '../auth/index.js';
import { finish, runMint, UsageError, type CliResult } from './mint-arguments.js';

export const USAGE = `usage: new-api-key.ts [keyId]
  Mints a partner API key: prints the key once and the configuration entry (only its SHA-256).
  keyId: 4-64 of A-Z a-z 0-9 _ -, starting with a letter or digit (default: a random ak_… id)
`;

export function newApiKey(argv: readonly string[]): CliResult {
  return runMint(argv, USAGE, 0, 1, ([keyId]) => {
    let key: ReturnType<typeof generateApiKey>;
    try {
      key = generateApiKey(keyId);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    return (
      `X-Api-Key for the partner (shown once, not stored anywhere):\n  ${key.header}\n\n` +
      `Add to the apiKey client's keys in the broker configuration:\n  - id: ${key.keyId}\n    sha256: "${key.sha256}"\n`
    );
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) finish(newApiKey(process.argv.slice(2)));
