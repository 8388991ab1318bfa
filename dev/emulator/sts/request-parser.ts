/**
 * Turns an incoming HTTP request into decoded parts: query, form body, their merge, raw body bytes and headers.
 * Parameters may arrive in the query (the SDK, https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature/B4) or in an x-www-form-urlencoded body (@alicloud/credentials
 * and ali-oss's STS client, https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism), so both are read and merged, the body winning like the SDK's Object.assign.
 */
import type { IncomingMessage } from 'node:http';
import { errors } from './sts-error.js';

/** Bodies beyond this are refused: AssumeRole parameters are a few KiB at most. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface ParsedRequest {
  method: string;
  path: string;
  /** Percent-decoded query parameters. Never the wire string: it is re-encoded for signing (https://github.com/aliyun/alibabacloud-typescript-sdk/tree/master/sts-20150401). */
  query: Record<string, string>;
  /** Decoded form-body parameters (empty unless the body is application/x-www-form-urlencoded). */
  form: Record<string, string>;
  /** query then form, merged. */
  params: Record<string, string>;
  body: Buffer;
  /** Lower-cased header name -> every value received for it. */
  headers: Record<string, string[]>;
}

export function header(req: ParsedRequest, name: string): string | undefined {
  return req.headers[name]?.[0];
}

export async function parseRequest(req: IncomingMessage): Promise<ParsedRequest> {
  const body = await readBody(req);
  const url = new URL(req.url ?? '/', 'http://emulator.invalid');
  const query = toRecord(url.searchParams);
  const contentType = (req.headers['content-type'] ?? '').toLowerCase();
  const form = contentType.startsWith('application/x-www-form-urlencoded') ? toRecord(new URLSearchParams(body.toString('utf8'))) : {};
  const headers: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values) headers[name.toLowerCase()] = values;
  }
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    path: url.pathname,
    query,
    form,
    params: { ...query, ...form },
    body,
    headers,
  };
}

/** A repeated parameter keeps its last value; the signature is computed over the same merged view, so it is consistent. */
function toRecord(search: URLSearchParams): Record<string, string> {
  // fromEntries defines own data properties, so a `__proto__` parameter cannot touch the prototype.
  return Object.fromEntries(search);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw errors.bodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
