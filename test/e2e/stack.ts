/**
 * The whole local stack for end-to-end tests: the OSS emulator (holding the STS emulator's seal key), a broker built
 * from the real modules (test/helpers/broker.ts) whose profiles point clients at that emulator, and the real ali-oss
 * client configured from what the broker hands out - exactly what a browser or app does with a credential response.
 */
import { randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import OSS from 'ali-oss';
import request from 'supertest';
import { expect } from 'vitest';
import { startOssEmulator, type OssEmulator } from '../../dev/emulator/oss/index.js';
import type { EmulatorRole } from '../../dev/emulator/sts/index.js';
import { startTestBroker, BUCKET, PARTNER_ROLE, UPLOAD_ROLE, type TestBroker, type TestBrokerOptions } from '../helpers/broker.js';
import type { CredentialResponse } from '../../src/credentials/index.js';

export { BUCKET };
/** A second bucket in the same emulator, which no profile names. */
export const OTHER_BUCKET = 'other-bucket';

/**
 * The standard roles hold full OSS access on every bucket (like AliyunOSSFullAccess): whatever a vended token cannot
 * reach is then refused because of the session policy the broker built, not because the role lacks it. (A role with
 * no policy grants nothing, as in RAM.)
 */
const FULL_OSS_ACCESS = { Version: '1', Statement: [{ Effect: 'Allow', Action: ['oss:*'], Resource: ['acs:oss:*:*:*'] }] };

/** The broker's credential response, as the contract types it. */
export type Vended = CredentialResponse;

/** A controllable clock for the OSS emulator: starts at real time, moved forward by tests. */
class MovableClock {
  offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
}

export interface Stack {
  broker: TestBroker;
  oss: OssEmulator;
  ossClock: MovableClock;
  /** Bearer auth header for a development-issuer user. */
  user(sub: string, tenant: string): Promise<Record<string, string>>;
  partner(): Record<string, string>;
  /** POST /v1/credentials, expecting 200. */
  vend(auth: Record<string, string>, body: Record<string, unknown>): Promise<Vended>;
  close(): Promise<void>;
}

export interface StackOptions {
  extraRoles?: EmulatorRole[];
  /** Edits the broker's raw config; gets the OSS emulator (started first), e.g. for its callback key host. */
  configPatch?: (config: Parameters<NonNullable<TestBrokerOptions['configPatch']>>[0], env: { oss: OssEmulator }) => void;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const sealKey = randomBytes(32);
  const ossClock = new MovableClock();
  const oss = await startOssEmulator({ sealKey, buckets: [{ name: BUCKET }, { name: OTHER_BUCKET }], clock: ossClock });
  let broker: TestBroker;
  try {
    broker = await startTestBroker({
      sealKey,
      ossEndpoint: oss.endpointPathStyle,
      rolePolicies: { [UPLOAD_ROLE]: FULL_OSS_ACCESS, [PARTNER_ROLE]: FULL_OSS_ACCESS },
      ...(options.extraRoles ? { extraRoles: options.extraRoles } : {}),
      configPatch: (config) => {
        // Roomy request limits: these tests are about what the tokens reach, not about rate limiting.
        config.rateLimits = { perPrincipal: { limit: 1000, windowSeconds: 60 }, perIp: { limit: 10000, windowSeconds: 60 } };
        options.configPatch?.(config, { oss });
      },
    });
  } catch (error) {
    await oss.close();
    throw error;
  }
  return {
    broker,
    oss,
    ossClock,
    user: async (sub, tenant) => ({ authorization: `Bearer ${await broker.token(sub, tenant)}` }),
    partner: () => ({ 'x-api-key': broker.partnerKey }),
    async vend(auth, body) {
      const res = await request(broker.app).post('/v1/credentials').set(auth).send(body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body as Vended;
    },
    async close() {
      await broker.close();
      await oss.close();
    },
  };
}

export interface ClientOptions {
  /** Another bucket than the one the broker named (to prove the token does not reach it). */
  bucket?: string;
  /** OSS signature V4 (OSS4-HMAC-SHA256) instead of V1. */
  v4?: boolean;
  /**
   * Host-style addressing: an IP endpoint makes ali-oss connect to the IP but send `Host: <bucket>.oss-<region>…`
   * and the path `/<key>` (https://github.com/ali-sdk/ali-oss/blob/master/lib/common/client/initOptions.js), so the emulator must take the bucket from the Host header.
   */
  hostStyle?: boolean;
  /** Shifts the client's request dates (ali-oss `amendTimeSkewed`), to follow an emulator clock moved forward. */
  clockSkewMs?: number;
}

/** An ali-oss client configured from a credential response, the way docs/clients.md tells client developers to. */
export function ossClient(vended: Vended, options: ClientOptions = {}): OSS {
  const { credentials, upload } = vended;
  // The broker hands out the emulator's path-style endpoint (`http://localhost:PORT`); its IP form is host-style.
  const endpoint = options.hostStyle ? upload.endpoint.replace(/^http:\/\/localhost:/, 'http://127.0.0.1:') : upload.endpoint;
  if (options.hostStyle && endpoint === upload.endpoint) throw new Error(`not a localhost endpoint: ${upload.endpoint}`);
  const config: Record<string, unknown> = {
    endpoint,
    bucket: options.bucket ?? upload.bucket,
    region: `oss-${upload.region}`,
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    stsToken: credentials.securityToken,
    timeout: 10_000,
    // One connection per request. ali-oss's shared keep-alive agent keeps idle sockets 15 s, the emulator's Node
    // server closes them after 5 s (keepAliveTimeout default); both run in this process, so an event-loop stall
    // over 5 s on a busy machine made a reused socket fail with ECONNRESET. Not what these tests are about.
    agent: new Agent({ keepAlive: false }),
  };
  if (!options.hostStyle) config.sldEnable = true;
  if (options.v4) config.authorizationV4 = true;
  if (options.clockSkewMs) config.amendTimeSkewed = options.clockSkewMs;
  return new OSS(config as unknown as OSS.Options);
}

interface OssError {
  code?: string;
  status?: number;
  name?: string;
  message?: string;
}

/** Runs an ali-oss call that must fail and returns the error ali-oss threw (code = OSS's XML `<Code>`). */
export async function ossFailure(call: Promise<unknown>): Promise<OssError> {
  const outcome = await call.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error('expected the OSS call to be refused, but it succeeded');
  return outcome.error as OssError;
}

/** The call fails with OSS `AccessDenied` (403): the storage itself refused, by policy. */
export async function expectAccessDenied(call: Promise<unknown>): Promise<void> {
  const error = await ossFailure(call);
  expect({ code: error.code, status: error.status }, error.message).toEqual({ code: 'AccessDenied', status: 403 });
}

/** The bytes the emulator holds for bucket/key, or undefined when no such object exists. */
export function storedObject(oss: OssEmulator, bucket: string, key: string): Buffer | undefined {
  return oss.objects.get(bucket, key)?.body;
}

export function randomBuffer(bytes: number): Buffer {
  return randomBytes(bytes);
}
