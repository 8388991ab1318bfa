/**
 * Small named middleware, one check each, so a stack trace or a route declaration says what protects an endpoint.
 */
import type { RequestHandler } from 'express';
import { BrokerError } from '../errors.js';
import type { Authenticator, Principal } from '../auth/index.js';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** Credentials must never be stored by a browser or a proxy (invariant 4). Set before anything can fail. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  next();
};

/** Bodies are JSON only; a form post from another origin cannot reach the handler. */
export const requireJson: RequestHandler = (req, _res, next) => {
  if (!req.is('application/json')) {
    next(new BrokerError('unsupported_media_type', 'send the request body as application/json'));
    return;
  }
  next();
};

export function authenticate(authenticator: Authenticator): RequestHandler {
  return async function authenticateCaller(req, _res, next) {
    try {
      req.principal = await authenticator.authenticate({
        authorization: req.get('authorization'),
        'x-api-key': req.get('x-api-key'),
      });
      next();
    } catch (error) {
      next(error);
    }
  };
}
