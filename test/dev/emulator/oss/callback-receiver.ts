/**
 * An application server on loopback that receives the OSS emulator's upload callbacks, records them, and answers as
 * each test asks (JSON, another status, a non-JSON body, no answer at all). The signature check here is written from
 * Alibaba's published verification steps (https://www.alibabacloud.com/help/en/oss/developer-reference/callback,
 * step 4), independently of the emulator: fetch the PEM named by `x-oss-pub-key-url`, then RSA-MD5 over
 * `url_decode(path) + query + "\n" + body`.
 */
import { verify } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach } from 'vitest';

export interface ReceivedCallback {
  /** Raw request target: path plus `?query`. */
  url: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface ReceiverAnswer {
  status?: number;
  body?: string;
  contentType?: string;
  /** Never answer (the emulator's timeout must end the call). */
  hang?: boolean;
}

export interface CallbackReceiver {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  received: ReceivedCallback[];
  /** What to answer; default `{"Status":"OK"}` with 200. */
  answer: (req: ReceivedCallback) => ReceiverAnswer;
  close(): Promise<void>;
}

const okAnswer = (): ReceiverAnswer => ({ body: '{"Status":"OK"}' });

/** Starts a receiver; `receiver` is the object to fill in and serve from (a new one by default). */
export async function startCallbackReceiver(
  receiver: CallbackReceiver = { origin: '', received: [], answer: okAnswer, close: async () => {} },
): Promise<CallbackReceiver> {
  const { received } = receiver;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const got: ReceivedCallback = { url: req.url ?? '', method: req.method ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      received.push(got);
      const answer = receiver.answer(got);
      if (answer.hang) return;
      const body = Buffer.from(answer.body ?? '{"Status":"OK"}', 'utf8');
      res.writeHead(answer.status ?? 200, { 'content-type': answer.contentType ?? 'application/json', 'content-length': body.length });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

/** Fetches the PEM at the (base64) `x-oss-pub-key-url` and checks `authorization` as Alibaba's sample server does. */
export async function verifyCallbackSignature(got: ReceivedCallback): Promise<{ valid: boolean; publicKeyUrl: string }> {
  const publicKeyUrl = Buffer.from(String(got.headers['x-oss-pub-key-url']), 'base64').toString('utf8');
  const pem = await (await fetch(publicKeyUrl)).text();
  const q = got.url.indexOf('?');
  const path = q < 0 ? got.url : got.url.slice(0, q);
  const query = q < 0 ? '' : got.url.slice(q);
  const signed = Buffer.concat([Buffer.from(`${decodeURIComponent(path)}${query}\n`, 'utf8'), got.body]);
  const signature = Buffer.from(String(got.headers.authorization), 'base64');
  return { valid: verify('md5', signed, pem, signature), publicKeyUrl };
}

/**
 * A receiver for the calling test file: listening before its first test, closed after its last, and emptied and
 * given the default answer before each test (this registers those hooks).
 */
export function receiverForFile(): CallbackReceiver {
  const receiver: CallbackReceiver = { origin: '', received: [], answer: okAnswer, close: async () => {} };
  beforeAll(async () => {
    await startCallbackReceiver(receiver);
  });
  afterAll(async () => receiver.close());
  beforeEach(() => {
    receiver.received.length = 0;
    receiver.answer = okAnswer;
  });
  return receiver;
}
