/**
 * GetSecretValue through the official SDK, @alicloud/kms20160120
 * (https://www.alibabacloud.com/help/en/kms/key-management-service/developer-reference/api-kms-2016-01-20-getsecretvalue),
 * signed with the broker's own identity: the same @alicloud/credentials default chain object the STS client uses
 * (RRSA on ACK), so KMS needs no credential of its own.
 *
 * What the SDK (1.2.0, the current release, built on @alicloud/rpc-client) does and what that means here:
 * - RPC style, HMAC-SHA1 signature, parameters in the query of a POST, JSON answer; always HTTPS (`protocol` is set
 *   and never configurable), certificates verified: the SDK has no CA option and `ignoreSSL` is never set, so an
 *   extra CA (the KMS emulator's) can only come from NODE_EXTRA_CA_CERTS.
 * - Its regional endpoint rule has no product id and resolves `undefined.<region>.aliyuncs.com`, so the endpoint is
 *   always given: `kms.endpoint`, or `kms.<region>.aliyuncs.com` from `kms.region`. The VPC endpoint is
 *   `kms-vpc.<region>.aliyuncs.com` (set it as `kms.endpoint`).
 * - Without `runtime.autoretry` it makes one attempt per call; the refresh interval is the retry.
 * - A secret with no version in the asked stage (no ACSPrevious before the first rotation) is answered 404
 *   `Forbidden.ResourceNotFound`, surfaced by the SDK as code `Forbidden.ResourceNotFoundError`.
 */
import KmsPackage, { GetSecretValueRequest } from '@alicloud/kms20160120';
import type CredentialPackage from '@alicloud/credentials';
import type { BrokerConfig } from '../config/schema.js';
import type { SecretReader, SecretVersion, VersionStage } from './kms-secrets.js';

export type { KmsSdkClient };

/** CommonJS with the class under `.default` from Node's ESM loader; vitest unwraps it already. */
function cjsDefault<T>(pkg: { default: T }): T {
  return (pkg as { default?: T }).default ?? (pkg as unknown as T);
}

const KmsClient = cjsDefault(KmsPackage);
type KmsSdkClient = InstanceType<typeof KmsClient>;

export const NOT_FOUND_CODE = 'Forbidden.ResourceNotFound';

export type KmsConfig = BrokerConfig['kms'];
/** A @alicloud/credentials client: the default chain in production (runtime/credential-source.ts), a fixed key in tests. */
export type KmsCredential = InstanceType<typeof CredentialPackage.default>;

/** `kms.endpoint`, else the regional public endpoint; undefined when neither is set. */
export function kmsEndpoint(config: Pick<KmsConfig, 'endpoint' | 'region'>): string | undefined {
  if (config.endpoint !== undefined) return config.endpoint;
  return config.region === undefined ? undefined : `kms.${config.region}.aliyuncs.com`;
}

export function createKmsSdkClient(config: KmsConfig, credential: KmsCredential): KmsSdkClient {
  const endpoint = kmsEndpoint(config);
  if (endpoint === undefined) throw new Error('kms.endpoint or kms.region is required');
  // The SDK's Config model is @alicloud/rpc-client's; a plain object with its fields is what it reads.
  const sdkConfig = {
    credential,
    endpoint,
    protocol: 'https',
    ...(config.region === undefined ? {} : { regionId: config.region }),
    readTimeout: config.timeoutMs,
    connectTimeout: config.timeoutMs,
  };
  return new KmsClient(sdkConfig as ConstructorParameters<typeof KmsClient>[0]);
}

interface SdkError {
  code?: unknown;
  data?: { Code?: unknown };
}

/** What GetSecretValue answered, as the SDK hands it back (fields of GetSecretValueResponse). */
export interface GetSecretValueAnswer {
  secretData?: string;
  versionId?: string;
}

export function getSecretValueRequest(secretName: string, stage: VersionStage): GetSecretValueRequest {
  return new GetSecretValueRequest({ secretName, versionStage: stage });
}

/**
 * One GetSecretValue call's outcome as a version: undefined when the secret has no version in a stage other than
 * ACSCurrent (no ACSPrevious before the first rotation); every other failure rejects.
 */
export async function secretVersionOf(stage: VersionStage, call: () => Promise<GetSecretValueAnswer>): Promise<SecretVersion | undefined> {
  let answer: GetSecretValueAnswer;
  try {
    answer = await call();
  } catch (error) {
    if ((error as SdkError)?.data?.Code === NOT_FOUND_CODE && stage !== 'ACSCurrent') return undefined;
    throw error;
  }
  const { secretData: value, versionId } = answer;
  if (typeof value !== 'string' || value === '' || typeof versionId !== 'string') {
    throw Object.assign(new Error('GetSecretValue answered without SecretData or VersionId'), { code: 'InvalidResponse' });
  }
  return { value, versionId };
}

export function createKmsReader(client: KmsSdkClient): SecretReader {
  // No SDK retries (autoretry off): the next refresh is the retry, and start-up must fail fast, not loop.
  const runtime = { autoretry: false } as Parameters<KmsSdkClient['getSecretValueEx']>[1];
  return {
    read: (secretName, stage) => secretVersionOf(stage, () => client.getSecretValueEx(getSecretValueRequest(secretName, stage), runtime)),
  };
}
