import { describe, expect, it } from 'vitest';
import { callerIdentityFailure } from './caller-identity.js';

const errno = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code });
const sts = (statusCode: number, code: string) => Object.assign(new Error(code), { name: 'ClientError', statusCode, code });

describe('what a failed GetCallerIdentity says about readiness', () => {
  it.each([
    [errno('ECONNREFUSED'), { kind: 'failed', reason: 'sts_unreachable', detail: 'STS could not be reached (network)' }],
    [errno('ENOTFOUND'), { kind: 'failed', reason: 'sts_unreachable', detail: 'STS could not be reached (network)' }],
    [
      errno('DEPTH_ZERO_SELF_SIGNED_CERT'),
      { kind: 'failed', reason: 'sts_unreachable', detail: 'STS could not be reached securely (TLS) (tls)' },
    ],
    [
      sts(404, 'InvalidAccessKeyId.NotFound'),
      { kind: 'failed', reason: 'sts_rejected', detail: 'STS refused: InvalidAccessKeyId.NotFound (InvalidAccessKeyId.NotFound)' },
    ],
    [sts(400, 'SignatureDoesNotMatch'), { kind: 'failed', reason: 'sts_rejected' }],
    [sts(503, 'ServiceUnavailable'), { kind: 'failed', reason: 'sts_unreachable' }],
    [new Error('unable to get credentials from any of the providers in the chain: ...'), { kind: 'failed', reason: 'no_cloud_identity' }],
    [sts(400, 'Throttling.User'), { kind: 'inconclusive' }],
  ])('%s', (error, expected) => {
    expect(callerIdentityFailure(error)).toMatchObject(expected);
  });
});
