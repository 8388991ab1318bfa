import { afterEach, describe, expect, it, vi } from 'vitest';
import type { IdentityCheckOutcome } from './caller-identity.js';
import { createIdentityReadiness } from './identity-readiness.js';

const OK: IdentityCheckOutcome = {
  kind: 'ok',
  identity: { identityType: 'AssumedRoleUser', accountId: '1234567890123456', arn: 'acs:ram::1234567890123456:role/broker' },
};
const NO_IDENTITY: IdentityCheckOutcome = { kind: 'failed', reason: 'no_cloud_identity', detail: 'unable to get credentials' };
const DOWN: IdentityCheckOutcome = { kind: 'failed', reason: 'sts_unreachable', detail: 'STS could not be reached (network)' };
const THROTTLED: IdentityCheckOutcome = { kind: 'inconclusive', detail: 'STS throttled GetCallerIdentity' };

function harness(outcomes: IdentityCheckOutcome[], failureThreshold = 3) {
  const lines: Array<{ level: string; event: string; msg: string }> = [];
  const log = (level: string) => (obj: object, msg?: string) =>
    lines.push({ level, event: (obj as { event: string }).event, msg: msg ?? '' });
  let checks = 0;
  const readiness = createIdentityReadiness({
    check: async () => outcomes[checks++] ?? OK,
    intervalMs: 60_000,
    failureThreshold,
    logger: { info: log('info'), warn: log('warn'), error: log('error') },
  });
  return { readiness, lines, checks: () => checks };
}

describe('cloud identity readiness', () => {
  afterEach(() => vi.useRealTimers());

  it('is not ready before the first check, and the first check decides at once', async () => {
    const { readiness, lines } = harness([NO_IDENTITY]);
    expect(readiness.status()).toEqual({ ready: false, reason: 'not_checked' });
    expect(await readiness.checkNow()).toEqual({ ready: false, reason: 'no_cloud_identity' });
    expect(lines).toEqual([
      {
        level: 'error',
        event: 'cloud_identity.unavailable',
        msg: 'no cloud identity: unable to get credentials; /readyz fails until the credentials chain finds one',
      },
    ]);
  });

  it('does not flap on one failure: it takes failureThreshold in a row, and a success resets the count', async () => {
    const { readiness, lines } = harness([OK, DOWN, DOWN, OK, DOWN, DOWN, DOWN]);
    const verdicts = [];
    for (let i = 0; i < 7; i++) verdicts.push((await readiness.checkNow()).ready);
    expect(verdicts).toEqual([true, true, true, true, true, true, false]);
    expect(readiness.status()).toEqual({ ready: false, reason: 'sts_unreachable' });
    expect(lines.map((l) => `${l.level} ${l.event}`)).toEqual([
      'info cloud_identity.ok',
      'warn cloud_identity.check_failed',
      'warn cloud_identity.check_failed',
      'warn cloud_identity.check_failed',
      'warn cloud_identity.check_failed',
      'error cloud_identity.unavailable',
    ]);
    expect(lines.at(-1)!.msg).toBe(
      "STS cannot be reached with the broker's identity: STS could not be reached (network); /readyz fails until it can",
    );
  });

  it('recovers on one success, says so once, and reports a new reason once', async () => {
    const { readiness, lines } = harness([NO_IDENTITY, NO_IDENTITY, DOWN, OK, OK]);
    for (let i = 0; i < 5; i++) await readiness.checkNow();
    expect(readiness.status()).toEqual({ ready: true });
    expect(lines.map((l) => l.msg)).toEqual([
      'no cloud identity: unable to get credentials; /readyz fails until the credentials chain finds one',
      "STS cannot be reached with the broker's identity: STS could not be reached (network); /readyz fails until it can",
      'cloud identity ok: acs:ram::1234567890123456:role/broker (AssumedRoleUser); STS reachable',
    ]);
  });

  it('leaves the verdict alone when STS throttles the check', async () => {
    const { readiness } = harness([OK, THROTTLED, THROTTLED, THROTTLED, THROTTLED], 2);
    for (let i = 0; i < 5; i++) await readiness.checkNow();
    expect(readiness.status()).toEqual({ ready: true });
  });

  it('counts a check that throws as STS unreachable', async () => {
    const readiness = createIdentityReadiness({
      check: () => Promise.reject(new TypeError('boom')),
      intervalMs: 1000,
      failureThreshold: 1,
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    expect(await readiness.checkNow()).toEqual({ ready: false, reason: 'sts_unreachable' });
  });

  it('checks at start-up and then once per interval, never because someone asked for the status', async () => {
    vi.useFakeTimers();
    const { readiness, checks } = harness([OK, DOWN, DOWN, DOWN, DOWN]);
    await readiness.start();
    expect(checks()).toBe(1);
    for (let i = 0; i < 100; i++) readiness.status();
    expect(checks()).toBe(1);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(checks()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(checks()).toBe(2);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(checks()).toBe(4);
    readiness.stop();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(checks()).toBe(4);
  });

  it('runs one check at a time: concurrent callers share it', async () => {
    const { readiness, checks } = harness([OK]);
    await Promise.all([readiness.checkNow(), readiness.checkNow(), readiness.checkNow()]);
    expect(checks()).toBe(1);
  });
});
