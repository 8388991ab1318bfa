/**
 * Middleware that runs on every request, as one handler: one router layer instead of one per step (each router
 * layer costs a path match and a parameter object per request), while each step stays a named function, so a
 * stack trace and app.ts still say what runs. Steps run in the order written; the first error ends the chain and
 * goes to the error handlers.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export function inOrder(...steps: RequestHandler[]): RequestHandler {
  return function runInOrder(req: Request, res: Response, next: NextFunction) {
    let index = 0;
    let done = false;
    // Once: a step that both calls next(error) and rejects must not hand the request on twice.
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
      const handler = steps[index];
      index += 1;
      if (handler === undefined) {
        finish();
        return;
      }
      try {
        const returned: unknown = handler(req, res, step);
        // Like Express 5: a step's rejected promise is its error.
        if (returned instanceof Promise) returned.catch((error: unknown) => finish(error ?? new Error('Rejected promise')));
      } catch (error) {
        finish(error);
      }
    };
    step();
  };
}
