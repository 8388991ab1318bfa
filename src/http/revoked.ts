/**
 * The step after authentication on every caller route: a revoked principal is refused (403 `revoked`), whatever
 * it asks for and whether or not its answer is cached. While this replica's view of the revocations is fresh the
 * check is a lookup in memory; otherwise it refreshes the view first and refuses with 503 when it cannot
 * (revocation/revocations.ts).
 */
import type { RequestHandler } from 'express';
import type { Revocations } from '../revocation/index.js';

export function refuseRevoked(revocations: Pick<Revocations, 'assertNotRevoked'>): RequestHandler {
  return function refuseRevokedPrincipal(req, _res, next) {
    // The rate-limit step set the principal; a route without it is a wiring bug, refused by the check itself.
    const pending = revocations.assertNotRevoked(req.principal!);
    if (pending === undefined) {
      next();
      return;
    }
    // Express 5 passes a rejection to the error handlers.
    return pending.then(() => next());
  };
}
