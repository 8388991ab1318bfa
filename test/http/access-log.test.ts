/** The access log: one line per logged request, with the path and never the query string. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import express from 'express';
import request from 'supertest';
import { createLogger } from '../../src/shared/logger.js';
import { accessLog } from '../../src/http/access-log.js';
import { requestId } from '../../src/http/request-id.js';

function appWithLog() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  const app = express();
  app.use(requestId());
  app.use(accessLog(createLogger('info', destination)));
  app.get('/v1/usage', (_req, res) => void res.json({ ok: true }));
  app.get('/healthz', (_req, res) => void res.json({ ok: true }));
  app.post('/v1/credentials', (_req, res) => void res.json({ ok: true }));
  app.get('/boom', (_req, res) => void res.status(502).json({}));
  return { app, lines };
}

/** pino writes asynchronously to a stream destination; wait until the expected lines have arrived. */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((r) => setTimeout(r, 5));
}

describe('accessLog', () => {
  it('logs the path without its query string, with the request id and status', async () => {
    const { app, lines } = appWithLog();
    const res = await request(app).get('/v1/usage?profile=avatars&token=secret-in-query').set('x-request-id', 'req-1');
    expect(res.status).toBe(200);
    await until(() => lines.length === 1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      event: 'http.request',
      req: { id: 'req-1', method: 'GET', url: '/v1/usage' },
      res: { statusCode: 200 },
    });
    expect(JSON.stringify(lines)).not.toContain('secret-in-query');
  });

  it('does not log probes or credential requests (their audit event is their line), even with a query', async () => {
    const { app, lines } = appWithLog();
    await request(app).get('/healthz?x=1').expect(200);
    await request(app).post('/v1/credentials').send({}).expect(200);
    await request(app).get('/boom').expect(502);
    await until(() => lines.length >= 1);
    expect(lines.map((l) => (l.req as { url: string }).url)).toEqual(['/boom']);
    expect(lines[0]).toMatchObject({ level: 50, msg: 'request errored' });
  });
});
