/**
 * Rotating the cache key and the grant key in KMS under load loses nothing. A broker reads both keys from the KMS
 * emulator (official SDK), serves a bounded stream of credential requests for a set of users, and midway both keys
 * are rotated in the emulator and the broker is made to refresh. No request fails; every token cached before the
 * rotation is still served from Redis (opened with the previous key: the in-process cache is off, and STS is called
 * once per user only); a form signed before the rotation still has its callback accepted after it.
 * Real Redis, the STS and OSS emulators, nothing of the broker mocked.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOssEmulator, type OssEmulator } from '../../dev/emulator/oss/index.js';
import type { KmsEmulator } from '../../dev/emulator/kms/index.js';
import { capturedLogger } from '../../dev/testing/logger.js';
import { createKmsSecrets, decodeBase64Key, SECRET_CHECKS, type KmsSecrets } from '../../src/secrets/index.js';
import type { PostPolicyResponse } from '../../src/uploads/index.js';
import { BUCKET, PARTNER_ROLE, UPLOAD_ROLE, startTestBroker, type TestBroker } from '../helpers/broker.js';
import { emulatorReader, startTestKms, testAccessKey } from './helpers.js';

const REQUESTS = 200;
const CONCURRENCY = 4;
const USERS = 10;
const FULL_OSS_ACCESS = { Version: '1', Statement: [{ Effect: 'Allow', Action: ['oss:*'], Resource: ['acs:oss:*:*:*'] }] };
const CACHE_SECRET = 'oss-sts-broker/cache-key';
const GRANT_SECRET = 'oss-sts-broker/grant-key';

const key = testAccessKey();
let kms: KmsEmulator;
let oss: OssEmulator;
let broker: TestBroker;
let secrets: KmsSecrets;
let front: Server;
const log = capturedLogger('info');

beforeAll(async () => {
  kms = await startTestKms(key);
  kms.rotateKey(CACHE_SECRET);
  kms.rotateKey(GRANT_SECRET);
  secrets = createKmsSecrets({
    reader: emulatorReader(kms, key),
    secrets: new Map([
      ['BROKER_CACHE_KEY', CACHE_SECRET],
      ['BROKER_GRANT_KEY', GRANT_SECRET],
    ]),
    checks: SECRET_CHECKS,
    // Only the forced refresh below runs during the test.
    refreshMs: 3_600_000,
  });
  await secrets.load();
  secrets.start(log.logger);

  front = createServer();
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const callbackUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}/v1/oss-callback`;
  const sealKey = randomBytes(32);
  oss = await startOssEmulator({ sealKey, buckets: [{ name: BUCKET }] });
  broker = await startTestBroker({
    sealKey,
    ossEndpoint: oss.endpointPathStyle,
    rolePolicies: { [UPLOAD_ROLE]: FULL_OSS_ACCESS, [PARTNER_ROLE]: FULL_OSS_ACCESS },
    keyRings: {
      encryptionKey: secrets.keyRing('BROKER_CACHE_KEY', decodeBase64Key),
      grantKeys: secrets.keyRing('BROKER_GRANT_KEY', decodeBase64Key),
    },
    configPatch: (c) => {
      // No in-process cache: every cache hit reads the sealed token from Redis and has to open it.
      c.cache = { ...c.cache, l1MaxEntries: 0 };
      c.rateLimits = { perPrincipal: { limit: 10_000, windowSeconds: 60 }, perIp: { limit: 100_000, windowSeconds: 60 } };
      c.profiles.forms = {
        ...c.profiles.uploads,
        prefix: 'rotation/${tenant}/${sub}/',
        paths: ['form'],
        postPolicy: { formLifetimeSeconds: 600, callback: { url: callbackUrl } },
      };
      c.uploads = { grantKey: secrets.current('BROKER_GRANT_KEY'), callbackPublicKeyUrls: [oss.callbackPublicKeyUrl] };
    },
  });
  front.on('request', broker.app);
}, 60_000);

afterAll(async () => {
  secrets?.close();
  await broker?.close();
  await oss?.close();
  await kms?.close();
  await new Promise<void>((resolve) => (front ? front.close(() => resolve()) : resolve()));
});

type Upload = PostPolicyResponse['uploads'][number];

async function auth(sub: string): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await broker.token(sub, 'acme')}` };
}

async function vend(sub: string): Promise<{ status: number; accessKeyId?: string; cached?: boolean }> {
  const res = await request(broker.app)
    .post('/v1/credentials')
    .set(await auth(sub))
    .send({ profile: 'uploads' });
  return { status: res.status, accessKeyId: res.body?.credentials?.accessKeyId, cached: res.body?.cached };
}

async function form(sub: string, name: string): Promise<Upload> {
  const res = await request(broker.app)
    .post('/v1/post-policy')
    .set(await auth(sub))
    .send({ profile: 'forms', files: [{ name, size: 2000, contentType: 'image/png' }] });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body as PostPolicyResponse).uploads[0] as Upload;
}

/** Posts a form to the OSS emulator, which calls the broker back; the broker's reply comes back through OSS. */
async function upload(u: Upload, bytes: number): Promise<{ status: number; body: string }> {
  const data = new FormData();
  for (const [name, value] of Object.entries(u.fields)) data.append(name, value);
  data.append('file', new Blob([new Uint8Array(randomBytes(bytes))], { type: 'image/png' }), 'f.png');
  const res = await fetch(u.url, { method: 'POST', body: data });
  return { status: res.status, body: await res.text() };
}

