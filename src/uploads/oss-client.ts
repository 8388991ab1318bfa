/**
 * An ali-oss client for one bucket, signed with a temporary STS credential the broker holds for one call (reading an
 * upload's metadata, an admin's bucket-policy change). The official client does the OSS V4 signing
 * (https://github.com/ali-sdk/ali-oss).
 */
import OSS from 'ali-oss';
import { isPathStyleEndpoint } from './form-url.js';

export interface OssTarget {
  bucket: string;
  region: string;
  endpoint: string;
}

export interface OssCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
}

export function stsOssClient(target: OssTarget, credentials: OssCredentials, timeoutMs: number): OSS {
  return new OSS({
    endpoint: target.endpoint,
    // Path-style for a loopback or IP endpoint (the emulator); the bucket's own host everywhere else.
    sldEnable: isPathStyleEndpoint(target.endpoint),
    bucket: target.bucket,
    region: `oss-${target.region}`,
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    stsToken: credentials.securityToken,
    authorizationV4: true,
    timeout: timeoutMs,
    // ali-oss warns about an stsToken without a refresher; this client lives for one call.
    refreshSTSToken: async () => ({ ...credentials, stsToken: credentials.securityToken }),
    refreshSTSTokenInterval: 3600_000,
  } as unknown as OSS.Options);
}
