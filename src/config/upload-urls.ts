/**
 * The URLs an upload travels over must use TLS in a deployment.
 * - `profiles.<name>.endpoint` is where clients send their STS token (`x-oss-security-token` in every request and
 *   every form) and the file itself, and where the broker reads an uploaded object's metadata with a token of its
 *   own. Whoever is on a plain-http path reads the token and the bytes, and can replay a signed request while its date
 *   is fresh: OSS accepts a request dated up to 15 minutes ago
 *   (https://www.alibabacloud.com/help/en/oss/developer-reference/include-signatures-in-the-authorization-header).
 * - `profiles.<name>.postPolicy.callback.url` is where OSS posts each upload's key, size and sealed grant, and what
 *   the broker answers reaches the uploading client unchanged
 *   (https://www.alibabacloud.com/help/en/oss/developer-reference/callback).
 *
 * With NODE_ENV=production both must be https, loopback included: no deployment uploads to its own machine.
 * Outside production plain http is accepted: local mode's OSS emulator speaks only http.
 */
import { HTTPS_IN_PRODUCTION } from './identity-urls.js';
import type { BrokerConfig } from './schema.js';

function isPlainHttp(text: string | undefined): boolean {
  return text !== undefined && new URL(text).protocol === 'http:';
}

/** `<field path>: <what is wrong>` for every upload URL that would be used without TLS. */
export function uploadUrlProblems(config: BrokerConfig, context: { production: boolean }): string[] {
  if (!context.production) return [];
  const problems: string[] = [];
  for (const [name, profile] of Object.entries(config.profiles)) {
    if (isPlainHttp(profile.endpoint)) problems.push(`profiles.${name}.endpoint: ${HTTPS_IN_PRODUCTION}`);
    if (isPlainHttp(profile.postPolicy?.callback?.url)) problems.push(`profiles.${name}.postPolicy.callback.url: ${HTTPS_IN_PRODUCTION}`);
  }
  return problems;
}
