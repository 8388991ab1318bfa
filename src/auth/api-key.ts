/**
 * Partner API keys: `X-Api-Key: <keyId>.<secret>`. The configuration holds only the SHA-256 of each secret
 * (docs/configuration.md), so a leaked config file does not leak working keys. The secret is random and long,
 * which is why a plain (unsalted, fast) hash is enough here, unlike for human passwords.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ApiKeyClientConfig } from '../config/schema.js';
import { BrokerError } from '../errors.js';
import { partnerTemplateValues } from './claims.js';
import { constantTimeEqual } from './constant-time.js';
import type { Principal } from './principal.js';

/** Same rule as the schema's key id. */
const KEY_ID = /^[A-Za-z0-9_-]{4,64}$/;
/** Visible ASCII without spaces; bounded so hashing an attacker's header costs nothing. */
const SECRET = /^[\x21-\x7e]{1,512}$/;

/** Lowercase hex SHA-256 of a key secret: the value to put in the configuration's `sha256` field. */
export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export interface GeneratedApiKey {
  keyId: string;
  /** 32 random bytes, base64url. Shown once to the partner; never stored. */
  secret: string;
  /** The full `X-Api-Key` header value. */
  header: string;
  /** What goes into the configuration. */
  sha256: string;
}

/** A fresh key for local mode and for the operator CLI. */
export function generateApiKey(keyId: string = `ak_${randomBytes(9).toString('base64url')}`): GeneratedApiKey {
  if (!KEY_ID.test(keyId)) throw new Error('key id must be 4-64 of A-Z a-z 0-9 _ -');
  const secret = randomBytes(32).toString('base64url');
  return { keyId, secret, header: `${keyId}.${secret}`, sha256: hashApiKeySecret(secret) };
}

interface KeyEntry {
  clientId: string;
  tenant: string;
  hash: Buffer;
  revoked: boolean;
}

/** Compared against when the key id is unknown, so that path does the same work as a known one. */
const DUMMY_HASH = createHash('sha256').update('oss-sts-broker unknown api key').digest();

/**
 * The one answer for every bad key: it must not tell a caller whether a key id exists or was revoked. The reason
 * goes into `cause` (logged, never shown); it names the key id, which is not secret, and never the secret.
 */
function invalid(reason: string): BrokerError {
  return new BrokerError('unauthenticated', 'invalid API key', { cause: new Error(reason) });
}

export interface ApiKeyAuthenticator {
  /** Whether any API-key client is configured. */
  readonly enabled: boolean;
  /** Checks an `X-Api-Key` header value; throws BrokerError('unauthenticated') on every failure. */
  authenticate(header: string): Principal;
}

export function createApiKeyAuthenticator(clients: readonly ApiKeyClientConfig[]): ApiKeyAuthenticator {
  const byKeyId = new Map<string, KeyEntry>();
  for (const client of clients) {
    for (const key of client.keys) {
      const existing = byKeyId.get(key.id);
      // A key id must name one client, or which tenant a key acts for would depend on configuration order.
      if (existing !== undefined) {
        throw new Error(`API key id ${key.id} is configured for both ${existing.clientId} and ${client.id}`);
      }
      byKeyId.set(key.id, {
        clientId: client.id,
        tenant: client.tenant,
        hash: Buffer.from(key.sha256, 'hex'),
        revoked: key.revoked,
      });
    }
  }

  return {
    enabled: byKeyId.size > 0,
    authenticate(header) {
      const dot = header.indexOf('.');
      const keyId = header.slice(0, dot);
      const secret = header.slice(dot + 1);
      if (dot < 0 || !KEY_ID.test(keyId) || !SECRET.test(secret)) {
        throw new BrokerError('unauthenticated', 'malformed API key');
      }
      const entry = byKeyId.get(keyId);
      // Always hash and compare, even for an unknown id, so response time does not reveal which ids exist.
      const actual = createHash('sha256').update(secret, 'utf8').digest();
      const matches = constantTimeEqual(actual, entry?.hash ?? DUMMY_HASH);
      if (entry === undefined) throw invalid(`unknown key id ${keyId}`);
      if (!matches) throw invalid(`wrong secret for key id ${keyId}`);
      if (entry.revoked) throw invalid(`key id ${keyId} is revoked`);
      return {
        kind: 'partner',
        clientId: entry.clientId,
        subject: keyId,
        tenant: entry.tenant,
        claims: Object.freeze(partnerTemplateValues(entry.tenant)),
      };
    },
  };
}
