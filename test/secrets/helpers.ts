/**
 * The KMS emulator and the official SDK (@alicloud/kms20160120) pointed at it, for tests in this process.
 *
 * The SDK has no option to trust one more CA (its RPC transport passes no `ca`), and Node reads NODE_EXTRA_CA_CERTS
 * only when a process starts, so inside a test process the SDK reaches the emulator with `ignoreSSL`, a per-call
 * option of the SDK that the broker never sets. The broker's own reader (src/secrets/kms-reader.ts), with the
 * certificate verified, is run in a process of its own: test/runtime/kms-entry.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { accessKeyCredential } from '../../src/sts/sdk-client.js';
import { startKmsEmulator, type KmsEmulator } from '../../dev/emulator/kms/index.js';
import {
  createKmsSdkClient,
  getSecretValueRequest,
  secretVersionOf,
  type KmsSdkClient,
  type SecretReader,
} from '../../src/secrets/index.js';

export interface TestAccessKey {
  accessKeyId: string;
  accessKeySecret: string;
}

export function testAccessKey(): TestAccessKey {
  return { accessKeyId: `LTAIkms${randomBytes(8).toString('hex')}`, accessKeySecret: randomBytes(20).toString('base64url') };
}

export async function startTestKms(key: TestAccessKey, secrets: Record<string, string> = {}): Promise<KmsEmulator> {
  return startKmsEmulator({ accessKeys: [key], secrets });
}

/** The official client, built the way the broker builds it (createKmsSdkClient), signing with `key`. */
export function sdkClient(kms: KmsEmulator, key: TestAccessKey): KmsSdkClient {
  return createKmsSdkClient(
    { endpoint: kms.endpoint, refreshSeconds: 300, timeoutMs: 5000 },
    accessKeyCredential(key.accessKeyId, key.accessKeySecret),
  );
}

/** The per-call runtime options for a test in this process (see above). */
export const TEST_RUNTIME = { autoretry: false, ignoreSSL: true } as Parameters<KmsSdkClient['getSecretValueEx']>[1];

/** A SecretReader over the official SDK and the emulator, as the broker's (same request, same answer handling). */
export function emulatorReader(kms: KmsEmulator, key: TestAccessKey): SecretReader {
  const client = sdkClient(kms, key);
  return {
    read: (name, stage) => secretVersionOf(stage, () => client.getSecretValueEx(getSecretValueRequest(name, stage), TEST_RUNTIME)),
  };
}
