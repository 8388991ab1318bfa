/**
 * Operator tool: mints a credentials URL secret for one profile. Prints the query parameter once (hand the whole URL
 * to the client over a secure channel; it works like a password) and the configuration entry, which holds only the
 * SHA-256 of the secret. Add the entry under the apiKey client's `credentialUrls`.
 *   npx tsx src/cli/new-credential-url.ts <profile> [id]
 */
import { generateCredentialUrl } from '../auth/index.js';

const [profile, id] = process.argv.slice(2);
if (profile === undefined) {
  process.stderr.write('usage: new-credential-url <profile> [id]\n');
  process.exit(1);
}
const url = generateCredentialUrl(id);
process.stdout.write(
  `Credentials URL (shown once, not stored anywhere):\n  https://<broker>/v1/credentials/${profile}?format=alibaba&credential=${url.param}\n\n` +
    `Add to the apiKey client's credentialUrls in the broker configuration:\n  - id: ${url.id}\n    sha256: "${url.sha256}"\n    profile: ${profile}\n`,
);
