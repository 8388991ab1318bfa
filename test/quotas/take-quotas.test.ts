/**
 * The two quotas of a grant taken at once (src/quotas/take-quotas.ts), on the real Redis: both or neither are
 * taken, the request quota's refusal wins when both refuse, and a store failure is a refusal.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { principalKey, type Principal } from '../../src/auth/principal.js';
import type { BrokerConfig } from '../../src/config/schema.js';
import { createQuotaCounters, createByteQuota, takeQuotas, type ByteQuota } from '../../src/quotas/index.js';
import { BrokerError } from '../../src/errors.js';
import { systemClock } from '../../src/shared/clock.js';
import { RedisStore, StoreUnavailableError } from '../../src/store/index.js';
import { RedisByteLedger } from '../../src/quotas/redis-byte-ledger.js';
import { NOT_RESERVED } from '../../src/quotas/take-quotas.js';
import { redisConfig, redisScope } from '../store/helpers.js';

const scope = redisScope('take-quotas');
afterAll(() => scope.cleanup());

const REQUESTS = 2;
const BYTES = 1000;
/** Only what the quotas read: the profile's two quota sections. */
const config = {
  profiles: {
    uploads: {
      quota: {
        perPrincipal: [{ limit: REQUESTS, windowSeconds: 3600 }],
        bytesPerPrincipal: [{ limitBytes: BYTES, windowSeconds: 3600 }],
      },
    },
  },
} as unknown as BrokerConfig;

let n = 0;
const someone = (): Principal => {
  n += 1;
  return { kind: 'user', clientId: 'web', tenant: 'acme', subject: `user-${n}`, claims: { sub: `user-${n}`, tenant: 'acme' } };
};
const declared = (bytes: number) => [{ bytes, settle: 'now' as const, expiresAt: Date.now() + 60_000 }];

async function parts(store?: RedisStore) {
  const s = store ?? (await scope.store());
  const admission = createQuotaCounters(s, systemClock).admission;
  const bytes: ByteQuota = createByteQuota(config, new RedisByteLedger(s, systemClock));
  const used = async (p: Principal) => (await bytes.usage(principalKey(p), 'uploads'))[0];
  return { admission, used };
}

async function refusal(promise: Promise<unknown>): Promise<BrokerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof BrokerError)) throw new Error(`expected a BrokerError, got ${String(error)}`);
  return error;
}

describe('takeQuotas', () => {
  it('takes both, and release gives both back', async () => {
    const { admission, used } = await parts();
    const p = someone();
    const taken = await takeQuotas(config, admission, p, 'uploads', declared(400));
    expect(taken.byteIds).toHaveLength(1);
    expect((await used(p))?.usedBytes).toBe(400);
    await taken.release();
    expect((await used(p))?.usedBytes).toBe(0);
    // The request unit came back too: two more grants fit.
    await takeQuotas(config, admission, p, 'uploads', declared(1));
    await takeQuotas(config, admission, p, 'uploads', declared(1));
  });

  it('draws a random reservation id only for an item that waits for its callback', async () => {
    const { admission, used } = await parts();
    const p = someone();
    const expiresAt = Date.now() + 60_000;
    const taken = await takeQuotas(config, admission, p, 'uploads', [
      { bytes: 100, settle: 'now', expiresAt },
      { bytes: 200, settle: 'callback', expiresAt },
    ]);
    expect(taken.byteIds[0]).toBe(NOT_RESERVED);
    expect(taken.byteIds[1]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(await used(p)).toMatchObject({ usedBytes: 100, reservedBytes: 200 });
    await taken.release();
    expect(await used(p)).toMatchObject({ usedBytes: 0, reservedBytes: 0 });
  });

  it('takes no bytes when the request quota refuses', async () => {
    const { admission, used } = await parts();
    const p = someone();
    for (let i = 0; i < REQUESTS; i += 1) await takeQuotas(config, admission, p, 'uploads', declared(100));
    const refused = await refusal(takeQuotas(config, admission, p, 'uploads', declared(300)));
    expect(refused.code).toBe('quota_exceeded');
    expect(refused.extensions?.quota).toBeUndefined(); // the request quota's refusal, not the byte quota's
    expect((await used(p))?.usedBytes).toBe(200);
  });

  it('takes no request unit when the byte quota refuses', async () => {
    const { admission, used } = await parts();
    const p = someone();
    await takeQuotas(config, admission, p, 'uploads', declared(900));
    const refused = await refusal(takeQuotas(config, admission, p, 'uploads', declared(200)));
    expect([refused.code, refused.extensions?.quota]).toEqual(['quota_exceeded', 'bytes']);
    // One request unit is left: a grant that fits still goes through.
    await takeQuotas(config, admission, p, 'uploads', declared(100));
    expect((await used(p))?.usedBytes).toBe(1000);
  });

  it('answers with the request quota when both refuse', async () => {
    const { admission } = await parts();
    const p = someone();
    await takeQuotas(config, admission, p, 'uploads', declared(600));
    await takeQuotas(config, admission, p, 'uploads', declared(300));
    const refused = await refusal(takeQuotas(config, admission, p, 'uploads', declared(500)));
    expect([refused.code, refused.extensions?.quota]).toEqual(['quota_exceeded', undefined]);
  });

  it('fails closed when the store is unreachable', async () => {
    const down = RedisStore.fromConfig(redisConfig(scope.prefix, { url: 'redis://127.0.0.1:1', connectTimeoutMs: 200 }));
    const { admission } = await parts(down);
    const error = await takeQuotas(config, admission, someone(), 'uploads', declared(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    await down.close();
  });
});
