/**
 * A test broker (test/helpers/broker.ts: real Redis, STS emulator, official SDK) whose `uploads` profile offers
 * signed forms with an upload callback and byte quotas, and whose callback key allow-list names only key URLs on
 * this file's loopback key server. Its bucket is an OSS emulator holding the STS emulator's seal key, so the broker
 * reads an uploaded object's metadata through ali-oss as it does in production; tests place objects with
 * `storeObject`. `grantKey` is generated here, at test time.
 * `uploads` offers tokens too (with the operator's explicit allowUnenforcedTokenPath), so these tests see both paths
 * share one profile's quotas.
 */
import { createHash, randomBytes } from 'node:crypto';
import { startOssEmulator, type OssEmulator } from '../../dev/emulator/oss/index.js';
import { BUCKET, startTestBroker, UPLOAD_ROLE, type TestBroker, type TestBrokerOptions } from '../helpers/broker.js';
import type { Clock } from '../../src/shared/clock.js';
import { startKeyServer, type KeyServer } from './helpers.js';

export const CALLBACK_URL = 'https://broker.test/v1/oss-callback';
export const BYTES_PER_HOUR = 200_000;
/** A second allow-listed key URL on the key server, which no test callback uses until it needs an unfetched key. */
export const SECOND_KEY_PATH = '/second_pub_key.pem';

/** The upload role may write and read (the callback's GetObjectMeta needs oss:GetObject) under uploads/ and forms/. */
const UPLOAD_ROLE_POLICY = {
  Version: '1',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['oss:PutObject', 'oss:GetObject'],
      Resource: [`acs:oss:*:*:${BUCKET}/uploads/*`, `acs:oss:*:*:${BUCKET}/forms/*`],
    },
  ],
};

export interface UploadsBroker {
  broker: TestBroker;
  oss: OssEmulator;
  /** Puts an object straight into the emulated bucket (as if uploaded), at the emulator's time unless given. */
  storeObject(key: string, size: number, lastModified?: number): { etag: string };
  keys: KeyServer;
  grantKey: Buffer;
  bearer(sub: string, tenant?: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

/** Real time plus an offset the test moves (the STS emulator's tokens follow real time). */
export class OffsetClock implements Clock {
  offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
}

export async function startUploadsBroker(
  options: { clock?: Clock; requestsPerMinute?: number; store?: TestBrokerOptions['store'] } = {},
): Promise<UploadsBroker> {
  const keys = await startKeyServer();
  const grantKey = randomBytes(32);
  const sealKey = randomBytes(32);
  const oss = await startOssEmulator({ sealKey, buckets: [{ name: BUCKET }] });
  let broker: TestBroker;
  try {
    broker = await startTestBroker({
      sealKey,
      ossEndpoint: oss.endpointPathStyle,
      rolePolicies: { [UPLOAD_ROLE]: UPLOAD_ROLE_POLICY },
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.store ? { store: options.store } : {}),
      configPatch: (c) => {
        c.profiles.uploads.postPolicy = { formLifetimeSeconds: 600, callback: { url: CALLBACK_URL } };
        c.profiles.uploads.allowUnenforcedTokenPath = true;
        c.profiles.uploads.quota = {
          bytesPerPrincipal: [{ limitBytes: BYTES_PER_HOUR, windowSeconds: 3600 }],
          ...(options.requestsPerMinute ? { perPrincipal: [{ limit: options.requestsPerMinute, windowSeconds: 60 }] } : {}),
        };
        // Forms without a callback: declared sizes are charged at once.
        c.profiles.forms = { ...c.profiles.uploads, prefix: 'forms/${tenant}/${sub}/', postPolicy: { formLifetimeSeconds: 300 } };
        c.uploads = { grantKey: grantKey.toString('base64'), callbackPublicKeyUrls: [keys.url, `http://${keys.host}${SECOND_KEY_PATH}`] };
      },
    });
  } catch (error) {
    await keys.close();
    await oss.close();
    throw error;
  }
  return {
    broker,
    oss,
    storeObject(key, size, lastModified = Date.now()) {
      const body = randomBytes(size);
      const etag = `"${createHash('md5').update(body).digest('hex').toUpperCase()}"`;
      oss.objects.put(BUCKET, { key, body, size, etag, contentType: 'image/png', lastModified, type: 'Normal', headers: {} });
      return { etag: etag.replace(/"/g, '') };
    },
    keys,
    grantKey,
    bearer: async (sub, tenant = 'acme') => ({ authorization: `Bearer ${await broker.token(sub, tenant)}` }),
    async close() {
      await broker.close();
      await keys.close();
      await oss.close();
    },
  };
}
