/**
 * The server span of each HTTP request, parented on an incoming W3C `traceparent` when the registered propagator
 * (setup.ts: W3C Trace Context) finds one. Every span of the request (JWT, JWKS, Redis, STS) hangs below it.
 *
 * Attributes are the method, the matched route template (never the raw URL: a query string could carry a secret),
 * the status code and the request id. Probes and scrapes are not traced, like they are not logged (app.ts).
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Request, RequestHandler } from 'express';
import { tracer } from './spans.js';

const UNTRACED = new Set(['/healthz', '/readyz', '/metrics']);

export function traceRequests(): RequestHandler {
  return function traceRequest(req, res, next) {
    if (UNTRACED.has(req.path)) return next();
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan(
      req.method,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': req.method, 'broker.request_id': (req as Request & { id?: string }).id ?? '' },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    // Body parsing continues from the socket's 'data'/'end' events, outside this call stack: binding the request
    // and response emitters keeps their listeners (and so the rest of the chain) inside the request's context.
    context.bind(active, req);
    context.bind(active, res);
    // Tracing off (the API's no-op tracer) or this trace not sampled: the span records nothing, so it needs no
    // ending; skip the two per-request listeners. The context still carries the incoming trace to outgoing calls.
    if (!span.isRecording()) {
      context.with(active, next);
      return;
    }
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      const route: unknown = req.route?.path;
      if (typeof route === 'string') {
        span.updateName(`${req.method} ${route}`);
        span.setAttribute('http.route', route);
      }
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    context.with(active, next);
  };
}
