/**
 * Shared set-up for the STS emulator tests: keys generated at test time, an emulator on an ephemeral port, and the
 * official SDK client pointed at it (endpoint 'host:port', https://github.com/aliyun/darabonba-openapi), over HTTPS trusting the emulator's
 * one-run CA, as the broker reaches it.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import Sts, { AssumeRoleRequest } from '@alicloud/sts20150401';
import { $OpenApiUtil, OpenApiUtil } from '@alicloud/openapi-core';
import { startStsEmulator, type StsEmulator, type StsEmulatorOptions } from '../../../../dev/emulator/sts/index.js';

export { thrown } from '../../../../dev/testing/errors.js';

const ACCOUNT_ID = '1234567890123456';
export const ROLE_ARN = `acs:ram::${ACCOUNT_ID}:role/uploader`;
export const LONG_ROLE_ARN = `acs:ram::${ACCOUNT_ID}:role/long-sessions`;
export const UNTRUSTING_ROLE_ARN = `acs:ram::${ACCOUNT_ID}:role/trusts-nobody`;

export const ROLE_POLICY = {
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: ['oss:PutObject', 'oss:GetObject'], Resource: 'acs:oss:*:*:bucket/*' }],
};

export const SESSION_POLICY = {
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: 'oss:PutObject', Resource: 'acs:oss:*:*:bucket/uploads/alice/*' }],
};

export interface TestKeys {
  accessKeyId: string;
  accessKeySecret: string;
  sealKey: Buffer;
}

export function generateKeys(): TestKeys {
  return {
    accessKeyId: `LTAI${randomBytes(10).toString('hex')}`,
    accessKeySecret: randomBytes(20).toString('base64url'),
    sealKey: randomBytes(32),
  };
}

export async function startTestEmulator(keys: TestKeys, extra: Partial<StsEmulatorOptions> = {}): Promise<StsEmulator> {
  return startStsEmulator({
    accessKeys: [{ accessKeyId: keys.accessKeyId, accessKeySecret: keys.accessKeySecret }],
    roles: [
      { arn: ROLE_ARN, policy: ROLE_POLICY },
      { arn: LONG_ROLE_ARN, maxSessionDurationSeconds: 43200 },
      { arn: UNTRUSTING_ROLE_ARN, trustedAccessKeyIds: [] },
    ],
    sealKey: keys.sealKey,
    ...extra,
  });
}

/**
 * The client class. Under plain Node ESM the default import is the CommonJS `module.exports` and the class is its
 * `.default` (https://nodejs.org/api/esm.html#commonjs-namespaces); vitest's interop already unwraps it to the class. Accept both.
 */
const StsClass: typeof Sts.default = typeof (Sts as unknown) === 'function' ? (Sts as unknown as typeof Sts.default) : Sts.default;

export type StsClient = InstanceType<typeof Sts.default>;

export function sdkClient(
  emulator: StsEmulator,
  creds: { accessKeyId: string; accessKeySecret: string },
  extra: Record<string, unknown> = {},
): StsClient {
  const config = new $OpenApiUtil.Config({
    accessKeyId: creds.accessKeyId,
    accessKeySecret: creds.accessKeySecret,
    endpoint: emulator.endpoint,
    protocol: 'https',
    ca: emulator.ca,
    ...extra,
  });
  return new StsClass(config);
}

export function assumeRoleRequest(fields: Record<string, unknown>): AssumeRoleRequest {
  return new AssumeRoleRequest({ roleArn: ROLE_ARN, roleSessionName: 'alice', ...fields });
}

/** `yyyy-MM-ddTHH:mm:ssZ` for a given time (what the SDK sends). */
export function stsTimestamp(ms: number = Date.now()): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

export interface RawResponse {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

export interface RpcRequestOptions {
  method?: 'GET' | 'POST';
  /** Parameter names sent in the x-www-form-urlencoded body instead of the query (POST only). */
  bodyParams?: string[];
  /** Overrides of the common parameters (Timestamp, SignatureNonce, …); undefined removes one. */
  common?: Record<string, string | undefined>;
  /** Replace the computed signature. */
  signature?: string;
}

/** An RPC request as built by buildRpcRequest: sendRaw sends it (more than once, for replays). */
export interface RpcRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  /** The emulator's CA, trusted for this request only. */
  ca: string;
}

/**
 * Builds an RPC v1 request by hand, signed per https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism with the RFC 3986 encoder written here independently of the
 * emulator's code, and returns it unsent so a test can send it more than once (replay).
 */
