/**
 * A test broker (test/helpers/broker.ts: real Redis, STS emulator, official SDK) whose `uploads` profile offers
 * signed forms with an upload callback and byte quotas, and whose callback key allow-list names only this file's
 * loopback key server. `grantKey` is generated here, at test time.
 */
import { randomBytes } from 'node:crypto';
import { startTestBroker, type TestBroker, type TestBrokerOptions } from '../helpers/broker.js';
import type { Clock } from '../../src/shared/clock.js';
import { startKeyServer, type KeyServer } from './helpers.js';

export const CALLBACK_URL = 'https://broker.test/v1/oss-callback';
export const BYTES_PER_HOUR = 200_000;

export interface UploadsBroker {
  broker: TestBroker;
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
  let broker: TestBroker;
  try {
    broker = await startTestBroker({
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.store ? { store: options.store } : {}),
      configPatch: (c) => {
        c.profiles.uploads.postPolicy = { formLifetimeSeconds: 600, callback: { url: CALLBACK_URL } };
        c.profiles.uploads.quota = {
          bytesPerPrincipal: [{ limitBytes: BYTES_PER_HOUR, windowSeconds: 3600 }],
          ...(options.requestsPerMinute ? { perPrincipal: [{ limit: options.requestsPerMinute, windowSeconds: 60 }] } : {}),
        };
        // Forms without a callback: declared sizes are charged at once.
        c.profiles.forms = { ...c.profiles.uploads, prefix: 'forms/${tenant}/${sub}/', postPolicy: { formLifetimeSeconds: 300 } };
        c.uploads = { grantKey: grantKey.toString('base64'), callbackPublicKeyHosts: [keys.host] };
      },
    });
  } catch (error) {
    await keys.close();
    throw error;
  }
  return {
    broker,
    keys,
    grantKey,
    bearer: async (sub, tenant = 'acme') => ({ authorization: `Bearer ${await broker.token(sub, tenant)}` }),
    async close() {
      await broker.close();
      await keys.close();
    },
  };
}
