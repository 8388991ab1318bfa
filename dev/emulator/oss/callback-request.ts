/**
 * Sends the signed callback request and judges the answer as OSS does
 * (https://www.alibabacloud.com/help/en/oss/developer-reference/callback steps 3-5, and the CallbackFailed messages of
 * https://www.alibabacloud.com/help/en/oss/support/http-status-code-203):
 * - `POST` to each callbackUrl in turn until one succeeds, with `Host` = callbackHost (default: the URL's host),
 *   `Content-Type` = callbackBodyType, `authorization` = the RSA-MD5 signature, `x-oss-pub-key-url` = base64 of the
 *   public-key URL;
 * - success is status 200 with a valid Content-Length of at most 1 MB and a JSON body, within 5 seconds
 *   ("Cost too long time" otherwise).
 * Real OSS refuses callback URLs on private addresses (https://www.alibabacloud.com/help/en/oss/user-guide/0007-00000008);
 * the emulator must reach a receiver on loopback, so it does not.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { CallbackSigner } from './callback-key.js';
import type { CallbackSpec } from './callback-params.js';

/** "The size of the response body cannot exceed 1 MB." */
const MAX_REPLY_BYTES = 1024 * 1024;

export type CallbackOutcome = { ok: true; body: Buffer } | { ok: false; message: string };

export interface CallbackTransport {
  signer: CallbackSigner;
  publicKeyUrl: string;
  timeoutMs: number;
}

const MESSAGES = {
  unreachable: 'Error Status : -1.OSS can not connect to your callbackUrl, please check it',
  timeout: 'Cost too long time',
  notJson: 'Response body is not valid json format.',
  length: 'Error Status : 400.User server return too long content-length value',
  status: (status: number) => `Error status : ${status}.`,
};

function readReply(res: IncomingMessage): Promise<CallbackOutcome> {
  return new Promise((resolve, reject) => {
    const status = res.statusCode ?? 0;
    const declared = res.headers['content-length'];
    const length = declared === undefined ? Number.NaN : Number(declared);
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      size += c.length;
      // Keep at most the allowed size: a receiver cannot make the emulator buffer an unbounded reply.
      if (size <= MAX_REPLY_BYTES) chunks.push(c);
    });
    res.on('error', reject);
    res.on('end', () => {
      if (status !== 200) return resolve({ ok: false, message: MESSAGES.status(status) });
      if (!Number.isInteger(length) || length > MAX_REPLY_BYTES || size > MAX_REPLY_BYTES) {
        return resolve({ ok: false, message: MESSAGES.length });
      }
      const body = Buffer.concat(chunks);
      try {
        JSON.parse(body.toString('utf8'));
      } catch {
        return resolve({ ok: false, message: MESSAGES.notJson });
      }
      resolve({ ok: true, body });
    });
  });
}

function attempt(url: URL, spec: CallbackSpec, body: Buffer, transport: CallbackTransport): Promise<CallbackOutcome> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers: Record<string, string> = {
    host: spec.host ?? url.host,
    'content-type': spec.bodyType,
    'content-length': String(body.length),
    authorization: transport.signer.authorization(url.pathname, url.search, body),
    'x-oss-pub-key-url': Buffer.from(transport.publicKeyUrl, 'utf8').toString('base64'),
    'user-agent': 'aliyun-oss-emulator-callback',
  };
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: CallbackOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const req = send(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || undefined,
        method: 'POST',
        path: `${url.pathname}${url.search}`,
        headers,
        agent: false,
      },
      (res) => {
        readReply(res).then(finish, () => finish({ ok: false, message: MESSAGES.unreachable }));
      },
    );
    const timer = setTimeout(() => {
      finish({ ok: false, message: MESSAGES.timeout });
      req.destroy();
    }, transport.timeoutMs);
    req.on('error', () => finish({ ok: false, message: MESSAGES.unreachable }));
    req.end(body);
  });
}

/** Tries each URL in order; the last failure is the one reported. */
export async function deliverCallback(spec: CallbackSpec, body: Buffer, transport: CallbackTransport): Promise<CallbackOutcome> {
  let outcome: CallbackOutcome = { ok: false, message: MESSAGES.unreachable };
  for (const url of spec.urls) {
    outcome = await attempt(url, spec, body, transport);
    if (outcome.ok) return outcome;
  }
  return outcome;
}
