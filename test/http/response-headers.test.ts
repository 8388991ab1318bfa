/**
 * The precomputed headers must be exactly what helmet() + cors() set, for every kind of request: compared against
 * an app that runs the two middleware as before.
 */
import { describe, expect, it } from 'vitest';
import express from 'express';
import helmet from 'helmet';
import cors from 'cors';
import request from 'supertest';
import { corsOptions, responseHeaders } from '../../src/http/response-headers.js';

const ORIGINS = ['https://app.example.com', 'https://admin.example.com'];

function withMiddleware(...handlers: express.RequestHandler[]) {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(...handlers);
  app.post('/v1/credentials', (_req, res) => void res.json({ ok: true }));
  return app;
}

const before = withMiddleware(helmet() as unknown as express.RequestHandler, cors(corsOptions(ORIGINS)) as express.RequestHandler);
const after = withMiddleware(responseHeaders({ corsOrigins: ORIGINS }));

function headersOf(res: request.Response): Record<string, string> {
  const { date: _date, connection: _connection, 'keep-alive': _keepAlive, ...rest } = res.headers as Record<string, string>;
  return rest;
}

describe('responseHeaders', () => {
  const cases: Array<[string, Record<string, string>]> = [
    ['no Origin', {}],
    ['an allowed Origin', { origin: ORIGINS[1]! }],
    ['an Origin not on the list', { origin: 'https://evil.example.com' }],
    ['an allowed Origin with another case', { origin: 'https://APP.example.com' }],
  ];
  for (const [name, headers] of cases) {
    it(`sets what helmet and cors set: POST with ${name}`, async () => {
      const a = await request(before).post('/v1/credentials').set(headers).send({});
      const b = await request(after).post('/v1/credentials').set(headers).send({});
      expect(b.status).toBe(200);
      expect(headersOf(b)).toEqual(headersOf(a));
    });
    it(`answers the preflight as helmet and cors do: ${name}`, async () => {
      const send = (app: express.Express) =>
        request(app)
          .options('/v1/credentials')
          .set(headers)
          .set('Access-Control-Request-Method', 'POST')
          .set('Access-Control-Request-Headers', 'authorization,content-type');
      const a = await send(before);
      const b = await send(after);
      expect(b.status).toBe(a.status);
      expect(headersOf(b)).toEqual(headersOf(a));
    });
  }

  it('carries the security headers and the allowed origin only for that origin', async () => {
    const allowed = await request(after).post('/v1/credentials').set('origin', ORIGINS[0]!).send({});
    expect(allowed.headers['access-control-allow-origin']).toBe(ORIGINS[0]);
    expect(allowed.headers['x-content-type-options']).toBe('nosniff');
    expect(allowed.headers['content-security-policy']).toContain("default-src 'self'");
    const other = await request(after).post('/v1/credentials').set('origin', 'https://evil.example.com').send({});
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect(other.headers.vary).toBe('Origin');
  });
});
