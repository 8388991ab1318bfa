/**
 * The production switch: with only the standard OTEL_* variables set, startTracing loads the SDK and ships spans
 * over OTLP/HTTP to the configured endpoint (here a collector stand-in on loopback), with the service name.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inSpan, startTracing } from '../../src/tracing/index.js';

const received: Array<{ method: string; url: string; contentType: string; body: string }> = [];
const collector = createServer((req: IncomingMessage, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    received.push({ method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'] ?? '', body });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
const saved = { ...process.env };

beforeAll(async () => {
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  process.env = saved;
  collector.closeAllConnections();
  await new Promise((resolve) => collector.close(resolve));
});

it('exports spans over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set, and flushes them on shutdown', async () => {
  const { port } = collector.address() as AddressInfo;
  // The exporter and the resource detector read process.env themselves, as they do in production.
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${port}`;
  process.env.OTEL_SERVICE_NAME = 'broker-under-test';
  const tracing = await startTracing({ env: process.env });
  expect(tracing?.exporters).toEqual(['otlp']);
  await inSpan('export.probe', { attributes: { 'probe.kind': 'otlp' } }, async () => undefined);
  await tracing!.shutdown();

  const traces = received.filter((r) => r.url === '/v1/traces');
  expect(traces.length).toBeGreaterThan(0);
  expect(traces[0]).toMatchObject({ method: 'POST', contentType: 'application/json' });
  const all = traces.map((t) => t.body).join('\n');
  expect(all).toContain('export.probe');
  expect(all).toContain('broker-under-test');
});
