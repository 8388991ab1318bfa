/**
 * LOCAL_KMS=1: local mode reads its cache key and grant key from the KMS emulator, through the broker's own KMS
 * reader (the official SDK, HTTPS with the certificate verified, the default credentials chain), the way production
 * reads BROKER_CACHE_KEY_KMS_SECRET and BROKER_GRANT_KEY_KMS_SECRET.
 *
 * The SDK has no option to trust one more CA, and Node reads NODE_EXTRA_CA_CERTS only when a process starts. So
 * `npm start` with LOCAL_KMS=1 makes the emulator's certificate first, then runs itself again in a child process
 * that trusts its CA (relaunchTrustingKmsCa); the child starts the emulator with that certificate.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../src/config/index.js';
import { defaultChainCredential } from '../../src/runtime/credential-source.js';
import { createKmsReader, createKmsSdkClient, createKmsSecrets, SECRET_CHECKS, type KmsSecrets } from '../../src/secrets/index.js';
import { generateKmsCertificate, startKmsEmulator, type KmsEmulator } from '../emulator/kms/index.js';

export const LOCAL_CACHE_KEY_SECRET = 'oss-sts-broker/local/cache-key';
export const LOCAL_GRANT_KEY_SECRET = 'oss-sts-broker/local/grant-key';
const TLS_DIR = 'LOCAL_KMS_TLS_DIR';

export const localKmsWanted = (env: NodeJS.ProcessEnv): boolean => env.LOCAL_KMS === '1';

/**
 * In the parent: makes the certificate, runs this same command again trusting its CA, and resolves with the
 * child's exit code. Resolves undefined when this process already is that child (or KMS is not wanted).
 */
export async function relaunchTrustingKmsCa(env: NodeJS.ProcessEnv = process.env): Promise<number | undefined> {
  if (!localKmsWanted(env) || (env[TLS_DIR] ?? '') !== '') return undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'osb-local-kms-'));
  const tls = await generateKmsCertificate();
  const caFile = path.join(dir, 'ca.pem');
  const extra = (env.NODE_EXTRA_CA_CERTS ?? '') === '' ? '' : `${readFileSync(env.NODE_EXTRA_CA_CERTS!, 'utf8').trim()}\n`;
  writeFileSync(caFile, `${extra}${tls.caPem.trim()}\n`);
  writeFileSync(path.join(dir, 'cert.pem'), tls.certPem);
  writeFileSync(path.join(dir, 'key.pem'), tls.keyPem, { mode: 0o600 });
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    env: { ...env, NODE_EXTRA_CA_CERTS: caFile, [TLS_DIR]: dir },
    stdio: 'inherit',
  });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, forward(signal));
  const code = await new Promise<number>((resolve) => child.once('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
  rmSync(dir, { recursive: true, force: true });
  return code;
}

export interface LocalKms {
  emulator: KmsEmulator;
  secrets: KmsSecrets;
}

/**
 * In the child: starts the emulator on `port` with the parent's certificate, seeds a fresh cache key and grant key,
 * and reads both back through the broker's reader. `accessKey` is the one the default chain finds in the environment.
 */
export async function startLocalKms(
  env: NodeJS.ProcessEnv,
  port: number,
  accessKey: { accessKeyId: string; accessKeySecret: string },
): Promise<LocalKms> {
  const dir = env[TLS_DIR];
  if (dir === undefined || dir === '') throw new ConfigError(['LOCAL_KMS: start local mode with `npm start` (it trusts the KMS emulator)']);
  const tls = {
    caPem: '',
    certPem: readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
    keyPem: readFileSync(path.join(dir, 'key.pem'), 'utf8'),
  };
  const emulator = await startKmsEmulator({ host: '127.0.0.1', port, accessKeys: [accessKey], tls });
  try {
    emulator.rotateKey(LOCAL_CACHE_KEY_SECRET);
    emulator.rotateKey(LOCAL_GRANT_KEY_SECRET);
    const secrets = createKmsSecrets({
      reader: createKmsReader(
        createKmsSdkClient({ endpoint: emulator.endpoint, refreshSeconds: 60, timeoutMs: 5000 }, defaultChainCredential()),
      ),
      secrets: new Map([
        ['BROKER_CACHE_KEY', LOCAL_CACHE_KEY_SECRET],
        ['BROKER_GRANT_KEY', LOCAL_GRANT_KEY_SECRET],
      ]),
      checks: SECRET_CHECKS,
      refreshMs: 60_000,
    });
    await secrets.load();
    return { emulator, secrets };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}
