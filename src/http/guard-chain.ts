/**
 * The guards of a route run as one handler: one router layer instead of one per guard, while each guard stays a
 * named function (a stack trace, and the route declaration in routes.ts, still say what protects an endpoint).
 * Guards run in the order written; the first refusal ends the chain and goes to the error handlers. A guard that
 * waits for the store (the rate limits) finishes its work, headers included, before it hands the request on.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export function guardChain(...guards: RequestHandler[]): RequestHandler {
  return function runGuards(req: Request, res: Response, next: NextFunction) {
    let index = 0;
    let done = false;
    // Once: a guard that both calls next(error) and rejects must not hand the request on twice.
    const finish = (error?: unknown) => {
      if (done) return;
      done = true;
      next(error);
    };
    const step = (error?: unknown): void => {
      if (done) return;
      if (error !== undefined && error !== null) {
        finish(error);
        return;
      }
      const guard = guards[index];
      index += 1;
      if (guard === undefined) {
        finish();
        return;
      }
      try {
        const returned: unknown = guard(req, res, step);
        // Like Express 5: a guard's rejected promise is its error.
        if (returned instanceof Promise) returned.catch((error: unknown) => finish(error ?? new Error('Rejected promise')));
      } catch (error) {
        finish(error);
      }
    };
    step();
  };
}
