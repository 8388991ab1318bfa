import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { inSpan } from './spans.js';
import { startTracing, tracingExporters } from './setup.js';

describe('tracingExporters: the standard OTEL_* variables decide', () => {
  it.each([
    [{}, []],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, ['otlp']],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, ['otlp']],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, ['otlp']],
    [{ OTEL_TRACES_EXPORTER: 'otlp, console' }, ['otlp', 'console']],
    [{ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, []],
    [{ OTEL_TRACES_EXPORTER: 'zipkin' }, []],
    [{ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }, []],
  ] as Array<[NodeJS.ProcessEnv, string[]]>)('%j → %j', (env, expected) => {
    expect(tracingExporters(env)).toEqual(expected);
  });
});

describe('with tracing off', () => {
  it('registers nothing: spans are the API no-op, and the wrapped work still runs', async () => {
    expect(await startTracing({ env: {} })).toBeUndefined();
    const result = await inSpan('anything', {}, async (span) => {
      expect(span.isRecording()).toBe(false);
      return 42;
    });
    expect(result).toBe(42);
    expect(trace.getActiveSpan()).toBeUndefined();
  });

  it('keeps the SDK out of every static import of production code (it is loaded only when switched on)', () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) files.push(path);
      }
    };
    walk(root);
    const staticSdkImport = /^import\s+(?!type\b)[^;]*from\s+'@opentelemetry\/(?!api')[^']+'/m;
    const offenders = files.filter((f) => staticSdkImport.test(readFileSync(f, 'utf8')));
    expect(files.length).toBeGreaterThan(20);
    expect(offenders).toEqual([]);
  });
});
