/**
 * The endpoints that decide who a caller is must be reached over TLS. Whoever can answer for a plain-http JWKS URL
 * (anyone on the network path: a shared VPC, a spoofed DNS answer) can hand the broker a key of their own and sign
 * tokens for any user of any tenant; STS itself is HTTPS-only for the same reason (sts/sdk-client.ts).
 *
 * The rule, for every identity URL the configuration holds:
 * - `clients[].jwksUri` and an `http:` `clients[].issuer`, and the same two of `server.adminOidc`: `https:`.
 *   Plain `http:` only for a loopback host
 *   (`localhost`, `127.0.0.0/8`, `[::1]`: the request never leaves the machine, so there is no path to stand on),
 *   and only when NODE_ENV is not `production`. That is what local mode's development issuer is
 *   (`http://127.0.0.1:<port>/dev`) and what `npm run start:prod` against local mode uses; the image, the compose
 *   file and the Kubernetes manifests all set NODE_ENV=production, so a deployment gets no exception at all.
 *   An issuer that is not a URL (`iss` is compared as text, never fetched) is left alone.
 * - `uploads.callbackPublicKeyUrls`: OSS names its key with an http URL, which the broker fetches over https
 *   whatever the URL says unless the host is loopback (uploads/public-key-cache.ts). So only a loopback http key
 *   URL is fetched in plain text, and that is refused with NODE_ENV=production.
 */
import type { BrokerConfig } from './schema.js';

export interface IdentityUrlContext {
  /** NODE_ENV is `production`: no plain-http identity URL at all. */
  production: boolean;
}

/** What is wrong with a plain-http URL that a deployment (NODE_ENV=production) would use. */
export const HTTPS_IN_PRODUCTION = 'must be https with NODE_ENV=production (plain http is for local development only)';

const LOOPBACK_NAMES = new Set(['localhost', '[::1]']);

/** A host that only this machine can answer for. */
export function isLoopbackHost(hostname: string): boolean {
  if (LOOPBACK_NAMES.has(hostname.toLowerCase())) return true;
  const octets = hostname.split('.');
  return octets.length === 4 && octets[0] === '127' && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255);
}

function plainHttpProblem(field: string, url: URL, context: IdentityUrlContext): string | undefined {
  if (url.protocol !== 'http:') return undefined;
  if (!isLoopbackHost(url.hostname)) {
    return `${field}: must be https (plain http is accepted only for a loopback host, outside NODE_ENV=production)`;
  }
  if (context.production) return `${field}: ${HTTPS_IN_PRODUCTION}`;
  return undefined;
}

function parsed(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** The problems of one token issuer's `issuer` (when it is an http URL) and `jwksUri`, fields under `path`. */
function issuerProblems(path: string, issuer: { issuer: string; jwksUri?: string | undefined }, context: IdentityUrlContext): string[] {
  const problems: Array<string | undefined> = [];
  const issuerUrl = /^http:/i.test(issuer.issuer) ? parsed(issuer.issuer) : undefined;
  if (issuerUrl !== undefined) problems.push(plainHttpProblem(`${path}.issuer`, issuerUrl, context));
  const jwks = issuer.jwksUri === undefined ? undefined : parsed(issuer.jwksUri);
  if (jwks !== undefined) problems.push(plainHttpProblem(`${path}.jwksUri`, jwks, context));
  return problems.filter((p) => p !== undefined);
}

/** `<field path>: <what is wrong>` for every identity URL that would be reached without TLS. */
export function identityUrlProblems(config: BrokerConfig, context: IdentityUrlContext): string[] {
  const problems: string[] = [];
  config.clients.forEach((client, i) => {
    if (client.type === 'oidc') problems.push(...issuerProblems(`clients[${i}]`, client, context));
  });
  if (config.server.adminOidc !== undefined) problems.push(...issuerProblems('server.adminOidc', config.server.adminOidc, context));
  config.uploads.callbackPublicKeyUrls.forEach((text, i) => {
    const url = parsed(text);
    if (url?.protocol === 'http:' && isLoopbackHost(url.hostname) && context.production) {
      problems.push(
        `uploads.callbackPublicKeyUrls[${i}]: a loopback http key URL is fetched without TLS; refused with NODE_ENV=production`,
      );
    }
  });
  return problems;
}
