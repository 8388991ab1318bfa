/** Successful AssumeRole through the official SDK (both signature schemes) and hand-built RPC requests. */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openToken, type StsEmulator } from '../../../../dev/emulator/sts/index.js';
import {
  ROLE_ARN,
  ROLE_POLICY,
  SESSION_POLICY,
  assumeRoleRequest,
  buildRpcRequest,
  generateKeys,
  sdkClient,
  sendRaw,
  startTestEmulator,
  type TestKeys,
} from './helpers.js';

const EXPIRATION = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe('AssumeRole success', () => {
  let keys: TestKeys;
  let emulator: StsEmulator;

  beforeAll(async () => {
    keys = generateKeys();
    emulator = await startTestEmulator(keys);
  });
  afterAll(() => emulator.close());

  it('exposes where it listens', () => {
    expect(emulator.host).toBe('127.0.0.1');
    expect(emulator.port).toBeGreaterThan(0);
    expect(emulator.endpoint).toBe(`127.0.0.1:${emulator.port}`);
    expect(emulator.url).toBe(`https://127.0.0.1:${emulator.port}`);
  });

  it('serves HTTPS only, with a certificate for the loopback names signed by a CA made for this run', async () => {
    const ca = new X509Certificate(emulator.ca);
    expect(ca.ca).toBe(true);
    const served = await new Promise<X509Certificate>((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: emulator.port, ca: emulator.ca }, () => {
        const cert = socket.getPeerX509Certificate();
        socket.destroy();
        if (cert) resolve(cert);
        else reject(new Error('no peer certificate'));
      });
      socket.on('error', reject);
    });
    expect(served.checkIssued(ca) && served.verify(ca.publicKey)).toBe(true);
    expect(served.ca).toBe(false);
    expect(served.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(served.checkHost('localhost')).toBe('localhost');
    // A plain-HTTP request gets no STS answer: the port speaks TLS only.
    const plain = await fetch(`http://127.0.0.1:${emulator.port}/?Action=AssumeRole`).then(
      (res) => res.status,
      (err: unknown) => err,
    );
    expect(plain).toBeInstanceOf(Error);
    // Another run's CA does not vouch for this certificate.
    const other = await startTestEmulator(generateKeys());
    try {
      expect(served.verify(new X509Certificate(other.ca).publicKey)).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('writes its CA to `caFile` for NODE_EXTRA_CA_CERTS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'osb-sts-ca-'));
    const caFile = join(dir, 'ca.pem');
    const withFile = await startTestEmulator(generateKeys(), { caFile });
    try {
      expect(readFileSync(caFile, 'utf8')).toBe(withFile.ca);
    } finally {
      await withFile.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['ACS3-HMAC-SHA256 (SDK 1.2.0 default)', {}],
    ["RPC HMAC-SHA1 (signatureAlgorithm 'v2')", { signatureAlgorithm: 'v2' }],
  ])('issues credentials via %s', async (_name, extra) => {
    const before = Date.now();
    const client = sdkClient(emulator, keys, extra);
    const response = await client.assumeRole(
      assumeRoleRequest({ durationSeconds: 1800, policy: JSON.stringify(SESSION_POLICY), roleSessionName: 'alice@acme' }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toBe('application/json;charset=utf-8');
    const body = response.body!;
    expect(body.requestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(body.assumedRoleUser?.arn).toBe(`${ROLE_ARN}/alice@acme`);
    expect(body.assumedRoleUser?.assumedRoleId).toMatch(/^\d{19}:alice@acme$/);
    const creds = body.credentials!;
    expect(creds.accessKeyId).toMatch(/^STS\.[A-Za-z0-9]{25}$/);
    expect(creds.accessKeySecret).toMatch(/^[A-Za-z0-9]{44}$/);
    expect(creds.expiration).toMatch(EXPIRATION);
    expect(creds.expiration).toHaveLength(20);
    const expiresMs = Date.parse(creds.expiration!);
    expect(expiresMs).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 1800_000 - 1000);
    expect(expiresMs).toBeLessThanOrEqual(Date.now() + 1800_000);

    const sealed = openToken(creds.securityToken!, keys.sealKey);
    expect(sealed).not.toBeNull();
    expect(sealed).toMatchObject({
      v: 1,
      accessKeyId: creds.accessKeyId,
      accessKeySecret: creds.accessKeySecret,
      roleArn: ROLE_ARN,
      roleSessionName: 'alice@acme',
      sessionPolicy: SESSION_POLICY,
      rolePolicy: ROLE_POLICY,
      expiresAt: expiresMs,
    });
    expect(sealed!.issuedAt).toBeGreaterThanOrEqual(before);
  });

  it('defaults DurationSeconds to 3600 and leaves sessionPolicy null without a Policy', async () => {
    const response = await sdkClient(emulator, keys).assumeRole(assumeRoleRequest({}));
    const sealed = openToken(response.body!.credentials!.securityToken!, keys.sealKey)!;
    expect(sealed.sessionPolicy).toBeNull();
    expect(sealed.expiresAt - sealed.issuedAt).toBeGreaterThan(3599_000);
    expect(sealed.expiresAt - sealed.issuedAt).toBeLessThanOrEqual(3600_000);
  });

  it('allows up to the role MaxSessionDuration', async () => {
    const response = await sdkClient(emulator, keys).assumeRole(
      assumeRoleRequest({ roleArn: 'acs:ram::1234567890123456:role/long-sessions', durationSeconds: 43200 }),
    );
    const sealed = openToken(response.body!.credentials!.securityToken!, keys.sealKey)!;
    expect(sealed.rolePolicy).toBeNull();
    expect(sealed.expiresAt - sealed.issuedAt).toBeGreaterThan(43199_000);
  });

  it('matches the role name case-insensitively', async () => {
    const response = await sdkClient(emulator, keys).assumeRole(assumeRoleRequest({ roleArn: 'acs:ram::1234567890123456:role/Uploader' }));
    expect(response.body!.assumedRoleUser!.arn).toBe(`${ROLE_ARN}/alice`);
  });

  it('issues distinct credentials on every call', async () => {
    const client = sdkClient(emulator, keys);
    const [a, b] = await Promise.all([client.assumeRole(assumeRoleRequest({})), client.assumeRole(assumeRoleRequest({}))]);
    expect(a.body!.credentials!.accessKeyId).not.toBe(b.body!.credentials!.accessKeyId);
    expect(a.body!.credentials!.accessKeySecret).not.toBe(b.body!.credentials!.accessKeySecret);
  });

  it('echoes SourceIdentity when set, and seals it into the token for the OSS emulator', async () => {
    const response = await sdkClient(emulator, keys).assumeRole(assumeRoleRequest({ sourceIdentity: 'alice@acme@web' }));
    expect(response.body!.sourceIdentity).toBe('alice@acme@web');
    expect(openToken(response.body!.credentials!.securityToken!, keys.sealKey)!.sourceIdentity).toBe('alice@acme@web');
  });

  it('accepts a SourceIdentity of exactly 64 characters; without one, answers and seals none', async () => {
    const longest = `${'x'.repeat(60)}@a@b`;
    const response = await sdkClient(emulator, keys).assumeRole(assumeRoleRequest({ sourceIdentity: longest }));
    expect(response.body!.sourceIdentity).toBe(longest);
    const plain = await sdkClient(emulator, keys).assumeRole(assumeRoleRequest({}));
    expect(plain.body!.sourceIdentity).toBeUndefined();
    expect(openToken(plain.body!.credentials!.securityToken!, keys.sealKey)!).not.toHaveProperty('sourceIdentity');
  });

  it('accepts RPC v1 parameters in an x-www-form-urlencoded body (credentials / ali-oss style)', async () => {
    const policy = JSON.stringify(SESSION_POLICY);
    const req = buildRpcRequest(emulator, { RoleArn: ROLE_ARN, RoleSessionName: 'bob', Policy: policy, DurationSeconds: '900' }, keys, {
      bodyParams: ['RoleArn', 'RoleSessionName', 'Policy', 'DurationSeconds'],
    });
    expect(req.url).not.toContain('RoleArn');
    const res = await sendRaw(req);
    expect(res.status).toBe(200);
    const creds = res.json.Credentials as Record<string, string>;
    const sealed = openToken(creds.SecurityToken!, keys.sealKey)!;
    expect(sealed.roleSessionName).toBe('bob');
    expect(sealed.sessionPolicy).toEqual(SESSION_POLICY);
    expect(sealed.expiresAt - sealed.issuedAt).toBeLessThanOrEqual(900_000);
  });

  it('accepts everything, Signature included, in the body, with a millisecond Timestamp (ali-oss OSS.STS)', async () => {
    const req = buildRpcRequest(emulator, { RoleArn: ROLE_ARN, RoleSessionName: 'carol' }, keys, {
      common: { Timestamp: new Date().toISOString() },
      bodyParams: [
        'Action',
        'Format',
        'Version',
        'AccessKeyId',
        'SignatureMethod',
        'SignatureVersion',
        'SignatureNonce',
        'Timestamp',
        'RoleArn',
        'RoleSessionName',
        'Signature',
      ],
    });
    expect(req.url.endsWith('/?')).toBe(true);
    const res = await sendRaw(req);
    expect(res.status).toBe(200);
  });

  it('accepts a signed GET', async () => {
    const res = await sendRaw(buildRpcRequest(emulator, { RoleArn: ROLE_ARN, RoleSessionName: 'dave' }, keys, { method: 'GET' }));
    expect(res.status).toBe(200);
    expect((res.json.AssumedRoleUser as Record<string, string>).Arn).toBe(`${ROLE_ARN}/dave`);
  });

  it('counts calls and outcomes', async () => {
    const before = emulator.stats.assumeRoleCalls;
    const successBefore = emulator.stats.byCode.Success ?? 0;
    await sdkClient(emulator, keys).assumeRole(assumeRoleRequest({}));
    expect(emulator.stats.assumeRoleCalls).toBe(before + 1);
    expect(emulator.stats.byCode.Success).toBe(successBefore + 1);
  });
});

describe('latency option', () => {
  it('delays every response by latencyMs', async () => {
    const keys = generateKeys();
    const emulator = await startTestEmulator(keys, { latencyMs: 150 });
    try {
      const started = performance.now();
      await sdkClient(emulator, keys).assumeRole(assumeRoleRequest({}));
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    } finally {
      await emulator.close();
    }
  });
});
