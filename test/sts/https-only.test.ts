/**
 * The broker talks to STS over verified HTTPS only, and nothing turns that off: the configuration has no protocol
 * field, a plain-HTTP server never sees a signed request, and a certificate the client does not trust is refused.
 * Real sockets and the real SDK; the servers are the scripted fake STS (HTTPS) and a bare plain-HTTP one.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../src/config/index.js';
import { parseConfig } from '../../src/runtime/load-config.js';
import { refusal } from '../../dev/testing/errors.js';
import { accessKeyCredential, createStsClient, type StsCallOutcome, type StsConfig } from '../../src/sts/index.js';
import { fakeValue, startFakeSts, type FakeSts } from './helpers/fake-sts-server.js';

const input = {
  roleArn: 'acs:ram::1234567890123456:role/uploader',
  roleSessionName: 'acme.alice',
  policy: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: ['oss:PutObject'], Resource: ['acs:oss:*:*:b/u/*'] }] }),
  durationSeconds: 900,
};
const credential = accessKeyCredential(fakeValue('LTAI'), fakeValue('secret-'));

function stsConfig(endpoint: string): StsConfig {
  return {
    endpoint,
    timeoutMs: 2000,
    maxAttempts: 1,
    policyMaxChars: 2048,
    maxCallsPerSecond: 100,
    accountCallsPerSecond: 40,
    breaker: { failureThreshold: 5, openSeconds: 10 },
  };
}

let fake: FakeSts;
let plain: http.Server;
let plainRequests = 0;

beforeAll(async () => {
  fake = await startFakeSts();
  plain = http.createServer((_req, res) => {
    plainRequests++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await fake.close();
  plain.closeAllConnections();
  await new Promise<void>((resolve) => plain.close(() => resolve()));
});

describe('STS over HTTPS only', () => {
  it('the configuration has no switch for the protocol: `sts.protocol` is refused, whatever its value', () => {
    // The shipped example, which must always load, with only the `sts` section changed.
    const example = parseYaml(readFileSync(fileURLToPath(new URL('../../deploy/config.example.yaml', import.meta.url)), 'utf8'));
    const base = {
      ...example,
      redis: { url: 'redis://127.0.0.1:6379' },
      cache: { encryptionKey: Buffer.alloc(32, 1).toString('base64') },
      uploads: { ...example.uploads, grantKey: Buffer.alloc(32, 2).toString('base64') },
    };
    expect(() => parseConfig({ ...base, sts: { ...base.sts } })).not.toThrow();
    for (const protocol of ['http', 'https']) {
      let thrown: unknown;
      try {
        parseConfig({ ...base, sts: { ...base.sts, protocol } }, { memoryStore: true });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      expect((thrown as ConfigError).problems.join('\n')).toMatch(/^sts: .*protocol/m);
    }
  });

  it('a plain-HTTP endpoint never receives a request: the TLS handshake fails first', async () => {
    const port = (plain.address() as AddressInfo).port;
    const outcomes: StsCallOutcome[] = [];
    const client = createStsClient({ config: stsConfig(`127.0.0.1:${port}`), credential, onCall: (o) => outcomes.push(o) });
    const err = await refusal(client.assumeRole(input));
    expect(err.code).toBe('upstream_unavailable');
    expect(outcomes.map((o) => o.code)).toEqual(['tls']);
    expect(plainRequests).toBe(0);
  });

  it('a certificate the client does not trust is refused before anything is sent (verification is on)', async () => {
    fake.requests.length = 0;
    const outcomes: StsCallOutcome[] = [];
    const client = createStsClient({ config: stsConfig(fake.endpoint), credential, onCall: (o) => outcomes.push(o) });
    const err = await refusal(client.assumeRole(input));
    expect(err).toMatchObject({ code: 'upstream_unavailable', detail: 'STS could not be reached securely (TLS)' });
    expect(outcomes.map((o) => o.code)).toEqual(['tls']);
    expect(fake.requests).toHaveLength(0);
  });

  it('another run’s CA is not trusted either: only the CA given in code is', async () => {
    const other = await startFakeSts();
    try {
      fake.requests.length = 0;
      const wrongCa = createStsClient({ config: stsConfig(fake.endpoint), credential, trustedCa: other.ca });
      expect((await refusal(wrongCa.assumeRole(input))).code).toBe('upstream_unavailable');
      expect(fake.requests).toHaveLength(0);
      const rightCa = createStsClient({ config: stsConfig(fake.endpoint), credential, trustedCa: fake.ca });
      expect((await rightCa.assumeRole(input)).accessKeyId).toBe(fake.secrets.accessKeyId);
      expect(fake.requests).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});
