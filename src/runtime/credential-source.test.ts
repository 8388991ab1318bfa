/**
 * The start-up line that names the broker's identity source, driven through the REAL @alicloud/credentials default
 * chain with fake values in the environment (and a loopback credentials URI server). The chain's ECS metadata and CLI
 * profile steps are switched off with the chain's own variables: the metadata service is 100.100.100.200, which a
 * test must never reach. Secrets are generated per run and must not appear in any log line.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import CredentialPackage from '@alicloud/credentials';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { capturedLogger } from '../../dev/testing/logger.js';
import {
  defaultChainCredential,
  describeCredentialSource,
  logCredentialSource,
  safeChainError,
  type ChainCredential,
} from './credential-source.js';

const fake = (prefix: string) => `${prefix}${randomBytes(12).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'osb-cred-source-'));

interface LogLine {
  level: number;
  event?: string;
  msg: string;
  [key: string]: unknown;
}

function capture() {
  const log = capturedLogger('debug');
  return { logger: log.logger, text: log.text, parsed: () => log.records<LogLine>() };
}

const WARN = 40;
const ERROR = 50;

/** Only the chain steps a test opts into can answer: no ECS metadata, no CLI or profile file from the home dir. */
function isolateChain(): void {
  for (const name of [
    'ALIBABA_CLOUD_ACCESS_KEY_ID',
    'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
    'ALIBABA_CLOUD_SECURITY_TOKEN',
    'ALIBABA_CLOUD_ROLE_ARN',
    'ALIBABA_CLOUD_OIDC_PROVIDER_ARN',
    'ALIBABA_CLOUD_OIDC_TOKEN_FILE',
    'ALIBABA_CLOUD_CREDENTIALS_URI',
    'ALIBABA_CLOUD_PROFILE',
    'KUBERNETES_SERVICE_HOST',
  ]) {
    vi.stubEnv(name, undefined);
  }
  vi.stubEnv('ALIBABA_CLOUD_ECS_METADATA_DISABLED', 'true');
  vi.stubEnv('ALIBABA_CLOUD_CLI_PROFILE_DISABLED', 'true');
  vi.stubEnv('ALIBABA_CLOUD_CREDENTIALS_FILE', join(dir, 'no-such-credentials-file'));
}

let servers: Server[] = [];

