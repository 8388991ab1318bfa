/**
 * Per-IP and per-principal request rate limits (express-rate-limit) over the shared store. If the store cannot be
 * reached the limiter does not pass requests through: the error reaches the problem handler as 503
 * (invariant 6: an unreachable store never means "allow more than configured").
 */
import { rateLimit, ipKeyGenerator, type RateLimitRequestHandler } from 'express-rate-limit';
import { BrokerError } from '../errors.js';
import type { KeyValueStore } from '../store/types.js';
import { createRateLimitStore } from '../store/index.js';
import type { BrokerConfig } from '../config/schema.js';
import { principalKey } from '../auth/index.js';

function limiter(
  store: KeyValueStore,
  name: string,
  window: { limit: number; windowSeconds: number },
  key: (req: Parameters<RateLimitRequestHandler>[0]) => string,
  describe: string,
): RateLimitRequestHandler {
  return rateLimit({
    windowMs: window.windowSeconds * 1000,
    limit: window.limit,
    store: createRateLimitStore(store, `rl:${name}:`),
    keyGenerator: key,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    passOnStoreError: false,
    handler: (req, _res, next, options) => {
      const resetTime = (req as unknown as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const retryAfterSeconds = resetTime ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : options.windowMs / 1000;
      next(
        new BrokerError('rate_limited', `too many requests ${describe}; limit ${window.limit} per ${window.windowSeconds}s`, {
          retryAfterSeconds,
          extensions: { limit: name },
        }),
      );
    },
  });
}

export function perIpLimit(store: KeyValueStore, config: Readonly<BrokerConfig>): RateLimitRequestHandler {
  return limiter(store, 'ip', config.rateLimits.perIp, (req) => ipKeyGenerator(req.ip ?? 'unknown'), 'from this address');
}

export function perPrincipalLimit(store: KeyValueStore, config: Readonly<BrokerConfig>): RateLimitRequestHandler {
  return limiter(
    store,
    'principal',
    config.rateLimits.perPrincipal,
    (req) => (req.principal ? principalKey(req.principal) : 'anonymous'),
    'for this caller',
  );
}
