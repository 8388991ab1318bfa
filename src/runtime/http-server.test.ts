import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppServer } from './http-server.js';

const servers: Array<{ close(callback: () => void): void; closeAllConnections(): void }> = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(resolve));
  }
});

function appWithProbe() {
  const app = express();
  app.locals.name = 'probe';
  app.post('/echo', express.json(), (req, res) => {
    res.status(201).json({ body: req.body, type: req.get('content-type'), app: req.app.locals.name, sameReq: res.req === req });
  });
  return app;
}

async function started(app: express.Express) {
  const server = createAppServer(app);
  const constructedWith: object[] = [];
  // Before Express's own listener: the prototypes the server constructed, before app.handle assigns its own.
  server.prependListener('request', (req, res) => {
    constructedWith.push(Object.getPrototypeOf(req), Object.getPrototypeOf(res));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, constructedWith };
}

describe('createAppServer', () => {
  it("constructs requests and responses with the app's prototypes, so Express has nothing to reassign", async () => {
    const app = appWithProbe();
    const { url, constructedWith } = await started(app);
    await fetch(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(constructedWith).toEqual([app.request, app.response]);
  });

  it("keeps Express's request and response API (body parsing, req.get, req.app, res.json, res.status)", async () => {
    const app = appWithProbe();
    const { url } = await started(app);
    const res = await fetch(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ body: { a: 1 }, type: 'application/json', app: 'probe', sameReq: true });
  });

  it('serves the same app from a second server without stacking prototypes', async () => {
    const app = appWithProbe();
    const first = await started(app);
    const second = await started(app);
    for (const { url } of [first, second]) {
      const res = await fetch(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(201);
    }
    expect(second.constructedWith).toEqual([app.request, app.response]);
    expect(Object.getPrototypeOf(Object.getPrototypeOf(app.request))).toBe(express.request);
  });
});
