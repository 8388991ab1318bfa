/** The KMS secret cache: start-up all or nothing, refresh keeps the last good version, key rings follow rotations. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { capturedLogger } from '../../dev/testing/logger.js';
import { ConfigError } from '../config/config-error.js';
import { createSealer } from '../cache/encryption.js';
import { createGrantSealer, type UploadGrant } from '../uploads/upload-grant.js';
import { SECRET_CHECKS, decodeBase64Key } from './checks.js';
import { createKmsSecrets, type RefreshEvent, type SecretReader, type SecretVersion, type VersionStage } from './kms-secrets.js';

/** A Secrets Manager in memory: versions per secret, stages moved by `rotate`, failures switched on by `failing`. */
function fakeKms() {
  const versions = new Map<string, SecretVersion[]>();
  const calls: Array<[string, VersionStage]> = [];
  let failing: Error | undefined;
  const reader: SecretReader = {
    async read(name, stage) {
      calls.push([name, stage]);
      if (failing) throw failing;
      const list = versions.get(name);
      if (list === undefined) throw Object.assign(new Error('not found'), { data: { Code: 'Forbidden.ResourceNotFound' } });
      return stage === 'ACSCurrent' ? list.at(-1) : list.at(-2);
    },
  };
  return {
    reader,
    calls,
    rotate(name: string, value: string) {
      const list = versions.get(name) ?? [];
      list.push({ value, versionId: `v${list.length + 1}` });
      versions.set(name, list);
    },
    fail(error: Error | undefined) {
      failing = error;
    },
  };
}

const key = () => randomBytes(32).toString('base64');
const grant: UploadGrant = {
  principal: { kind: 'user', clientId: 'web', tenant: 'acme', subject: 'alice' },
  profile: 'uploads',
  bucket: 'b',
  key: 'uploads/a.png',
  size: 1,
  issuedAt: 1,
  expiresAt: 2,
  id: 'r1',
};

function setup(refs: Record<string, string> = { BROKER_CACHE_KEY: 'broker/cache-key', BROKER_GRANT_KEY: 'broker/grant-key' }) {
  const kms = fakeKms();
  const secrets = createKmsSecrets({
    reader: kms.reader,
    secrets: new Map(Object.entries(refs)),
    checks: SECRET_CHECKS,
    refreshMs: 60_000,
  });
  const log = capturedLogger('info');
  const events: RefreshEvent[] = [];
  return { kms, secrets, log, events, start: () => secrets.start(log.logger, (e) => events.push(e)) };
}

