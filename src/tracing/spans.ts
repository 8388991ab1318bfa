/**
 * Explicit spans around the broker's own calls, on the @opentelemetry/api alone. Without an SDK registered (OTEL_*
 * unset, see setup.ts) the API hands out its no-op tracer: a span is a shared non-recording object and these
 * wrappers cost a few function calls.
 *
 * What goes into a span is chosen here, not left to callers: names and attributes are fixed strings, ids that are
 * not secret (client id, role ARN, attempt number) and outcome codes. Never a token, a key, a cache key, a claim value
 * or an error message: an SDK error can quote a request URL that carries the broker's own SecurityToken
 * (http/problem.ts says the same for logs), so a failure is recorded by its code only.
 */
import { type Attributes, type Context, context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

export const TRACER_NAME = 'oss-sts-broker';

/** The API's proxy tracer: it forwards to the SDK's once one is registered, so taking it at import time is fine. */
export const tracer = trace.getTracer(TRACER_NAME);

export interface SpanOptions {
  attributes?: Attributes;
  kind?: SpanKind;
  /**
   * Record only inside a trace (a request). Store calls made outside one (start-up, /readyz probes) would otherwise
   * each start a trace of their own.
   */
  onlyInTrace?: boolean;
}

/** A bounded, secret-free label for a failure: the broker's error code, or the error's class name. */
export function failureLabel(error: unknown): string {
  if (error !== null && typeof error === 'object') {
    const code = (error as { code?: unknown }).code;
    const name = (error as { name?: unknown }).name;
    if (name === 'BrokerError' && typeof code === 'string') return code;
    if (name === 'StoreUnavailableError') return 'store_unavailable';
    if (typeof name === 'string' && /^\w{1,64}$/.test(name)) return name;
  }
  return 'error';
}

/** Marks a span failed with a label only (see the module comment for why never the message). */
export function recordFailure(span: Span, error: unknown): void {
  const label = failureLabel(error);
  span.setAttribute('error.type', label);
  span.setStatus({ code: SpanStatusCode.ERROR, message: label });
}

/**
 * Runs `fn` inside a child span of the active one; ends it, failed or not. Outside a trace with `onlyInTrace`, `fn`
 * runs as it is (no span, no extra promise), given one shared non-recording span.
 */
export function inSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = context.active();
  if (options.onlyInTrace === true && trace.getSpan(parent) === undefined) return fn(NOT_RECORDING);
  return inNewSpan(name, options, fn, parent);
}

async function inNewSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>, parent: Context): Promise<T> {
  const span = tracer.startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    recordFailure(span, error);
    throw error;
  } finally {
    span.end();
  }
}

const INVALID_CONTEXT = { traceId: '00000000000000000000000000000000', spanId: '0000000000000000', traceFlags: 0 };
/** A span that records nothing (its methods are no-ops), so one serves every call outside a trace. */
const NOT_RECORDING: Span = trace.wrapSpanContext(INVALID_CONTEXT);
