/**
 * Traces of real requests through the whole app (real Redis, the STS emulator through the official SDK, a JWKS
 * fetched over HTTP), recorded by an in-memory exporter registered with the broker's own tracing set-up: the span
 * tree, the W3C `traceparent` parent, and no secret in any span.
 */
import { randomBytes } from 'node:crypto';
import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevIssuer, type DevIssuer } from '../../dev/issuer/dev-issuer.js';
import { startTracing, type Tracing } from '../../src/tracing/index.js';
import { startJwksServer, type JwksServer } from '../auth/helpers.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { rawClient } from '../store/helpers.js';

const exporter = new InMemorySpanExporter();
let tracing: Tracing | undefined;
let broker: TestBroker;
let remoteIssuer: DevIssuer;
let jwks: JwksServer;

beforeAll(async () => {
  tracing = await startTracing({ env: {}, exporter });
  // A second OIDC client whose keys are fetched over HTTP, so the trace shows a real JWKS fetch.
  remoteIssuer = await createDevIssuer({ issuer: 'https://remote-issuer.test/', audience: 'broker-trace-test' });
  jwks = await startJwksServer([...remoteIssuer.jwks.keys]);
  broker = await startTestBroker({
    configPatch: (c) => {
      c.clients.push({ ...remoteIssuer.clientConfig('remote'), jwksUri: jwks.url });
      c.profiles.uploads.clients = ['web', 'remote'];
    },
  });
});

afterAll(async () => {
  await broker?.close();
  await jwks?.close();
  await tracing?.shutdown();
});

const TRACE_ID = randomBytes(16).toString('hex');
const PARENT_SPAN_ID = randomBytes(8).toString('hex');

