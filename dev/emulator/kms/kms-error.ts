/**
 * KMS error answers: JSON `{RequestId, HostId, Code, Message}` with the HTTP status
 * (https://www.alibabacloud.com/help/en/kms/key-management-service/developer-reference/api-kms-2016-01-20-getsecretvalue,
 * error codes). The SDK (@alicloud/rpc-client) turns any 4xx/5xx into an error whose code is `<Code>Error` and whose
 * `data` is this body.
 */
import { randomUUID } from 'node:crypto';

export class KmsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'KmsError';
  }
}

export const kmsErrors = {
  // Documented for GetSecretValue: 404 Forbidden.ResourceNotFound (no such secret, or no version in that stage).
  notFound: () => new KmsError(404, 'Forbidden.ResourceNotFound', 'The resource not found.'),
  // Routing and parameter errors: the common codes of the RPC gateway; statuses as for STS (dev/emulator/sts).
  apiNotFound: (action: string) =>
    new KmsError(404, 'InvalidApi.NotFound', `Specified api is not found, please check your url and method. (${action})`),
  missing: (name: string) =>
    new KmsError(400, 'MissingParameter', `The input parameter "${name}" that is mandatory for processing this request is not supplied.`),
  invalidVersion: (version: string) => new KmsError(400, 'InvalidVersion', `Specified parameter Version is not valid. (${version})`),
  invalidParameter: (name: string) => new KmsError(400, 'InvalidParameter', `The parameter ${name} is invalid.`),
  internal: () => new KmsError(500, 'InternalFailure', 'The request processing has failed due to some unknown error.'),
};

export function kmsErrorBody(error: KmsError, host: string, requestId: string = randomUUID()): string {
  return JSON.stringify({ RequestId: requestId, HostId: host, Code: error.code, Message: error.message });
}
