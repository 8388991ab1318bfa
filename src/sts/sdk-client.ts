/**
 * Builds the one @alicloud/sts20150401 client the broker uses, and the per-call runtime options.
 *
 * Why it looks like this (https://nodejs.org/api/esm.html#commonjs-namespaces; https://github.com/aliyun/darabonba-openapi; https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-endpoint;
 * https://github.com/aliyun/credentials-nodejs for the default chain):
 * - The SDK and @alicloud/credentials are CommonJS with a `default` export inside, so from ESM the class is `.default`.
 * - Credentials come from `new Credential()`, the default chain (env AccessKey, RRSA/OIDC, profile files, ECS RAM
 *   role), never from the config file. Tests may inject an explicit credential object instead.
 * - `endpoint` is host[:port] with no scheme. Without it the SDK resolves `sts.<regionId>.aliyuncs.com`; for the VPC
 *   endpoint the operator sets `endpoint: sts-vpc.<region>.aliyuncs.com`.
 * - Always HTTPS, with the certificate verified: the request carries the broker's signed AssumeRole call and the
 *   answer carries the issued AccessKeySecret and SecurityToken, so nothing (no configuration field, no option) can
 *   switch to plain HTTP or turn verification off (`ignoreSSL` is never set).
 * - In 1.2.0 the second argument of `assumeRoleWithOptions` is `$dara.RuntimeOptions` from @darabonba/typescript
 *   (not tea-util's `$Util.RuntimeOptions` of older SDKs). openapi-core 1.0.8 only reads plain fields from it
 *   (`runtime.readTimeout || config.readTimeout`, ...), so a plain object works; we type it from the SDK signature
 *   instead of importing a package we do not depend on. Its `autoretry` is ignored by openapi-core 1.0.8, whose
 *   retry loop reads `config.retryOptions` only; we leave that unset, so the SDK makes exactly one attempt per call
 *   (verified: one request per failed call) and retries are ours (retry.ts).
 */
import StsPackage, { AssumeRoleRequest } from '@alicloud/sts20150401';
import CredentialPackage, { Config as CredentialConfig } from '@alicloud/credentials';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import type { BrokerConfig } from '../config/schema.js';
import type { AssumeRoleInput } from './types.js';

/**
 * Node's ESM loader hands us `module.exports` (class under `.default`, as tsc types it); vitest's loader already
 * unwraps `__esModule` defaults and hands us the class. Accept both so the same code runs under node, tsx and vitest.
 */
function cjsDefault<T>(pkg: { default: T }): T {
  return (pkg as { default?: T }).default ?? (pkg as unknown as T);
}

const StsSdk = cjsDefault(StsPackage);
const Credential = cjsDefault(CredentialPackage);

/** What the STS client needs of `sts` (the readiness check's own settings are read where it is built). */
export type StsConfig = Omit<BrokerConfig['sts'], 'identityCheck'>;
export type StsSdkClient = InstanceType<typeof StsSdk>;
/** What the SDK accepts as `credential`: a @alicloud/credentials `Credential` (default chain or explicit config). */
export type SdkCredential = InstanceType<typeof Credential>;
type SdkRuntime = Parameters<StsSdkClient['assumeRoleWithOptions']>[1];

/** The body fields of an AssumeRole answer as the SDK hands them back (camelCase after its model cast). */
export interface RawAssumeRoleBody {
  requestId?: string;
  credentials?: {
    accessKeyId?: string;
    accessKeySecret?: string;
    securityToken?: string;
    expiration?: string;
  };
}

/** The one thing the rest of src/sts needs from the SDK: a single attempt, no retries. */
export interface StsTransport {
  assumeRoleOnce(input: AssumeRoleInput): Promise<RawAssumeRoleBody | undefined>;
}

export interface SdkClientOptions {
  /** An explicit credential (tests). Default: `new Credential()`, the default provider chain (https://github.com/aliyun/credentials-nodejs#credential-provider-chain). */
  credential?: SdkCredential;
  /**
   * PEM of the one CA to trust for STS instead of the system's roots. Development only: local mode and tests pass
   * the STS emulator's one-run CA here, in code, because Node reads NODE_EXTRA_CA_CERTS only when a process starts
   * and they start the emulator inside the same process. Never read from the configuration file, so an operator
   * cannot point production at a server the public roots do not vouch for. A process that must trust one more CA
   * uses the standard NODE_EXTRA_CA_CERTS, which adds to the public roots (the production-entry test does so).
   */
  trustedCa?: string;
}

/** An explicit AccessKey credential (tests; local mode). Production uses the default chain instead. */
export function accessKeyCredential(accessKeyId: string, accessKeySecret: string): SdkCredential {
  return new Credential(new CredentialConfig({ type: 'access_key', accessKeyId, accessKeySecret }));
}

/** Builds the SDK client once from the `sts` config section. */
export function createSdkClient(config: StsConfig, options: SdkClientOptions = {}): StsSdkClient {
  const sdkConfig = new $OpenApiUtil.Config({
    credential: options.credential ?? new Credential(),
    protocol: 'https',
    ...(options.trustedCa === undefined ? {} : { ca: options.trustedCa }),
    readTimeout: config.timeoutMs,
    connectTimeout: config.timeoutMs,
  });
  // Endpoint wins over region: it is how the VPC endpoint (sts-vpc.<region>) and the local emulator are reached.
  if (config.endpoint !== undefined) sdkConfig.endpoint = config.endpoint;
  if (config.region !== undefined) sdkConfig.regionId = config.region;
  return new StsSdk(sdkConfig);
}

/** Runtime options for one attempt: our timeouts, and no SDK-side retry. */
export function sdkRuntimeOptions(config: StsConfig): SdkRuntime {
  const runtime = {
    readTimeout: config.timeoutMs,
    connectTimeout: config.timeoutMs,
    autoretry: false,
    maxAttempts: 1,
  };
  return runtime as SdkRuntime;
}

/** Wraps the SDK client as a single-attempt transport. */
export function createSdkTransport(config: StsConfig, options: SdkClientOptions = {}): StsTransport {
  const sdk = createSdkClient(config, options);
  const runtime = sdkRuntimeOptions(config);
  return {
    async assumeRoleOnce(input) {
      const request = new AssumeRoleRequest({
        roleArn: input.roleArn,
        roleSessionName: input.roleSessionName,
        policy: input.policy,
        durationSeconds: input.durationSeconds,
        ...(input.externalId === undefined ? {} : { externalId: input.externalId }),
        ...(input.sourceIdentity === undefined ? {} : { sourceIdentity: input.sourceIdentity }),
      });
      const response = await sdk.assumeRoleWithOptions(request, runtime);
      return response.body as RawAssumeRoleBody | undefined;
    },
  };
}
