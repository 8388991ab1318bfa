/**
 * The guards of a route run as one handler: one router layer instead of one per guard, while each guard stays a
 * named function (a stack trace, and the route declaration in routes.ts, still say what protects an endpoint).
 *
 * A guard may *defer* its verdict: start a store call and let the next guards run while it is in flight (the per-IP
 * limit starts its Redis call, authentication runs, the per-principal limit's call goes out on the same connection:
 * one round trip for both). The declared order still decides which refusal a caller gets: when a later guard fails,
 * every verdict deferred before it is awaited first, and the earliest refusal wins. No guard's verdict is dropped:
 * the chain does not end before each deferred verdict has passed.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';

declare module 'express-serve-static-core' {
  interface Request {
    /** Verdicts of guards that let the chain go on while their store call is in flight, in guard order. */
    deferredVerdicts?: Array<Promise<void>>;
  }
}

/** Registers a verdict that is still coming; a rejection is the guard's refusal (or a store failure: fail closed). */
export function deferVerdict(req: Request, verdict: Promise<void>): void {
  // Handled when awaited below; until then, a refusal that comes early must not count as an unhandled rejection.
  verdict.catch(() => undefined);
  if (req.deferredVerdicts === undefined) req.deferredVerdicts = [verdict];
  else req.deferredVerdicts.push(verdict);
}

/** Awaits the deferred verdicts in guard order; rejects with the first refusal. */
export async function settleDeferredVerdicts(req: Request): Promise<void> {
  const verdicts = req.deferredVerdicts;
  if (verdicts === undefined) return;
  req.deferredVerdicts = undefined;
  for (const verdict of verdicts) await verdict;
}

export function guardChain(...guards: RequestHandler[]): RequestHandler {
  return function runGuards(req: Request, res: Response, next: NextFunction) {
    let index = 0;
    const fail = (error: unknown) => {
      settleDeferredVerdicts(req).then(
        () => next(error),
        (earlier: unknown) => next(earlier),
      );
    };
    const step = (error?: unknown): void => {
      if (error !== undefined && error !== null) {
        fail(error);
        return;
      }
      const guard = guards[index];
      index += 1;
      if (guard === undefined) {
        if (req.deferredVerdicts === undefined) next();
        else settleDeferredVerdicts(req).then(() => next(), next);
        return;
      }
      try {
        const returned: unknown = guard(req, res, step);
        // Like Express 5: a guard's rejected promise is its error.
        if (returned instanceof Promise) returned.catch(fail);
      } catch (error) {
        fail(error);
      }
    };
    step();
  };
}
