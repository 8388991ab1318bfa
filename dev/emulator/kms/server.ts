/**
 * The KMS emulator: an in-process HTTPS server speaking KMS's RPC wire protocol for GetSecretValue
 * (https://www.alibabacloud.com/help/en/kms/key-management-service/developer-reference/api-kms-2016-01-20-getsecretvalue),
 * as @alicloud/kms20160120 sends it: POST `/`, `Action`, `Version=2016-01-20`, `Format=json` and the parameters in
 * the query, signed with RPC HMAC-SHA1 (or ACS3-HMAC-SHA256). Request parsing, signature checks and nonces are the
 * STS emulator's (dev/emulator/sts), so both are checked the same way; the TLS certificate is made the same way,
 * under a CA name of its own (tls-certificate.ts). It logs nothing.
 *
 * Test hooks: `putSecretValue` adds a version (rotation: the new one is ACSCurrent, the old one ACSPrevious), and
 * `failNext` answers the next GetSecretValue calls with an error (refresh failures).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenHttps } from '../sts/https-listener.js';
import { randomBytes, randomUUID } from 'node:crypto';
import { authenticate, type AuthContext } from '../sts/authenticate.js';
import { NonceCache } from '../sts/nonce-cache.js';
import { header, parseRequest, type ParsedRequest } from '../sts/request-parser.js';
import { sendJson } from '../sts/respond.js';
import { StsError } from '../sts/sts-error.js';
import type { LoopbackCertificate } from '../sts/tls-certificate.js';
import { generateKmsCertificate } from './tls-certificate.js';
import { KmsError, kmsErrorBody, kmsErrors } from './kms-error.js';
import { SecretStore } from './secret-store.js';

const KMS_API_VERSION = '2016-01-20';
const STAGES = new Set(['ACSCurrent', 'ACSPrevious']);

export interface KmsEmulatorOptions {
  /** AccessKeys allowed to call (the broker's identity in tests and local mode). */
  accessKeys: Array<{ accessKeyId: string; accessKeySecret: string }>;
  /** Secrets to create, each with one version (v1, ACSCurrent). */
  secrets?: Record<string, string>;
  host?: string;
  /** 0 (default): any free port. */
  port?: number;
  /** Also write the one-run CA (PEM) here, for a process that trusts it through NODE_EXTRA_CA_CERTS. */
  caFile?: string;
  /** Serve this certificate instead of making one (a CA that a process was started trusting). */
  tls?: LoopbackCertificate;
  clock?: { now(): number };
  /** Accepted clock skew and nonce window; default 900 s, as STS. */
  maxSkewSeconds?: number;
}

export interface KmsEmulatorStats {
  getSecretValueCalls: number;
  /** Answers by code: `Success` or the error code. */
  byCode: Record<string, number>;
}

export interface KmsEmulator {
  url: string;
  /** host:port, for `kms.endpoint`. */
  endpoint: string;
  host: string;
  port: number;
  /** PEM of the CA that signed the server certificate. */
  ca: string;
  stats: KmsEmulatorStats;
  /** Adds a version to a secret (creating it if needed) and makes it ACSCurrent; returns the version id. */
  putSecretValue(name: string, value: string): string;
  /** Rotates to a fresh random 32-byte key (base64); returns the new value. */
  rotateKey(name: string): string;
  /** Answers the next `count` GetSecretValue calls with this error (default 503 ServiceUnavailable-like). */
  failNext(count: number, error?: { status: number; code: string; message?: string }): void;
  close(): Promise<void>;
}

