/**
 * Writes emulator responses: JSON success and error bodies (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole/A3) and the injected faults. Returns the code
 * recorded in stats.byCode for what was written.
 */
import type { ServerResponse } from 'node:http';
import { StsError, THROTTLING_MESSAGE, errorBody, newRequestId } from './sts-error.js';
import type { StsFault } from './types.js';

/** STS answers JSON with exactly this content type; openapi-core parses XML only for `text/xml;charset=utf-8` (https://github.com/aliyun/darabonba-openapi). */
const JSON_TYPE = 'application/json;charset=utf-8';

export function sendJson(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'content-type': JSON_TYPE,
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

export function sendError(res: ServerResponse, error: StsError): string {
  const requestId = newRequestId();
  const body = errorBody(error.code, error.message, requestId);
  sendJson(res, error.status, body, { 'x-acs-request-id': requestId, ...error.headers });
  return error.code;
}

/** Default retry hint. The header's unit is UNCONFIRMED; openapi-core feeds it to its backoff as milliseconds. */
const DEFAULT_RETRY_AFTER_MS = 1000;

const BAD_GATEWAY_HTML =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n' +
  '<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

/**
 * Applies one injected fault. `hang` writes nothing: the request stays open until the client gives up or the
 * emulator closes. Returns the stats code.
 */
export function applyFault(res: ServerResponse, fault: StsFault): string {
  switch (fault.kind) {
    case 'error':
      return sendError(res, new StsError(fault.status, fault.code, fault.message));
    case 'throttle': {
      // Throttling.User status is UNCONFIRMED (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole (error codes), G); 400 by default. openapi-core maps any code containing
      // "Throttling" to ThrottlingError whatever the status.
      const retryAfter = String(fault.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS);
      return sendError(res, new StsError(fault.status ?? 400, 'Throttling.User', THROTTLING_MESSAGE, { 'x-acs-retry-after': retryAfter }));
    }
    case 'html': {
      // What a proxy in front of STS returns; the SDK fails with a bare SyntaxError parsing it (https://github.com/aliyun/darabonba-openapi).
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(fault.status ?? 502, {
          'content-type': 'text/html',
          'content-length': Buffer.byteLength(BAD_GATEWAY_HTML),
        });
        res.end(BAD_GATEWAY_HTML);
      }
      return 'Fault.html';
    }
    case 'hang':
      return 'Fault.hang';
    case 'reset':
      res.socket?.destroy();
      return 'Fault.reset';
  }
}
