/**
 * Draining on shutdown, in process, with a real HTTP server and raw sockets: readiness fails first, new connections
 * are refused, a request in flight finishes (and is told to close its connection), and a stalled client is cut at
 * the deadline instead of holding the process forever.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { expectMatchesSpec } from '../helpers/openapi.js';
import { drainServer, listen } from '../../src/runtime/server.js';
import { connectionRefused, stalledRequest } from './helpers.js';

const body = JSON.stringify({ profile: 'partner-read', dryRun: true });
let broker: TestBroker | undefined;
let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await broker?.close();
});

async function start(): Promise<{ broker: TestBroker; server: Server; port: number }> {
  broker = await startTestBroker({ store: 'memory' });
  server = await listen(broker.app, 0, '127.0.0.1');
  return { broker, server, port: (server.address() as AddressInfo).port };
}

describe('drain on shutdown', () => {
  it('fails readiness, refuses new connections, and cuts a stalled client at the deadline', async () => {
    const { broker, server, port } = await start();
    const stalled = await stalledRequest(port, { 'X-Api-Key': broker.partnerKey }, body, 5);

    broker.startDraining();
    const drained = drainServer(server, 500);

    const ready = await request(broker.app).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'not_ready', checks: { config: 'ok', accepting: 'failed', store: 'ok' } });
    expectMatchesSpec('GET', '/readyz', ready);
    expect(await connectionRefused(port)).toBe(true);

    // Before the drain, the stalled request kept server.close() waiting for ever.
    expect(await drained).toEqual({ cutAtDeadline: true });
    await stalled.closed;
    expect(stalled.response()).toBe('');
  });

  it('lets a request in flight finish, answering it with Connection: close', async () => {
    const { broker, server, port } = await start();
    const slow = await stalledRequest(port, { 'X-Api-Key': broker.partnerKey }, body, 5);

    broker.startDraining();
    const drained = drainServer(server, 60_000);
    await slow.finish();
    await slow.closed;

    expect(slow.response()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(slow.response()).toMatch(/\r\nConnection: close\r\n/i);
    expect(JSON.parse(slow.response().split('\r\n\r\n')[1]!)).toMatchObject({ grant: { prefix: 'partners/partner1/' } });
    expect(await drained).toEqual({ cutAtDeadline: false });
  });
});
