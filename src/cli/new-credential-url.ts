/**
 * Operator tool: mints a credentials URL secret for one profile. Prints the query parameter once (hand the whole URL
 * to the client over a secure channel; it works like a password) and the configuration entry, which holds only the
 * SHA-256 of the secret. Add the entry under the apiKey client's `credentialUrls`.
 *   npx tsx src/cli/new-credential-url.ts <profile> [id]
 */
import { pathToFileURL } from 'node:url';
import { generateCredentialUrl } from '../auth/index.js';
import { IDENT, IDENT_RULE } from '../config/index.js';
import { finish, runMint, UsageError, type CliResult } from './mint-arguments.js';

export const USAGE = `usage: new-credential-url.ts <profile> [id]
  Mints a credentials URL for one profile: prints the URL once and the configuration entry (only its SHA-256).
  profile: a profile name, 1-63 of a-z 0-9 . _ -, starting with a letter or digit
  id: 4-64 of A-Z a-z 0-9 _ -, starting with a letter or digit (default: a random cu_… id)
`;

export function newCredentialUrl(argv: readonly string[]): CliResult {
  return runMint(argv, USAGE, 1, 1, ([profile, id]) => {
    // The same rule as the configuration's profile names: a URL for any other name could never be configured.
    if (!IDENT.test(profile!)) throw new UsageError(`profile "${profile}" ${IDENT_RULE}`);
    let url: ReturnType<typeof generateCredentialUrl>;
    try {
      url = generateCredentialUrl(id);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    return (
      `Credentials URL (shown once, not stored anywhere):\n  https://<broker>/v1/credentials/${profile}?format=alibaba&credential=${url.param}\n\n` +
      `Add to the apiKey client's credentialUrls in the broker configuration:\n  - id: ${url.id}\n    sha256: "${url.sha256}"\n    profile: ${profile}\n`
    );
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  finish(newCredentialUrl(process.argv.slice(2)));
}