export async function startKmsEmulator(options: KmsEmulatorOptions): Promise<KmsEmulator> {
  const clock = options.clock ?? { now: () => Date.now() };
  const maxSkewMs = (options.maxSkewSeconds ?? 900) * 1000;
  const keys = new Map<string, string>();
  for (const k of options.accessKeys) {
    if (!k.accessKeyId || !k.accessKeySecret) throw new Error('KMS emulator: empty access key id or secret');
    keys.set(k.accessKeyId, k.accessKeySecret);
  }
  const auth: AuthContext = { secrets: keys, clock, maxSkewMs, nonces: new NonceCache(clock, maxSkewMs) };
  const store = new SecretStore(() => clock.now());
  for (const [name, value] of Object.entries(options.secrets ?? {})) store.put(name, value);
  const stats: KmsEmulatorStats = { getSecretValueCalls: 0, byCode: {} };
  const faults: KmsError[] = [];
  let hostId = 'kms.emulator';

  const count = (code: string) => {
    stats.byCode[code] = (stats.byCode[code] ?? 0) + 1;
  };

  function answer(req: ParsedRequest): object {
    const action = header(req, 'x-acs-action') ?? req.params.Action;
    if (req.path !== '/' || (req.method !== 'POST' && req.method !== 'GET')) throw kmsErrors.apiNotFound(`${req.method} ${req.path}`);
    if (!action) throw kmsErrors.missing('Action');
    const version = header(req, 'x-acs-version') ?? req.params.Version;
    if (!version) throw kmsErrors.missing('Version');
    if (version !== KMS_API_VERSION) throw kmsErrors.invalidVersion(version);
    if (action !== 'GetSecretValue') throw kmsErrors.apiNotFound(action);
    stats.getSecretValueCalls++;
    authenticateKms(req);
    const fault = faults.shift();
    if (fault) throw fault;
    const name = req.params.SecretName;
    if (!name) throw kmsErrors.missing('SecretName');
    const stage = req.params.VersionStage || undefined;
    const versionId = req.params.VersionId || undefined;
    // Generic secrets may carry custom stages; the broker asks for these two, which are all this emulator keeps.
    if (stage !== undefined && !STAGES.has(stage)) throw kmsErrors.notFound();
    if (!store.has(name)) throw kmsErrors.notFound();
    const found = store.find(name, stage, versionId);
    if (found === undefined)
      throw versionId !== undefined && stage !== undefined ? kmsErrors.invalidParameter('VersionId') : kmsErrors.notFound();
    return {
      RequestId: randomUUID(),
      SecretName: name,
      SecretType: 'Generic',
      VersionId: found.versionId,
      CreateTime: found.createTime,
      SecretData: found.value,
      SecretDataType: 'text',
      VersionStages: { VersionStage: [...found.stages] },
    };
  }

  function authenticateKms(req: ParsedRequest): void {
    try {
      authenticate(req, auth);
    } catch (error) {
      if (error instanceof StsError) throw new KmsError(error.status, error.code, error.message);
      throw error;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let outcome: object | KmsError;
    try {
      outcome = answer(await parseRequest(req));
    } catch (error) {
      if (error instanceof StsError) {
        // The request parser's own refusals (an oversized body): the rest is unread, so the socket cannot be reused.
        res.setHeader('connection', 'close');
        outcome = new KmsError(error.status, error.code, error.message);
      } else {
        outcome = error instanceof KmsError ? error : kmsErrors.internal();
      }
    }
    if (outcome instanceof KmsError) {
      const requestId = randomUUID();
      sendJson(res, outcome.status, kmsErrorBody(outcome, hostId, requestId), { 'x-acs-request-id': requestId });
      count(outcome.code);
    } else {
      sendJson(res, 200, JSON.stringify(outcome));
      count('Success');
    }
  }

  const tls = options.tls ?? (await generateKmsCertificate());
  const host = options.host ?? '127.0.0.1';
  const { server, port, hostForUrl } = await listenHttps(handle, { tls, caFile: options.caFile, host, port: options.port });
  hostId = `${hostForUrl}:${port}`;

  return {
    url: `https://${hostForUrl}:${port}`,
    endpoint: `${hostForUrl}:${port}`,
    host,
    port,
    ca: tls.caPem,
    stats,
    putSecretValue: (name, value) => store.put(name, value),
    rotateKey(name) {
      const value = randomBytes(32).toString('base64');
      store.put(name, value);
      return value;
    },
    failNext(n, error = { status: 503, code: 'ServiceUnavailable' }) {
      for (let i = 0; i < n; i++) faults.push(new KmsError(error.status, error.code, error.message ?? 'The service is unavailable.'));
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
