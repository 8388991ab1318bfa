/**
 * tracing/: OpenTelemetry spans for requests, JWT/JWKS, Redis and STS (spans.ts, http-spans.ts), switched on from
 * the standard OTEL_* environment variables (setup.ts). Off by default, and then only @opentelemetry/api is loaded.
 */
export { failureLabel, inSpan, recordFailure, tracer, TRACER_NAME, type SpanOptions } from './spans.js';
export { traceRequests } from './http-spans.js';
export { startTracing, tracingExporters, type StartTracingOptions, type Tracing, type TracingExporter } from './setup.js';
