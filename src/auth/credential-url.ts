/**
 * Credentials URLs: a secret in a URL, for clients that can only GET a URL and cannot send a header. The OSS Android
 * and iOS SDKs' `OSSAuthCredentialsProvider` open the configured auth-server URL with a bare GET
 * (https://github.com/aliyun/aliyun-oss-android-sdk/blob/master/oss-android-sdk/src/main/java/com/alibaba/sdk/android/oss/common/auth/OSSAuthCredentialsProvider.java,
 * https://github.com/aliyun/aliyun-oss-ios-sdk/blob/master/AliyunOSSSDK/OSSModel.m), and so does the
 * @alicloud/credentials URI provider (https://github.com/aliyun/credentials-nodejs/blob/master/src/providers/uri.ts).
 *
 * Opt-in per apiKey client (`credentialUrls` in the configuration), each URL scoped to one profile. The query
 * parameter is `credential=<id>.<secret>`. As for API keys (api-key.ts), only the SHA-256 of the secret is stored, the
 * comparison is constant-time (also for an unknown id), a revoked URL stops working, and every bad URL gets the same
 * 401. The secret is a URL's, so it can end up wherever URLs are written down: the broker keeps it out of its own
 * access log (http/access-log.ts), and docs/clients.md tells operators to treat the URL as a password.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { BrokerConfig } from '../config/schema.js';
import { BrokerError } from '../errors.js';
import { hashApiKeySecret } from './api-key.js';
import { constantTimeEqual } from './constant-time.js';
import type { Principal } from './principal.js';

/** The query parameter that carries `<id>.<secret>`. */
export const CREDENTIAL_URL_PARAM = 'credential';

const URL_ID = /^[A-Za-z0-9_-]{4,64}$/;
const SECRET = /^[A-Za-z0-9_-]{16,256}$/;

interface UrlEntry {
  clientId: string;
  tenant: string;
  profile: string;
  hash: Buffer;
  revoked: boolean;
}

/** Compared against when the id is unknown, so that path does the same work as a known one. */
const DUMMY_HASH = createHash('sha256').update('oss-sts-broker unknown credentials url').digest();

export interface GeneratedCredentialUrl {
  id: string;
  /** 32 random bytes, base64url: shown once, never stored. */
  secret: string;
  /** The value of the `credential` query parameter. */
  param: string;
  /** What goes into the configuration. */
  sha256: string;
}

export function generateCredentialUrl(id: string = `cu_${randomBytes(9).toString('base64url')}`): GeneratedCredentialUrl {
  if (!URL_ID.test(id)) throw new Error('credentials URL id must be 4-64 of A-Z a-z 0-9 _ -');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, param: `${id}.${secret}`, sha256: hashApiKeySecret(secret) };
}

export interface CredentialUrlAuthenticator {
  /** Whether any credentials URL is configured. */
  readonly enabled: boolean;
  /** Checks a `credential` parameter for `profile`: the URL's client as a Principal, or 401 / 403. */
  authenticate(param: string, profile: string): Principal;
}

function invalid(reason: string): BrokerError {
  // The reason names the id, which is not secret, never the secret; it reaches logs only through `cause`.
  return new BrokerError('unauthenticated', 'invalid credentials URL', { cause: new Error(reason) });
}

/**
 * From a checked configuration: start-up has refused ids used twice (config/cross-checks.ts) and URLs for a profile
 * that does not exist, does not list the client or hands out no tokens (profiles/check-profiles.ts).
 */
export function createCredentialUrlAuthenticator(config: Pick<BrokerConfig, 'clients'>): CredentialUrlAuthenticator {
  const byId = new Map<string, UrlEntry>();
  for (const client of config.clients) {
    if (client.type !== 'apiKey') continue;
    for (const url of client.credentialUrls) {
      byId.set(url.id, {
        clientId: client.id,
        tenant: client.tenant,
        profile: url.profile,
        hash: Buffer.from(url.sha256, 'hex'),
        revoked: url.revoked,
      });
    }
  }

  return {
    enabled: byId.size > 0,
    authenticate(param, profile) {
      const dot = param.indexOf('.');
      const id = param.slice(0, dot);
      const secret = param.slice(dot + 1);
      if (dot < 0 || !URL_ID.test(id) || !SECRET.test(secret)) throw new BrokerError('unauthenticated', 'malformed credentials URL');
      const entry = byId.get(id);
      // Always hash and compare, even for an unknown id, so response time does not reveal which ids exist.
      const matches = constantTimeEqual(createHash('sha256').update(secret, 'utf8').digest(), entry?.hash ?? DUMMY_HASH);
      if (entry === undefined) throw invalid(`unknown credentials URL id ${id}`);
      if (!matches) throw invalid(`wrong secret for credentials URL id ${id}`);
      if (entry.revoked) throw invalid(`credentials URL id ${id} is revoked`);
      if (entry.profile !== profile) throw new BrokerError('forbidden', `this credentials URL is for profile "${entry.profile}"`);
      return {
        kind: 'partner',
        clientId: entry.clientId,
        subject: id,
        tenant: entry.tenant,
        claims: Object.freeze({ sub: id, tenant: entry.tenant }),
      };
    },
  };
}
