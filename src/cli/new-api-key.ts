/**
 * Operator tool: mints a partner API key. Prints the full key once (hand it to the partner over a secure channel)
 * and the configuration entry, which holds only the SHA-256 of the secret.
 *   npx tsx src/cli/new-api-key.ts [keyId]
 */
import { generateApiKey } from '../auth/index.js';

const key = generateApiKey(process.argv[2]);
process.stdout.write(
  `X-Api-Key for the partner (shown once, not stored anywhere):\n  ${key.header}\n\n` +
    `Add to the apiKey client's keys in the broker configuration:\n  - id: ${key.keyId}\n    sha256: "${key.sha256}"\n`,
);
