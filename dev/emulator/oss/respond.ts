/**
 * Writing answers: one `Reply` shape for every operation, OSS's common response headers, and XML error bodies
 * `<Error><Code/><Message/><RequestId/><HostId/>…</Error>` (https://www.alibabacloud.com/help/en/oss/developer-reference/include-signatures-in-the-authorization-header). A HEAD answer has no body, so its error travels
 * base64-encoded in `x-oss-err`, which ali-oss decodes (https://www.alibabacloud.com/help/en/oss/developer-reference/include-signatures-in-the-authorization-header, ali-oss `requestError`).
 */
import type { ServerResponse } from 'node:http';
import type { OssError } from './oss-error.js';
import { xmlDocument, type XmlNode } from './xml.js';

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** For HEAD: the Content-Length to announce without sending a body. */
  contentLength?: number;
}

export function xmlReply(root: string, node: XmlNode, status = 200, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'application/xml', ...headers }, body: xmlDocument(root, node) };
}

function errorXml(err: OssError, requestId: string, hostId: string): string {
  const node: XmlNode = { Code: err.code, Message: err.message, RequestId: requestId, HostId: hostId };
  for (const [k, v] of Object.entries(err.details)) node[k] = v;
  return xmlDocument('Error', node);
}

export function errorReply(err: OssError, requestId: string, hostId: string, isHead: boolean): Reply {
  const xml = errorXml(err, requestId, hostId);
  if (isHead) {
    return { status: err.status, headers: { 'x-oss-err': Buffer.from(xml, 'utf8').toString('base64') } };
  }
  return { status: err.status, headers: { 'content-type': 'application/xml' }, body: xml };
}

export function send(
  res: ServerResponse,
  reply: Reply,
  common: { requestId: string; nowMs: number; isHead: boolean; extraHeaders?: Record<string, string> },
): void {
  const headers: Record<string, string> = {
    server: 'AliyunOSS',
    date: new Date(common.nowMs).toUTCString(),
    'x-oss-request-id': common.requestId,
    ...reply.headers,
    ...common.extraHeaders,
  };
  const body = reply.body === undefined ? undefined : Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(reply.body, 'utf8');
  if (reply.status !== 204) headers['content-length'] = String(reply.contentLength ?? body?.length ?? 0);
  res.writeHead(reply.status, headers);
  res.end(common.isHead || reply.status === 204 ? undefined : body);
}