describe('createKmsSecrets', () => {
  it('loads the current and previous versions of each secret', async () => {
    const { kms, secrets } = setup();
    const [c1, c2, g1] = [key(), key(), key()];
    kms.rotate('broker/cache-key', c1);
    kms.rotate('broker/cache-key', c2);
    kms.rotate('broker/grant-key', g1);
    await secrets.load();
    expect(secrets.current('BROKER_CACHE_KEY')).toBe(c2);
    expect(secrets.keyRing('BROKER_CACHE_KEY', decodeBase64Key).keys()).toEqual([decodeBase64Key(c2), decodeBase64Key(c1)]);
    // No ACSPrevious yet (a secret's first version): a ring of one, not an error.
    expect(secrets.keyRing('BROKER_GRANT_KEY', decodeBase64Key).keys()).toEqual([decodeBase64Key(g1)]);
    expect(
      kms.calls
        .filter(([name]) => name === 'broker/cache-key')
        .map(([, stage]) => stage)
        .sort(),
    ).toEqual(['ACSCurrent', 'ACSPrevious']);
  });

  it('fails start-up closed, naming the variable and the KMS secret but not the value', async () => {
    const { kms, secrets } = setup();
    const badValue = randomBytes(16).toString('base64');
    kms.rotate('broker/cache-key', badValue);
    const error = await secrets.load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'BROKER_CACHE_KEY_KMS_SECRET: cannot read KMS secret "broker/cache-key": version v1: must be 32 bytes, base64-encoded',
      'BROKER_GRANT_KEY_KMS_SECRET: cannot read KMS secret "broker/grant-key": Forbidden.ResourceNotFound',
    ]);
    expect(String((error as Error).message)).not.toContain(badValue);
  });

  it('keeps the last good versions when a refresh fails, logs and reports it without the value', async () => {
    const { kms, secrets, log, events, start } = setup({ BROKER_CACHE_KEY: 'broker/cache-key' });
    const good = key();
    kms.rotate('broker/cache-key', good);
    await secrets.load();
    start();
    const ring = secrets.keyRing('BROKER_CACHE_KEY', decodeBase64Key);
    kms.fail(
      Object.assign(new Error(`POST https://kms.example/?AccessKeyId=LTAIx&SecretName=broker/cache-key failed`), { code: 'ECONNREFUSED' }),
    );
    await secrets.refresh();
    expect(secrets.current('BROKER_CACHE_KEY')).toBe(good);
    expect(ring.keys()).toEqual([decodeBase64Key(good)]);
    expect(events.map((e) => [e.name, e.ok])).toEqual([
      ['BROKER_CACHE_KEY', true],
      ['BROKER_CACHE_KEY', false],
    ]);
    const failed = log.records().filter((r) => r.event === 'secrets.refresh.failed');
    expect(failed).toEqual([
      expect.objectContaining({ secret: 'BROKER_CACHE_KEY', kmsSecret: 'broker/cache-key', reason: 'ECONNREFUSED' }),
    ]);
    expect(log.text()).not.toContain(good);
    expect(log.text()).not.toContain('LTAIx');
    secrets.close();
  });

  it('refuses an unusable new version on refresh and keeps the last good one', async () => {
    const { kms, secrets, log, events, start } = setup({ BROKER_CACHE_KEY: 'broker/cache-key' });
    const good = key();
    kms.rotate('broker/cache-key', good);
    await secrets.load();
    start();
    kms.rotate('broker/cache-key', 'not-a-key');
    await secrets.refresh();
    expect(secrets.current('BROKER_CACHE_KEY')).toBe(good);
    expect(events.at(-1)).toMatchObject({ name: 'BROKER_CACHE_KEY', ok: false });
    expect(log.text()).not.toContain('not-a-key');
    secrets.close();
  });

  it('after a rotation, seals and signs with the new key and still opens and verifies with the previous one', async () => {
    const { kms, secrets, log, start } = setup();
    kms.rotate('broker/cache-key', key());
    kms.rotate('broker/grant-key', key());
    await secrets.load();
    start();
    const sealer = createSealer(secrets.keyRing('BROKER_CACHE_KEY', decodeBase64Key));
    const grants = createGrantSealer(secrets.keyRing('BROKER_GRANT_KEY', decodeBase64Key));
    const sealedBefore = sealer.seal('k', 'token');
    const signedBefore = grants.seal(grant);

    const [newCache, newGrant] = [key(), key()];
    kms.rotate('broker/cache-key', newCache);
    kms.rotate('broker/grant-key', newGrant);
    await secrets.refresh();

    expect(sealer.open('k', sealedBefore)).toBe('token');
    expect(grants.open(signedBefore)).toEqual(grant);
    // What is sealed and signed now uses the new versions alone.
    expect(createSealer(decodeBase64Key(newCache)).open('k', sealer.seal('k', 'token'))).toBe('token');
    expect(createGrantSealer(decodeBase64Key(newGrant)).open(grants.seal(grant))).toEqual(grant);
    expect(
      log
        .records()
        .filter((r) => r.event === 'secrets.rotated')
        .map((r) => [r.secret, r.versionId, r.previousVersionId]),
    ).toEqual(
      expect.arrayContaining([
        ['BROKER_CACHE_KEY', 'v2', 'v1'],
        ['BROKER_GRANT_KEY', 'v2', 'v1'],
      ]),
    );
    secrets.close();
  });

  it('joins a refresh already running instead of calling KMS twice', async () => {
    const { kms, secrets } = setup({ BROKER_CACHE_KEY: 'broker/cache-key' });
    kms.rotate('broker/cache-key', key());
    await secrets.load();
    const before = kms.calls.length;
    await Promise.all([secrets.refresh(), secrets.refresh()]);
    expect(kms.calls.length - before).toBe(2);
  });
});
