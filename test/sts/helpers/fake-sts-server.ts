/**
 * A tiny scripted HTTPS server on 127.0.0.1:0 (the broker speaks only HTTPS to STS; its certificate comes from the
 * STS emulator's one-run CA, trusted by the client through `ca`) that answers the STS SDK the way real STS (or whatever sits in front
 * of it) can: a valid AssumeRole JSON answer, an A3 JSON error `{RequestId, HostId, Code, Message}` with a 4xx/5xx
 * status, a proxy's HTML page, a hang, a connection reset. It records every request so tests can count attempts,
 * and checks the ACS3-HMAC-SHA256 signature (https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature) when given the expected AccessKey pair.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { generateLoopbackCertificate } from '../../../dev/emulator/sts/index.js';
import type { StsConfig } from '../../../src/sts/index.js';

export type FakeAnswer =
  | { kind: 'ok'; expiration?: string; credentials?: Record<string, unknown> }
  | { kind: 'error'; status: number; code: string; message?: string; headers?: Record<string, string> }
  | { kind: 'raw'; status: number; contentType: string; body: string }
  | { kind: 'hang' }
  | { kind: 'reset' };

interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** The AccessKey id named in the Authorization header, if any. */
  accessKeyId: string | undefined;
  /** Whether the ACS3 signature verified against `expectSecret` (undefined when no secret was given). */
  signatureValid: boolean | undefined;
}

export interface FakeSts {
  port: number;
  /** `127.0.0.1:<port>`, the form the SDK's `endpoint` takes (https://github.com/aliyun/darabonba-openapi). */
  endpoint: string;
  /** PEM of the CA that signed the server's certificate: the client's `trustedCa`. */
  ca: string;
  requests: RecordedRequest[];
  /** The secrets inside the `ok` answer, to assert they never leak. */
  secrets: { accessKeyId: string; accessKeySecret: string; securityToken: string };
  /** Answers in order; the last one repeats. */
  script(...answers: FakeAnswer[]): void;
  /** Verify ACS3 signatures with this secret from now on. */
  expectSecret(secret: string): void;
  close(): Promise<void>;
}

export function fakeValue(prefix: string): string {
  return `${prefix}${randomBytes(12).toString('hex')}`;
}

/** The signing encoder of https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature step 1. */
function pe(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Rebuilds the ACS3 canonical request (https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature) and checks the signature. */
function verifyAcs3(method: string, url: string, headers: http.IncomingHttpHeaders, secret: string): boolean {
  const auth = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]+)$/.exec(
    String(headers.authorization ?? ''),
  );
  if (auth === null) return false;
  const [, , signedHeaders = '', signature = ''] = auth;
  const parsed = new URL(url, 'http://x');
  const keys = [...new Set(parsed.searchParams.keys())].sort();
  const query = keys.map((k) => `${k}=${pe(parsed.searchParams.get(k) ?? '')}`).join('&');
  const names = signedHeaders.split(';');
  const canonicalHeaders = names.map((n) => `${n}:${String(headers[n] ?? '').trim()}\n`).join('');
  const payload = String(headers['x-acs-content-sha256'] ?? '');
  const canonical = `${method}\n${parsed.pathname}\n${query}\n${canonicalHeaders}\n${signedHeaders}\n${payload}`;
  const toSign = `ACS3-HMAC-SHA256\n${createHash('sha256').update(canonical).digest('hex')}`;
  return createHmac('sha256', secret).update(toSign).digest('hex') === signature;
}

function okBody(answer: Extract<FakeAnswer, { kind: 'ok' }>, secrets: FakeSts['secrets']): string {
  return JSON.stringify({
    RequestId: fakeValue('req-'),
    AssumedRoleUser: { AssumedRoleId: '3000:alice', Arn: 'acs:ram::1234567890123456:role/uploader/alice' },
    Credentials: answer.credentials ?? {
      AccessKeyId: secrets.accessKeyId,
      AccessKeySecret: secrets.accessKeySecret,
      SecurityToken: secrets.securityToken,
      Expiration: answer.expiration ?? new Date(Date.now() + 900_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    },
  });
}

export async function startFakeSts(): Promise<FakeSts> {
  const secrets = {
    accessKeyId: fakeValue('STS.'),
    accessKeySecret: fakeValue('secret-'),
    securityToken: fakeValue('token-'),
  };
  const requests: RecordedRequest[] = [];
  let answers: FakeAnswer[] = [{ kind: 'ok' }];
  let secret: string | undefined;
  const sockets = new Set<Duplex>();

  const tls = await generateLoopbackCertificate();
  const server = https.createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const id = /Credential=([^,]+)/.exec(String(req.headers.authorization ?? ''))?.[1];
    const signatureValid = secret === undefined ? undefined : verifyAcs3(method, url, req.headers, secret);
    requests.push({ method, url, headers: req.headers, accessKeyId: id, signatureValid });
    const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
    req.resume();
    switch (answer.kind) {
      case 'ok':
        res.writeHead(200, { 'content-type': 'application/json;charset=utf-8' }).end(okBody(answer, secrets));
        return;
      case 'error': {
        const body = { RequestId: fakeValue('req-'), HostId: 'sts.aliyuncs.com', Code: answer.code, Message: answer.message ?? 'refused' };
        res.writeHead(answer.status, { 'content-type': 'application/json;charset=utf-8', ...answer.headers });
        res.end(JSON.stringify(body));
        return;
      }
      case 'raw':
        res.writeHead(answer.status, { 'content-type': answer.contentType }).end(answer.body);
        return;
      case 'hang':
        return; // never answer; the client's read timeout fires
      case 'reset':
        req.socket.destroy();
        return;
    }
  });
  server.on('tlsClientError', (_err, s) => s.destroy());
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    endpoint: `127.0.0.1:${port}`,
    ca: tls.caPem,
    requests,
    secrets,
    script: (...next) => {
      answers = next.length > 0 ? next : [{ kind: 'ok' }];
    },
    expectSecret: (s) => {
      secret = s;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port that was bound and then released: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The STS settings these tests start from, for an STS at `endpoint`: 2 s timeouts, three attempts, rate limits
 * that never bind, a breaker that opens after five failures.
 */
export function testStsConfig(endpoint: string, overrides: Partial<StsConfig> = {}): StsConfig {
  return {
    endpoint,
    timeoutMs: 2000,
    maxAttempts: 3,
    policyMaxChars: 2048,
    maxCallsPerSecond: 100,
    accountCallsPerSecond: 100,
    breaker: { failureThreshold: 5, openSeconds: 10 },
    ...overrides,
  };
}