/** The spans of one trace, once its server span has ended (it ends on the response's 'finish', maybe after the client got it). */
async function traceSpans(traceId: string): Promise<ReadableSpan[]> {
  for (let i = 0; i < 100; i++) {
    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    if (spans.some((s) => s.name.startsWith('POST '))) return spans;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no server span for trace ${traceId}`);
}

const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan): string => span.spanContext().spanId;

describe('traces', () => {
  let spans: ReadableSpan[];
  let body: { credentials: { accessKeyId: string; accessKeySecret: string; securityToken: string } };
  let jwt: string;

  beforeAll(async () => {
    jwt = await remoteIssuer.issue({ sub: 'tracy', tenant: 'acme' });
    // The first AssumeRole attempt fails with a 503, so the trace shows the retry as a second attempt.
    broker.emulator.faults.push({ kind: 'error', status: 503, code: 'ServiceUnavailable', message: 'try again' });
    const res = await request(broker.app)
      .post('/v1/credentials')
      .set('authorization', `Bearer ${jwt}`)
      .set('traceparent', `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`)
      .send({ profile: 'uploads' });
    expect(res.status).toBe(200);
    body = res.body;
    spans = await traceSpans(TRACE_ID);
  });

  it('parents the request span on the incoming traceparent', () => {
    const server = spans.find((s) => s.name === 'POST /v1/credentials');
    expect(server).toBeDefined();
    expect(parentOf(server!)).toBe(PARENT_SPAN_ID);
    expect(server!.attributes).toMatchObject({ 'http.route': '/v1/credentials', 'http.response.status_code': 200 });
  });

  it('builds the tree request → jwt.verify → jwks.fetch, redis commands, sts.assume_role → attempts', () => {
    const server = spans.find((s) => s.name === 'POST /v1/credentials')!;
    const byName = (name: string) => spans.filter((s) => s.name === name);

    const [verify] = byName('jwt.verify');
    expect(verify && parentOf(verify)).toBe(idOf(server));
    expect(verify!.attributes['broker.client_id']).toBe('remote');
    const [fetchSpan] = byName('jwks.fetch');
    expect(fetchSpan && parentOf(fetchSpan)).toBe(idOf(verify!));
    expect(fetchSpan!.attributes).toMatchObject({ 'url.full': jwks.url, 'http.response.status_code': 200 });

    // Rate limits and the quota count (incrementWindow), the cache looks up, locks and stores (get / set).
    const redis = spans.filter((s) => s.name.startsWith('redis.'));
    for (const op of ['redis.incrementWindow', 'redis.get', 'redis.set', 'redis.deleteIfEquals']) {
      expect(redis.map((s) => s.name)).toContain(op);
    }
    // Under the request, or under AssumeRole (the account-wide STS budget is counted in Redis by the call itself).
    const assumeIds = byName('sts.assume_role').map(idOf);
    for (const s of redis) {
      expect([idOf(server), ...assumeIds]).toContain(parentOf(s));
      expect(s.attributes['db.system.name']).toBe('redis');
    }

    const [assume] = byName('sts.assume_role');
    expect(assume && parentOf(assume)).toBe(idOf(server));
    const attempts = byName('sts.assume_role.attempt').sort(
      (x, y) => Number(x.attributes['broker.sts.attempt']) - Number(y.attributes['broker.sts.attempt']),
    );
    expect(
      attempts.map((s) => [parentOf(s), s.attributes['broker.sts.attempt'], s.attributes['broker.sts.outcome'], s.status.code]),
    ).toEqual([
      [idOf(assume!), 1, 'ServiceUnavailable', SpanStatusCode.ERROR],
      [idOf(assume!), 2, undefined, SpanStatusCode.UNSET],
    ]);
    // Everything of the request is in the one trace.
    expect(spans.every((s) => s.spanContext().traceId === TRACE_ID)).toBe(true);
  });

  it('starts a trace of its own without a traceparent, and records no store call outside a request', async () => {
    exporter.reset();
    const res = await request(broker.app).post('/v1/credentials').set('authorization', `Bearer ${jwt}`).send({ profile: 'uploads' });
    expect(res.status).toBe(200);
    const server = await waitForServerSpan();
    expect(server.parentSpanContext).toBeUndefined();
    expect(server.spanContext().traceId).not.toBe(TRACE_ID);
    await request(broker.app).get('/readyz').expect(200);
    // /readyz pings Redis, but probes are not traced and a store call outside a trace records nothing.
    expect(exporter.getFinishedSpans().filter((s) => s.spanContext().traceId !== server.spanContext().traceId)).toEqual([]);
  });

  it('puts no secret in any span: credentials, JWT, API key secret, cache key, token cache key', async () => {
    const partner = await request(broker.app).post('/v1/credentials').set('x-api-key', broker.partnerKey).send({ profile: 'partner-read' });
    expect(partner.status).toBe(200);
    const raw = rawClient();
    let tokenCacheKeys: string[];
    try {
      const stored = await raw.keys(`${broker.shared.keyPrefix}token:*`);
      tokenCacheKeys = stored.map((k) => k.slice(`${broker.shared.keyPrefix}token:`.length));
    } finally {
      raw.disconnect();
    }
    expect(tokenCacheKeys.length).toBeGreaterThan(0);
    const secrets = [
      body.credentials.accessKeySecret,
      body.credentials.securityToken,
      partner.body.credentials.accessKeySecret,
      partner.body.credentials.securityToken,
      jwt,
      broker.partnerKey.split('.')[1]!,
      broker.shared.cacheKey,
      broker.shared.accessKey.accessKeySecret,
      ...tokenCacheKeys,
    ];
    const everything = [...spans, ...exporter.getFinishedSpans()];
    expect(everything.length).toBeGreaterThan(10);
    const text = JSON.stringify(
      everything.map((s) => ({
        name: s.name,
        attributes: s.attributes,
        status: s.status,
        events: s.events,
        resource: s.resource.attributes,
      })),
    );
    for (const secret of secrets) expect(text.includes(secret), 'a secret appears in a span').toBe(false);
  });
});

async function waitForServerSpan(): Promise<ReadableSpan> {
  for (let i = 0; i < 100; i++) {
    const server = exporter.getFinishedSpans().find((s) => s.name === 'POST /v1/credentials');
    if (server) return server;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('no server span');
}
