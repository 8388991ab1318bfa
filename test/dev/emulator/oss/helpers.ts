/**
 * Shared set-up for the OSS emulator tests: a real STS emulator (tokens come from AssumeRole through the official
 * @alicloud/sts20150401 SDK), an OSS emulator sharing its seal key, and the real ali-oss client pointed at it in the
 * two addressing styles (https://github.com/ali-sdk/ali-oss/blob/master/lib/common/client/initOptions.js) with V1 or V4 signatures.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import OSS from 'ali-oss';
import { afterAll, beforeAll } from 'vitest';
import Sts, { AssumeRoleRequest } from '@alicloud/sts20150401';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { startStsEmulator, type StsEmulator } from '../../../../dev/emulator/sts/index.js';
import { startOssEmulator, type OssEmulator, type OssEmulatorOptions } from '../../../../dev/emulator/oss/index.js';

export { thrown } from '../../../../dev/testing/errors.js';

const ACCOUNT = '1234567890123456';
/** A role whose own policy reaches both buckets entirely. */
const WIDE_ROLE = `acs:ram::${ACCOUNT}:role/oss-wide`;
/** A role whose own policy only allows put/get under `photos/users/`. */
export const NARROW_ROLE = `acs:ram::${ACCOUNT}:role/oss-narrow`;
export const BUCKET = 'photos';
export const OTHER_BUCKET = 'archive';
const REGION = 'oss-cn-hangzhou';

const WIDE_POLICY = {
  Version: '1',
  Statement: [
    {
      Effect: 'Allow',
      Action: 'oss:*',
      Resource: [`acs:oss:*:*:${BUCKET}`, `acs:oss:*:*:${BUCKET}/*`, `acs:oss:*:*:${OTHER_BUCKET}`, `acs:oss:*:*:${OTHER_BUCKET}/*`],
    },
  ],
};
const NARROW_POLICY = {
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: ['oss:PutObject', 'oss:GetObject'], Resource: `acs:oss:*:*:${BUCKET}/users/*` }],
};

/** What the broker would vend for user alice: her prefix only, and listing restricted to it. */
export function userPolicy(user: string, bucket = BUCKET): object {
  return {
    Version: '1',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['oss:PutObject', 'oss:GetObject', 'oss:DeleteObject', 'oss:ListParts', 'oss:AbortMultipartUpload'],
        Resource: `acs:oss:*:*:${bucket}/users/${user}/*`,
      },
      {
        Effect: 'Allow',
        Action: 'oss:ListObjects',
        Resource: `acs:oss:*:*:${bucket}`,
        Condition: { StringLike: { 'oss:Prefix': `users/${user}/*` } },
      },
    ],
  };
}

export interface Creds {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  expiration: string;
}

export interface Env {
  sts: StsEmulator;
  oss: OssEmulator;
  sealKey: Buffer;
  /** AssumeRole through the official SDK. */
  token(policy?: object, roleArn?: string, durationSeconds?: number): Promise<Creds>;
  close(): Promise<void>;
}

const StsClass: typeof Sts.default = typeof (Sts as unknown) === 'function' ? (Sts as unknown as typeof Sts.default) : Sts.default;