export function buildRpcRequest(
  emulator: StsEmulator,
  params: Record<string, string>,
  creds: { accessKeyId: string; accessKeySecret: string },
  options: RpcRequestOptions = {},
): RpcRequest {
  const method = options.method ?? 'POST';
  const all: Record<string, string> = {
    Action: 'AssumeRole',
    Format: 'JSON',
    Version: '2015-04-01',
    AccessKeyId: creds.accessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomBytes(16).toString('hex'),
    Timestamp: stsTimestamp(),
    ...params,
  };
  for (const [k, v] of Object.entries(options.common ?? {})) {
    if (v === undefined) delete all[k];
    else all[k] = v;
  }
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const canonical = Object.keys(all)
    .sort()
    .map((k) => `${enc(k)}=${enc(all[k] as string)}`)
    .join('&');
  const stringToSign = `${method}&%2F&${enc(canonical)}`;
  all.Signature = options.signature ?? createHmac('sha1', `${creds.accessKeySecret}&`).update(stringToSign).digest('base64');

  const bodyNames = new Set(options.bodyParams ?? []);
  const query = new URLSearchParams();
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(all)) (bodyNames.has(k) ? body : query).append(k, v);
  const form = bodyNames.size > 0;
  return {
    url: `${emulator.url}/?${query.toString()}`,
    method,
    headers: form ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
    body: form ? body.toString() : '',
    ca: emulator.ca,
  };
}

/** Sends one request over HTTPS, trusting only the given CA, and reads the JSON answer. */
function exchange(url: string, options: { method: string; headers: Record<string, string>; ca: string; setHost?: boolean }, body: string) {
  return new Promise<RawResponse>((resolve, reject) => {
    const r = httpsRequest(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
        try {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers, json: text === '' ? {} : JSON.parse(text) });
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    r.on('error', reject);
    r.end(body);
  });
}

export function sendRaw(req: RpcRequest): Promise<RawResponse> {
  return exchange(req.url, { method: req.method, headers: req.headers, ca: req.ca }, req.body);
}

export interface Acs3RequestOptions {
  method?: string;
  query?: Record<string, string>;
  body?: string;
  contentType?: string;
  /** Header overrides applied AFTER signing (to test tampering); undefined removes one. */
  afterSign?: Record<string, string | undefined>;
  /** Header overrides applied BEFORE signing. */
  beforeSign?: Record<string, string>;
  /** Names to leave out of SignedHeaders (the Authorization is rebuilt by hand). */
  unsigned?: string[];
  date?: string;
  nonce?: string;
  action?: string;
}

/**
 * Builds an ACS3-HMAC-SHA256 request signed by the SDK's own `OpenApiUtil.getAuthorization` (openapi-core), so the
 * emulator is checked against the official signer rather than against itself.
 */
export function buildAcs3Request(
  emulator: StsEmulator,
  creds: { accessKeyId: string; accessKeySecret: string },
  options: Acs3RequestOptions = {},
): { method: string; path: string; headers: Record<string, string>; body: string } {
  const method = options.method ?? 'POST';
  const body = options.body ?? '';
  const query = options.query ?? { RoleArn: ROLE_ARN, RoleSessionName: 'alice' };
  const headers: Record<string, string> = {
    host: emulator.endpoint,
    'x-acs-version': '2015-04-01',
    'x-acs-action': options.action ?? 'AssumeRole',
    'x-acs-date': options.date ?? stsTimestamp(),
    'x-acs-signature-nonce': options.nonce ?? randomBytes(32).toString('hex'),
    'x-acs-content-sha256': createHash('sha256').update(body).digest('hex'),
    accept: 'application/json',
    ...(options.contentType ? { 'content-type': options.contentType } : {}),
    ...options.beforeSign,
  };
  const signable: Record<string, string> = { ...headers };
  for (const name of options.unsigned ?? []) delete signable[name];
  headers.authorization = OpenApiUtil.getAuthorization(
    { pathname: '/', method, query, headers: signable } as never,
    'ACS3-HMAC-SHA256',
    headers['x-acs-content-sha256'] as string,
    creds.accessKeyId,
    creds.accessKeySecret,
  );
  for (const [k, v] of Object.entries(options.afterSign ?? {})) {
    if (v === undefined) delete headers[k];
    else headers[k] = v;
  }
  const qs = Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  return { method, path: qs ? `/?${qs}` : '/', headers, body };
}

/** Sends a request with exactly these headers (fetch would not let us set Host). */
export function sendHttp(
  emulator: StsEmulator,
  req: { method: string; path: string; headers: Record<string, string>; body: string },
): Promise<RawResponse> {
  // An ACS3 request signs its Host header: send exactly that one, not Node's.
  const setHost = !('host' in req.headers);
  return exchange(`${emulator.url}${req.path}`, { method: req.method, headers: req.headers, ca: emulator.ca, setHost }, req.body);
}