describe('rotating the cache key and the grant key in KMS under load', () => {
  it('fails no request, serves tokens cached before the rotation, and accepts the callback of a form signed before it', async () => {
    const users = Array.from({ length: USERS }, (_, i) => `user${i}`);
    const first = new Map<string, string>();
    for (const sub of users) {
      const r = await vend(sub);
      expect(r.status).toBe(200);
      first.set(sub, r.accessKeyId!);
    }
    const formBefore = await form('uploader', 'before.png');
    const callsBefore = broker.emulator.stats.assumeRoleCalls;
    // One token per user, and one the broker signs forms with.
    expect(callsBefore).toBe(USERS + 1);

    const statuses: number[] = [];
    const servedAfter = new Map<string, string>();
    let rotated = false;
    for (let sent = 0; sent < REQUESTS; sent += CONCURRENCY) {
      if (!rotated && sent >= REQUESTS / 2) {
        // Mid-run: new versions of both keys in KMS, and the broker told to refresh now (as SIGHUP does).
        kms.rotateKey(CACHE_SECRET);
        kms.rotateKey(GRANT_SECRET);
        await secrets.refresh();
        rotated = true;
      }
      const batch = await Promise.all(
        Array.from({ length: CONCURRENCY }, (_, i) => {
          const sub = users[(sent + i) % USERS]!;
          return vend(sub).then((r) => ({ sub, ...r }));
        }),
      );
      for (const r of batch) {
        statuses.push(r.status);
        if (rotated) servedAfter.set(r.sub, r.accessKeyId!);
      }
    }

    expect(statuses.length).toBe(REQUESTS);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    // Every user got the token cached before the rotation, after it: opened with the previous key, never re-issued.
    expect(Object.fromEntries(servedAfter)).toEqual(Object.fromEntries(first));
    expect(broker.emulator.stats.assumeRoleCalls).toBe(callsBefore);
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

    // The form signed with the previous grant key: OSS stores the file and the broker accepts the callback.
    const before = await upload(formBefore, 1500);
    expect(before.status, before.body).toBe(200);
    expect(JSON.parse(before.body)).toMatchObject({ key: formBefore.key, size: 1500 });
    // And a form signed after the rotation, with the new key.
    const formAfter = await form('uploader', 'after.png');
    const after = await upload(formAfter, 700);
    expect(after.status, after.body).toBe(200);
    expect(JSON.parse(after.body)).toMatchObject({ key: formAfter.key, size: 700 });
    expect(broker.audit.filter((e) => e.event === 'upload.recorded').map((e) => e.outcome)).toEqual(['recorded', 'recorded']);
  }, 120_000);
});
