/**
 * Switches OpenTelemetry tracing on from the standard environment variables, and only then loads the SDK.
 *
 * - On when `OTEL_TRACES_EXPORTER` names `otlp` (or `console`), or, with it unset, when an OTLP endpoint is given
 *   (`OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`). Off when `OTEL_SDK_DISABLED=true` or
 *   `OTEL_TRACES_EXPORTER=none`, and by default: an unconfigured broker sends nothing anywhere.
 * - Off, nothing but @opentelemetry/api is ever imported (the SDK modules below are dynamic imports), so the
 *   wrappers in spans.ts run against the API's no-op tracer.
 * - On: a NodeTracerProvider (AsyncLocalStorage context), W3C Trace Context propagation (an incoming `traceparent`
 *   becomes the parent of the request span), a batch processor and the OTLP/HTTP exporter, which reads its own
 *   `OTEL_EXPORTER_OTLP_*` settings (endpoint, headers, timeout). Sampling follows `OTEL_TRACES_SAMPLER(_ARG)`
 *   (default: parent-based, always on); `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` name the service.
 *   Spec: https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/
 */
import { context, propagation, trace } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-node';

export type TracingExporter = 'otlp' | 'console';

/** Which exporters the environment asks for; empty means tracing stays off. */
export function tracingExporters(env: NodeJS.ProcessEnv): TracingExporter[] {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return [];
  const named = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  if (named.length === 0) {
    const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
    return endpoint ? ['otlp'] : [];
  }
  if (named.includes('none')) return [];
  return named.filter((s): s is TracingExporter => s === 'otlp' || s === 'console');
}

export interface Tracing {
  /** The exporters in use (for the start-up log line). */
  readonly exporters: readonly string[];
  /** Flushes pending spans and unregisters the SDK (shutdown, tests). */
  shutdown(): Promise<void>;
}

export interface StartTracingOptions {
  env: NodeJS.ProcessEnv;
  /** Tests: export every span, synchronously, to this exporter (e.g. an InMemorySpanExporter); env is then ignored. */
  exporter?: SpanExporter;
  serviceVersion?: string;
}

/** Registers the SDK globally when the environment (or a test) asks for it; undefined when tracing stays off. */
export async function startTracing(options: StartTracingOptions): Promise<Tracing | undefined> {
  const exporters = options.exporter === undefined ? tracingExporters(options.env) : [];
  if (options.exporter === undefined && exporters.length === 0) return undefined;

  const sdk = await import('@opentelemetry/sdk-trace-node');
  const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
  const { defaultResource, detectResources, envDetector, resourceFromAttributes } = await import('@opentelemetry/resources');

  const processors = [];
  if (options.exporter !== undefined) processors.push(new sdk.SimpleSpanProcessor(options.exporter));
  for (const name of exporters) {
    if (name === 'console') processors.push(new sdk.SimpleSpanProcessor(new sdk.ConsoleSpanExporter()));
    if (name === 'otlp') {
      const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
      processors.push(new sdk.BatchSpanProcessor(new OTLPTraceExporter()));
    }
  }
  // Later resources win: our defaults, then whatever OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES say.
  const resource = defaultResource()
    .merge(
      resourceFromAttributes({
        'service.name': 'oss-sts-broker',
        ...(options.serviceVersion ? { 'service.version': options.serviceVersion } : {}),
      }),
    )
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new sdk.NodeTracerProvider({ resource, spanProcessors: processors });
  provider.register({ propagator: new W3CTraceContextPropagator() });

  return {
    exporters: options.exporter === undefined ? exporters : ['test'],
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
