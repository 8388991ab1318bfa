/**
 * A credential header sent twice is refused with 400 invalid_request, whatever Node does with the repeat (it keeps
 * the first Authorization and joins X-Api-Key values with ", "): which credential is meant would be a guess.
 * Raw sockets, because HTTP client libraries merge repeated headers before sending.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { listen } from '../../src/runtime/server.js';

let broker: TestBroker;
let server: Server;
let port: number;
beforeAll(async () => {
  broker = await startTestBroker({ store: 'memory' });
  server = await listen(broker.app, 0, '127.0.0.1');
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await broker.close();
});

/** Sends one request with exactly these header lines; returns the status and the parsed JSON body. */
function rawPost(headerLines: string[], body: object): Promise<{ status: number; body: Record<string, unknown> }> {
  const text = JSON.stringify(body);
  const head = [
    'POST /v1/credentials HTTP/1.1',
    'Host: 127.0.0.1',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(text)}`,
    'Connection: close',
    ...headerLines,
  ];
  return new Promise((resolve, reject) => {
    // Not end(): a half-closed client may have its connection dropped before an async answer; Connection: close ends it.
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`${head.join('\r\n')}\r\n\r\n${text}`));
    let response = '';
    socket.on('data', (chunk) => {
      response += chunk.toString('utf8');
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const [headers = '', payload = ''] = response.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1]), body: JSON.parse(payload) as Record<string, unknown> });
    });
  });
}

const dryRun = { profile: 'uploads', dryRun: true };

describe('repeated credential headers', () => {
  it('a single bearer token is accepted (control)', async () => {
    const res = await rawPost([`Authorization: Bearer ${await broker.token('alice', 'acme')}`], dryRun);
    expect(res.status).toBe(200);
  });

  it('refuses two Authorization headers (Node would silently keep the first)', async () => {
    const alice = await broker.token('alice', 'acme');
    const mallory = await broker.token('mallory', 'acme');
    for (const lines of [
      [`Authorization: Bearer ${alice}`, `Authorization: Bearer ${mallory}`],
      [`Authorization: Bearer ${alice}`, `authorization: Bearer ${alice}`],
    ]) {
      const res = await rawPost(lines, dryRun);
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'invalid_request' });
      expect(res.body.detail).toMatch(/authorization header must be sent once/);
    }
  });

  it('refuses two X-Api-Key headers (Node would join them with ", ")', async () => {
    const res = await rawPost([`X-Api-Key: ${broker.partnerKey}`, `X-Api-Key: ${broker.partnerKey}`], {
      profile: 'partner-read',
      dryRun: true,
    });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'invalid_request' });
    expect(res.body.detail).toMatch(/x-api-key header must be sent once/);
  });
});