async function uriServer(answer: (res: import('node:http').ServerResponse) => void): Promise<string> {
  const server = createServer((_req, res) => answer(res));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/credentials`;
}

beforeEach(() => isolateChain());
afterEach(async () => {
  vi.unstubAllEnvs();
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  servers = [];
});

describe('describeCredentialSource: the chain provider names', () => {
  it.each([
    ['default/env', false, 'environment_access_key', true],
    ['default/env', true, 'environment_sts_token', false],
    ['default/oidc_role_arn', true, 'rrsa_oidc', false],
    ['default/ecs_ram_role', true, 'ecs_ram_role', false],
    ['default/credential_uri', true, 'credentials_uri', false],
    ['default/profile', false, 'profile_file', true],
    ['default/profile', true, 'profile_file', false],
    ['default/cli_profile', false, 'cli_profile', true],
    ['profile/ram_role_arn/static_ak', true, 'profile_file', false],
    ['static_ak', false, 'static_access_key', true],
    ['static_sts', true, 'static_sts_token', false],
    ['default/something_new', true, 'unknown', false],
  ] as const)('%s (token: %s) is %s, long-lived %s', (provider, token, kind, longLived) => {
    const source = describeCredentialSource(provider, token);
    expect(source).toMatchObject({ kind, longLived, provider });
    expect(source.description.length).toBeGreaterThan(0);
  });
});

describe('logCredentialSource through the real default chain', () => {
  it('environment AccessKey in production: names the source and warns loudly, without the key', async () => {
    const id = fake('LTAIfake');
    const secret = fake('fake-secret-');
    vi.stubEnv('ALIBABA_CLOUD_ACCESS_KEY_ID', id);
    vi.stubEnv('ALIBABA_CLOUD_ACCESS_KEY_SECRET', secret);
    const log = capture();
    const source = await logCredentialSource(defaultChainCredential(), log.logger, { production: true });
    expect(source).toMatchObject({ kind: 'environment_access_key', provider: 'default/env', longLived: true });
    const lines = log.parsed();
    expect(lines.find((l) => l.event === 'credentials.source')).toMatchObject({ source: 'environment_access_key', longLived: true });
    const warning = lines.find((l) => l.event === 'credentials.source.long_lived_access_key');
    expect(warning?.level).toBe(WARN);
    expect(warning?.msg).toContain('LONG-LIVED ACCESSKEY');
    expect(log.text()).not.toContain(secret);
    expect(log.text()).not.toContain(id);
  });

  it('environment AccessKey outside production: noted, not warned', async () => {
    vi.stubEnv('ALIBABA_CLOUD_ACCESS_KEY_ID', fake('LTAIfake'));
    vi.stubEnv('ALIBABA_CLOUD_ACCESS_KEY_SECRET', fake('fake-secret-'));
    const log = capture();
    await logCredentialSource(defaultChainCredential(), log.logger, { production: false });
    expect(log.parsed().filter((l) => l.level >= WARN)).toEqual([]);
    expect(log.parsed().map((l) => l.event)).toContain('credentials.source.long_lived_access_key');
  });

  it('an STS token in the environment is short-lived: no warning in production', async () => {
    const token = fake('fake-token-');
    vi.stubEnv('ALIBABA_CLOUD_ACCESS_KEY_ID', fake('STS.fake'));
    vi.stubEnv('ALIBABA_CLOUD_ACCESS_KEY_SECRET', fake('fake-secret-'));
    vi.stubEnv('ALIBABA_CLOUD_SECURITY_TOKEN', token);
    const log = capture();
    const source = await logCredentialSource(defaultChainCredential(), log.logger, { production: true });
    expect(source).toMatchObject({ kind: 'environment_sts_token', longLived: false });
    expect(log.parsed().filter((l) => l.level >= WARN)).toEqual([]);
    expect(log.text()).not.toContain(token);
  });

  it('a credentials URI on loopback', async () => {
    const secret = fake('uri-secret-');
    const token = fake('uri-token-');
    vi.stubEnv(
      'ALIBABA_CLOUD_CREDENTIALS_URI',
      await uriServer((res) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            Code: 'Success',
            AccessKeyId: fake('STS.uri'),
            AccessKeySecret: secret,
            SecurityToken: token,
            Expiration: new Date(Date.now() + 3_600_000).toISOString(),
          }),
        ),
      ),
    );
    const log = capture();
    const source = await logCredentialSource(defaultChainCredential(), log.logger, { production: true });
    expect(source).toMatchObject({ kind: 'credentials_uri', provider: 'default/credential_uri', longLived: false });
    expect(log.text()).not.toContain(secret);
    expect(log.text()).not.toContain(token);
  });

  it('a profile file with an AccessKey is long-lived', async () => {
    const secret = fake('profile-secret-');
    const file = join(dir, `credentials-${randomBytes(4).toString('hex')}`);
    writeFileSync(file, `[default]\ntype = access_key\naccess_key_id = ${fake('LTAIfake')}\naccess_key_secret = ${secret}\n`);
    vi.stubEnv('ALIBABA_CLOUD_CREDENTIALS_FILE', file);
    const log = capture();
    const source = await logCredentialSource(defaultChainCredential(), log.logger, { production: true });
    expect(source).toMatchObject({ kind: 'profile_file', provider: 'default/profile', longLived: true });
    expect(log.parsed().some((l) => l.event === 'credentials.source.long_lived_access_key' && l.level === WARN)).toBe(true);
    expect(log.text()).not.toContain(secret);
  });

  it('RRSA injected but an environment AccessKey comes first in the chain: warns that RRSA is shadowed', async () => {
    const tokenFile = join(dir, 'oidc-token');
    writeFileSync(tokenFile, fake('not-a-real-oidc-token-'));
    vi.stubEnv('ALIBABA_CLOUD_ROLE_ARN', 'acs:ram::1234567890123456:role/oss-sts-broker');
    vi.stubEnv('ALIBABA_CLOUD_OIDC_PROVIDER_ARN', 'acs:ram::1234567890123456:oidc-provider/ack-rrsa-c0ffee');
    vi.stubEnv('ALIBABA_CLOUD_OIDC_TOKEN_FILE', tokenFile);
    vi.stubEnv('ALIBABA_CLOUD_ACCESS_KEY_ID', fake('LTAIfake'));
    vi.stubEnv('ALIBABA_CLOUD_ACCESS_KEY_SECRET', fake('fake-secret-'));
    const log = capture();
    const source = await logCredentialSource(defaultChainCredential(), log.logger, { production: true });
    expect(source?.kind).toBe('environment_access_key');
    expect(log.parsed().find((l) => l.event === 'credentials.source.rrsa_shadowed')?.level).toBe(WARN);
  });

  it('nothing in the chain answers: one error line, start-up goes on', async () => {
    const log = capture();
    const source = await logCredentialSource(defaultChainCredential(), log.logger, { production: true });
    expect(source).toBeUndefined();
    const line = log.parsed().find((l) => l.event === 'credentials.source.unavailable');
    expect(line?.level).toBe(ERROR);
    expect(String(line?.reason)).toContain('unable to get credentials');
  });

  it('a provider error that quotes a secret from the answer is cut before the quote', async () => {
    const secret = fake('leaky-secret-');
    // No SecurityToken: the URI provider refuses it and quotes the whole answer in its error message.
    vi.stubEnv(
      'ALIBABA_CLOUD_CREDENTIALS_URI',
      await uriServer((res) => res.writeHead(200).end(JSON.stringify({ AccessKeyId: fake('LTAIfake'), AccessKeySecret: secret }))),
    );
    const log = capture();
    expect(await logCredentialSource(defaultChainCredential(), log.logger, { production: true })).toBeUndefined();
    expect(log.text()).toContain('credentials.source.unavailable');
    expect(log.text()).not.toContain(secret);
  });

  it('a chain that never answers is bounded by the deadline', async () => {
    vi.stubEnv('ALIBABA_CLOUD_CREDENTIALS_URI', await uriServer(() => undefined));
    const log = capture();
    expect(await logCredentialSource(defaultChainCredential(), log.logger, { production: true, deadlineMs: 100 })).toBeUndefined();
    expect(String(log.parsed().find((l) => l.event === 'credentials.source.unavailable')?.reason)).toContain('within 100 ms');
  });
});

/**
 * The RRSA and ECS-role steps fetch from STS and the metadata service, which tests cannot reach. These two cases hand
 * the library's own Credential a provider object that reports what those steps report (`default/oidc_role_arn`,
 * `default/ecs_ram_role`); everything after that is the code under test.
 */
describe('sources that need the cloud, reported through the library Credential', () => {
  const Credential =
    (CredentialPackage as unknown as { default?: new (c: null, p: object) => ChainCredential }).default ??
    (CredentialPackage as unknown as new (
      c: null,
      p: object,
    ) => ChainCredential);

  function reporting(providerName: string): ChainCredential {
    return new Credential(null, {
      getProviderName: () => providerName.split('/').at(-1),
      getCredentials: async () => ({
        accessKeyId: fake('STS.'),
        accessKeySecret: fake('s-'),
        securityToken: fake('t-'),
        providerName,
      }),
    });
  }

  it('RRSA: logged with the role ARN, no warning', async () => {
    vi.stubEnv('ALIBABA_CLOUD_ROLE_ARN', 'acs:ram::1234567890123456:role/oss-sts-broker');
    vi.stubEnv('KUBERNETES_SERVICE_HOST', '10.0.0.1');
    const log = capture();
    const source = await logCredentialSource(reporting('default/oidc_role_arn'), log.logger, { production: true });
    expect(source?.kind).toBe('rrsa_oidc');
    expect(log.parsed().find((l) => l.event === 'credentials.source')).toMatchObject({
      source: 'rrsa_oidc',
      roleArn: 'acs:ram::1234567890123456:role/oss-sts-broker',
    });
    expect(log.parsed().filter((l) => l.level >= WARN)).toEqual([]);
  });

  it("the node's ECS role inside Kubernetes: warns that RRSA is not in effect", async () => {
    vi.stubEnv('KUBERNETES_SERVICE_HOST', '10.0.0.1');
    const log = capture();
    await logCredentialSource(reporting('default/ecs_ram_role'), log.logger, { production: true });
    const warning = log.parsed().find((l) => l.event === 'credentials.source.node_role');
    expect(warning?.level).toBe(WARN);
    expect(warning?.msg).toContain('pod-identity.alibabacloud.com/injection');
  });

  it('the ECS role outside Kubernetes is the recommended set-up on a VM: no warning', async () => {
    const log = capture();
    await logCredentialSource(reporting('default/ecs_ram_role'), log.logger, { production: true });
    expect(log.parsed().filter((l) => l.level >= WARN)).toEqual([]);
  });
});

describe('safeChainError', () => {
  it.each([
    ['get sts token failed, httpStatus: 500, message = {"AccessKeySecret":"x"}.', 'get sts token failed, httpStatus: 500,'],
    ['get sts token failed with OIDC: <body>', 'get sts token failed with'],
    ["parse aliyun cli config from '/root/.aliyun/config.json' failed: secret", "parse aliyun cli config from '/root/.aliyun/config.json'"],
    ['IMDS credentials is disabled', 'IMDS credentials is disabled'],
    ['get sts token failed with OIDC, unmarshal fail: {"Credentials"', 'get sts token failed with OIDC, unmarshal'],
    ['get sts token failed, json parse failed: Unexpected token \'x\', "xAccessKey" is not valid JSON', 'get sts token failed, json parse'],
    [
      'unable to get credentials from any of the providers in the chain: no profile, getaddrinfo ENOTFOUND undefinedGET https://undefined/ failed.',
      'unable to get credentials from any of the providers in the chain: no profile, ALIBABA_CLOUD_CREDENTIALS_URI is not set',
    ],
  ])('%s', (message, expected) => {
    expect(safeChainError(new Error(message))).toBe(expected);
  });
});
