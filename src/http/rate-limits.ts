/**
 * Per-IP and per-principal request rate limits, with authentication between them: count the address, authenticate,
 * count the caller. Fixed windows counted in the shared store through the Admission (quotas/admission.ts).
 *
 * A request's counts are made once, in ONE store round trip, as late as possible: when the request takes a grant
 * (credentials or a form), together with the grant's request quota and byte reservation (one Lua script for
 * everything keyed by the caller, plus the per-IP count beside it: two commands in flight together); otherwise just
 * before the answer, or when the request is refused. So the step below only authenticates and leaves the counts
 * pending on the request (`req.counts`); the route's service makes them with its grant, and `countBeforeRefusal`
 * makes them for a request refused before that. Either way the refusals come in the order the README states:
 * an address over its limit (`limit: ip`) whatever else is wrong, then an authentication failure, then the caller
 * over its own limit (`limit: principal`), then what is wrong with the input, then the quotas.
 *
 * When authentication fails there is no caller to count, and the address is counted at once (a credential guesser
 * is limited like anyone else). Once Redis says an address is over its limit, this replica refuses that address for
 * the rest of the window at once, on every route, before authenticating and without a store call (a refusal only:
 * it can never allow more).
 *
 * Fail closed (README security property 6): a store error is a refusal; the problem handler maps it to 503
 * `store_unavailable`. Nothing here lets a request through when the store cannot count it.
 */
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import { BrokerError } from '../errors.js';
import type { BrokerConfig } from '../config/schema.js';
import { principalKey, type Principal } from '../auth/index.js';
import type { Admission, CountWindow, Counted } from '../quotas/admission.js';
import type { CountRequest } from '../quotas/index.js';
import { ExpiringLru } from '../shared/expiring-lru.js';
import { systemClock, type Clock } from '../shared/clock.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The request's pending counts, set by the rate-limit step once the caller is known. */
    counts?: RequestCounts;
  }
}

/** Addresses known to be over their limit, per replica; bounded so a spoofed-address flood cannot grow it. */
const REFUSED_IPS_MAX = 10_000;

/** Who the caller is, from the request; throws (a BrokerError, usually 401) when it cannot say. */
export type Authenticate = (req: Request) => Principal | Promise<Principal>;

/** The guard of a route: run `authenticate` (counting the address when it fails), leave the counts pending. */
export type LimitedAuthentication = (authenticate: Authenticate) => RequestHandler;

/** What an authenticated request owes the store: made once, with a grant or alone (CountRequest). */
export interface RequestCounts {
  readonly counted: boolean;
  readonly count: CountRequest;
}

/**
 * A class rather than an object literal with a `get counted()`: a literal's getter is a new function per request,
 * so V8 gives every such object a hidden class of its own, allocated in the old generation, which then holds the
 * request's objects through young-generation collections (measured: ~1.9 MB promoted per scavenge under load).
 */
class CountedOnce implements RequestCounts {
  #counted = false;
  /** Callable on its own (the service receives it detached). */
  readonly count: CountRequest;

