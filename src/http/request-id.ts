import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

/** A caller-supplied id is kept only if it is short and plain, so it cannot inject into logs or headers. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
  }
}

export function requestId(): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    req.id = incoming !== undefined && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', req.id);
    // Express's req.ip is a getter that walks X-Forwarded-For through the trust-proxy rule on every read; the
    // limits, the service and the audit event read it several times per request. Work it out once.
    Object.defineProperty(req, 'ip', { value: req.ip, enumerable: true, configurable: true, writable: true });
    next();
  };
}