export async function startEnv(ossOptions: Partial<OssEmulatorOptions> = {}): Promise<Env> {
  const sealKey = randomBytes(32);
  const caller = { accessKeyId: `LTAI${randomBytes(10).toString('hex')}`, accessKeySecret: randomBytes(20).toString('base64url') };
  const sts = await startStsEmulator({
    accessKeys: [caller],
    roles: [
      { arn: WIDE_ROLE, policy: WIDE_POLICY },
      { arn: NARROW_ROLE, policy: NARROW_POLICY },
    ],
    sealKey,
  });
  const oss = await startOssEmulator({
    sealKey,
    buckets: [
      {
        name: BUCKET,
        cors: [
          { allowedOrigins: ['http://app.example'], allowedMethods: ['GET', 'PUT', 'POST'], allowedHeaders: ['*'], maxAgeSeconds: 600 },
        ],
      },
      { name: OTHER_BUCKET },
    ],
    ...ossOptions,
  });
  const client = new StsClass(new $OpenApiUtil.Config({ ...caller, endpoint: sts.endpoint, protocol: 'https', ca: sts.ca }));
  return {
    sts,
    oss,
    sealKey,
    async token(policy = userPolicy('alice'), roleArn = WIDE_ROLE, durationSeconds = 3600) {
      const res = await client.assumeRole(
        new AssumeRoleRequest({ roleArn, roleSessionName: 'alice', durationSeconds, policy: JSON.stringify(policy) }),
      );
      const c = res.body?.credentials;
      if (!c?.accessKeyId || !c.accessKeySecret || !c.securityToken || !c.expiration) throw new Error('no credentials');
      return { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, securityToken: c.securityToken, expiration: c.expiration };
    },
    async close() {
      await oss.close();
      await sts.close();
    },
  };
}

/**
 * One emulator pair for the calling test file: started before its first test and closed after its last (this
 * registers the beforeAll and afterAll), with `creds` a token for alice (`env.token()`). Both objects are filled in
 * by the time any test or later hook runs.
 */
export function emulatorForFile(ossOptions: Partial<OssEmulatorOptions> = {}): { env: Env; creds: Creds } {
  const env = {} as Env;
  const creds = {} as Creds;
  beforeAll(async () => {
    Object.assign(env, await startEnv(ossOptions));
    Object.assign(creds, await env.token());
  });
  afterAll(async () => env.close?.());
  return { env, creds };
}

export interface ClientMode {
  name: string;
  style: 'path' | 'host';
  v4: boolean;
}

export const MODES: ClientMode[] = [
  { name: 'path-style V1', style: 'path', v4: false },
  { name: 'path-style V4', style: 'path', v4: true },
  { name: 'host-style V1', style: 'host', v4: false },
  { name: 'host-style V4', style: 'host', v4: true },
];

/** The real ali-oss client. `extra` reaches options @types/ali-oss does not declare (sldEnable, amendTimeSkewed). */
export function ossClient(
  oss: OssEmulator,
  creds: { accessKeyId: string; accessKeySecret: string; securityToken?: string },
  mode: Pick<ClientMode, 'style' | 'v4'> = { style: 'path', v4: false },
  extra: Record<string, unknown> = {},
): OSS {
  const options: Record<string, unknown> = {
    endpoint: mode.style === 'path' ? oss.endpointPathStyle : oss.url,
    sldEnable: mode.style === 'path',
    bucket: BUCKET,
    region: REGION,
    accessKeyId: creds.accessKeyId,
    accessKeySecret: creds.accessKeySecret,
    authorizationV4: mode.v4,
    ...extra,
  };
  if (creds.securityToken) {
    options.stsToken = creds.securityToken;
    // ali-oss warns when stsToken comes without refreshSTSToken (https://github.com/ali-sdk/ali-oss/blob/master/lib/common/client/initOptions.js).
    options.refreshSTSToken = async () => ({ ...creds, stsToken: creds.securityToken });
    options.refreshSTSTokenInterval = 3600_000;
  }
  return new OSS(options as unknown as OSS.Options);
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with exactly these headers (fetch would not let a test set Host). */
export function raw(
  oss: OssEmulator,
  req: { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const r = httpRequest(
      { host: oss.host, port: oss.port, method: req.method, path: req.path, headers: req.headers ?? {}, setHost: !req.headers?.host },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

/** `<Code>` of an XML error body. */
export function xmlCode(body: string): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
}

/** A V1 header signature computed here, independently of the emulator (https://www.alibabacloud.com/help/en/oss/developer-reference/include-signatures-in-the-authorization-header). */
export function signV1(secret: string, stringToSign: string): string {
  return createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');
}