  constructor(make: CountRequest) {
    this.count = async (grant) => {
      if (this.#counted) throw new BrokerError('internal', 'a request is counted once');
      this.#counted = true;
      return make(grant);
    };
  }

  get counted(): boolean {
    return this.#counted;
  }
}

function limiter(window: CountWindow, name: 'ip' | 'principal', describe: string) {
  const policy = `${window.limit};w=${window.windowSeconds}`;
  /** The IETF draft-7 headers express-rate-limit sent (`standardHeaders: 'draft-7'`). */
  const setHeaders = (res: Response, remaining: number, resetInMs: number): void => {
    res.setHeader('RateLimit-Policy', policy);
    res.setHeader('RateLimit', `limit=${window.limit}, remaining=${remaining}, reset=${Math.max(0, Math.ceil(resetInMs / 1000))}`);
  };
  return {
    window,
    allows: ({ count }: Counted): boolean => count <= window.limit,
    setHeaders: (res: Response, { count, resetInMs }: Counted): void => setHeaders(res, Math.max(0, window.limit - count), resetInMs),
    /** The refusal, and its headers (no request left in this window). */
    refuse(res: Response, resetInMs: number): BrokerError {
      setHeaders(res, 0, resetInMs);
      return new BrokerError('rate_limited', `too many requests ${describe}; limit ${window.limit} per ${window.windowSeconds}s`, {
        retryAfterSeconds: Math.max(1, Math.ceil(resetInMs / 1000)),
        extensions: { limit: name },
      });
    },
  };
}

/** A reply without the count that was asked for is a store fault: refuse (fail closed), never read it as room. */
function required(counted: Counted | undefined, what: string): Counted {
  if (counted === undefined) throw new BrokerError('store_unavailable', `the store did not count ${what}`, { retryAfterSeconds: 1 });
  return counted;
}

/**
 * The limits of one app (one memo of refused addresses for all its routes). Returns the guard factory: each route
 * passes the way it authenticates.
 */
export function rateLimits(admission: Admission, config: Readonly<BrokerConfig>, clock: Clock = systemClock): LimitedAuthentication {
  const ip = limiter(config.rateLimits.perIp, 'ip', 'from this address');
  const principal = limiter(config.rateLimits.perPrincipal, 'principal', 'for this caller');
  const refusedUntil = new ExpiringLru<number>(REFUSED_IPS_MAX, clock);

  /** The per-IP verdict: over the limit, the refusal (remembered for the rest of the window); else its headers. */
  const checkIp = (res: Response, address: string, counted: Counted): BrokerError | undefined => {
    if (ip.allows(counted)) {
      ip.setHeaders(res, counted);
      return undefined;
    }
    const resetAt = clock.now() + counted.resetInMs;
    refusedUntil.set(address, resetAt, resetAt);
    return ip.refuse(res, counted.resetInMs);
  };

  function pendingCounts(res: Response, address: string, caller: Principal): RequestCounts {
    return new CountedOnce(async (grant) => {
      const result = await admission.admit({
        ip: { address, window: ip.window },
        principal: { principalKey: principalKey(caller), window: principal.window },
        ...(grant === undefined ? {} : { grant }),
      });
      // The verdicts in order; the first refusal wins.
      const overIp = checkIp(res, address, required(result.ip, 'the address'));
      if (overIp !== undefined) {
        // The other slot's script took the grant in the same round trip: give it back before refusing.
        if (grant !== undefined && result.grant?.taken === true) await admission.release(grant, result.grant).catch(() => undefined);
        throw overIp;
      }
      const byCaller = required(result.principal, 'the caller');
      // The per-principal figures from here on, refused or not.
      principal.setHeaders(res, byCaller);
      if (!principal.allows(byCaller)) throw principal.refuse(res, byCaller.resetInMs);
      // A grant asked for and not answered is refused by takeQuotas (store_unavailable).
      return result.grant;
    });
  }

  return (authenticate) =>
    async function limitAuthenticateLimit(req, res, next) {
      const address = ipKeyGenerator(req.ip ?? 'unknown');
      const until = refusedUntil.get(address);
      // A refusal is thrown: Express 5 passes the rejected promise to the error handlers
      // (https://expressjs.com/en/guide/migrating-5.html#rejected-promises), store failures included.
      if (until !== undefined) throw ip.refuse(res, until - clock.now());
      let caller: Principal;
      try {
        caller = await authenticate(req);
      } catch (authFailure) {
        // No caller to count: the address alone, at once. Over its limit, that is the answer.
        const { ip: counted } = await admission.admit({ ip: { address, window: ip.window } });
        throw checkIp(res, address, required(counted, 'the address')) ?? authFailure;
      }
      req.principal = caller;
      req.counts = pendingCounts(res, address, caller);
      next();
    };
}

/**
 * The first error handler of a caller route: a request refused before it was counted (its input, a revoked caller,
 * a rule) is counted now, so a rate limit it is over is what it hears (the order above). Once counted, the original
 * refusal goes on.
 */
export const countBeforeRefusal: ErrorRequestHandler = (error, req, _res, next) => {
  const counts = req.counts;
  if (counts === undefined || counts.counted) {
    next(error);
    return;
  }
  counts.count().then(
    () => next(error),
    (refusal: unknown) => next(refusal),
  );
};

/**
 * The request's pending counts; a caller route without the rate-limit step is a wiring bug, refused before anything
 * is decided (never a grant taken without the request's own limits).
 */
export function countsOf(req: Request): RequestCounts {
  const counts = req.counts;
  if (counts === undefined) throw new BrokerError('internal', 'a caller route without the rate-limit step');
  return counts;
}

/** Before an answer that took no grant (a dry run, usage): the request is counted, and may be refused by it. */
export async function countUnlessCounted(req: Request): Promise<void> {
  const counts = countsOf(req);
  if (!counts.counted) await counts.count();
}
