import { describe, expect, it } from 'vitest';
import { createApiKeyAuthenticator, generateApiKey, hashApiKeySecret } from './api-key.js';
import { clientSchema, type ApiKeyClientConfig } from '../config/schema.js';
import { BrokerError } from '../errors.js';

const live = generateApiKey('partner-live');
const revoked = generateApiKey('partner-old');
const other = generateApiKey();

function apiKeyClient(id: string, tenant: string, keys: Array<{ id: string; sha256: string; revoked?: boolean }>): ApiKeyClientConfig {
  const parsed = clientSchema.parse({ id, type: 'apiKey', tenant, keys });
  if (parsed.type !== 'apiKey') throw new Error('not apiKey');
  return parsed;
}

const clients = [
  apiKeyClient('partner1', 'partner1', [
    { id: live.keyId, sha256: live.sha256 },
    { id: revoked.keyId, sha256: revoked.sha256, revoked: true },
  ]),
  apiKeyClient('partner2', 'p2', [{ id: other.keyId, sha256: other.sha256 }]),
];
const auth = createApiKeyAuthenticator(clients);

function refusal(header: string): BrokerError {
  try {
    auth.authenticate(header);
  } catch (err) {
    expect(err).toBeInstanceOf(BrokerError);
    return err as BrokerError;
  }
  throw new Error('expected a refusal');
}

describe('generateApiKey / hashApiKeySecret', () => {
  it('produces a schema-valid key id, a 32-byte base64url secret and its hash', () => {
    const key = generateApiKey();
    expect(key.keyId).toMatch(/^[A-Za-z0-9_-]{4,64}$/);
    expect(Buffer.from(key.secret, 'base64url')).toHaveLength(32);
    expect(key.header).toBe(`${key.keyId}.${key.secret}`);
    expect(key.sha256).toBe(hashApiKeySecret(key.secret));
    expect(key.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(generateApiKey().secret).not.toBe(key.secret);
  });

  it('hashes like sha256sum', () => {
    expect(hashApiKeySecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('refuses a key id the schema would refuse', () => {
    expect(() => generateApiKey('a.b')).toThrow();
  });
});

describe('API key authentication', () => {
  it('accepts a valid key and builds the partner principal', () => {
    expect(auth.authenticate(live.header)).toEqual({
      kind: 'partner',
      clientId: 'partner1',
      subject: 'partner-live',
      tenant: 'partner1',
      claims: { tenant: 'partner1' },
    });
    expect(auth.authenticate(other.header)).toMatchObject({ clientId: 'partner2', tenant: 'p2' });
  });

  it('refuses a wrong secret, an unknown id and a revoked key with the same answer', () => {
    const wrong = refusal(`${live.keyId}.${other.secret}`);
    const unknown = refusal(`nobody.${live.secret}`);
    const old = refusal(revoked.header);
    for (const err of [wrong, unknown, old]) {
      expect(err.code).toBe('unauthenticated');
      expect(err.detail).toBe('invalid API key');
      expect(err.extensions).toEqual({});
      // The secret never reaches the message or the logged cause.
      expect(err.message).not.toContain(live.secret);
      expect(String((err.cause as Error).message)).not.toContain(live.secret);
      expect(String((err.cause as Error).message)).not.toContain(other.secret);
    }
    // The logs can still tell them apart.
    expect((wrong.cause as Error).message).toMatch(/wrong secret/);
    expect((unknown.cause as Error).message).toMatch(/unknown key id/);
    expect((old.cause as Error).message).toMatch(/revoked/);
  });

  it.each([
    ['no dot', live.keyId],
    ['empty secret', `${live.keyId}.`],
    ['empty key id', `.${live.secret}`],
    ['short key id', `abc.${live.secret}`],
    ['bad key id characters', `pa$rtner.${live.secret}`],
    ['space in secret', `${live.keyId}.a b`],
    ['over-long secret', `${live.keyId}.${'x'.repeat(513)}`],
    ['empty header', ''],
  ])('refuses a malformed header: %s', (_name, header) => {
    const err = refusal(header);
    expect(err.code).toBe('unauthenticated');
    expect(err.detail).toBe('malformed API key');
  });

  it('refuses duplicate key ids across clients at construction', () => {
    expect(() =>
      createApiKeyAuthenticator([
        apiKeyClient('a', 't', [{ id: 'shared', sha256: live.sha256 }]),
        apiKeyClient('b', 't', [{ id: 'shared', sha256: other.sha256 }]),
      ]),
    ).toThrow(/shared/);
  });
});
