/**
 * The `cloud_identity` readiness check: can this replica get an identity from the credentials chain, and reach STS
 * with it? Checked once at start-up and then every `intervalMs` on a timer, one check at a time; `/readyz` only
 * reads the last verdict, so probes never cause an STS call, however often they come.
 *
 * Verdicts, so that one transient failure does not flap readiness:
 * - until the first check answers, not ready (`not_checked`); the first answer decides at once (a broker that
 *   starts without an identity is not ready from its first probe on);
 * - ready: it takes `failureThreshold` failed checks in a row to become not ready; a success resets the count;
 * - not ready: one successful check makes it ready again (the identity and STS just worked);
 * - an inconclusive check (STS throttled the call) changes nothing.
 * Each change of verdict is logged once, with the reason; not every check.
 */
import type { CallerIdentity, IdentityCheckOutcome, IdentityFailureReason } from './caller-identity.js';

export interface IdentityReadinessStatus {
  ready: boolean;
  /** Why not ready: the last failure's reason, or `not_checked` before the first check has answered. */
  reason?: IdentityFailureReason | 'not_checked';
}

export interface IdentityReadiness {
  status(): IdentityReadinessStatus;
  /** Runs one check now (or joins the one running) and returns the verdict after it. */
  checkNow(): Promise<IdentityReadinessStatus>;
  /** The first check, awaited; then one every interval until stop(). */
  start(): Promise<IdentityReadinessStatus>;
  stop(): void;
}

interface ReadinessLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface IdentityReadinessOptions {
  /** One check; must not throw (a throw counts as STS unreachable). */
  check: () => Promise<IdentityCheckOutcome>;
  intervalMs: number;
  failureThreshold: number;
  logger: ReadinessLogger;
}

const EVENT = 'cloud_identity';

const MESSAGES: Record<IdentityFailureReason, (detail: string) => string> = {
  no_cloud_identity: (detail) => `no cloud identity: ${detail}; /readyz fails until the credentials chain finds one`,
  sts_unreachable: (detail) => `STS cannot be reached with the broker's identity: ${detail}; /readyz fails until it can`,
  sts_rejected: (detail) => `STS refused the broker's identity: ${detail}; /readyz fails until it accepts it`,
};

function describeIdentity(identity: CallerIdentity): string {
  return identity.arn === '' ? identity.identityType : `${identity.arn} (${identity.identityType})`;
}

export function createIdentityReadiness(options: IdentityReadinessOptions): IdentityReadiness {
  const { logger, failureThreshold } = options;
  let status: IdentityReadinessStatus = { ready: false, reason: 'not_checked' };
  let failuresInRow = 0;
  let running: Promise<IdentityReadinessStatus> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function runCheck(): Promise<IdentityCheckOutcome> {
    try {
      return await options.check();
    } catch (error) {
      return { kind: 'failed', reason: 'sts_unreachable', detail: `the check failed: ${(error as Error)?.name ?? 'error'}` };
    }
  }

  function apply(outcome: IdentityCheckOutcome): void {
    if (outcome.kind === 'inconclusive') {
      logger.warn({ event: `${EVENT}.check_inconclusive`, check: EVENT, detail: outcome.detail }, outcome.detail);
      return;
    }
    if (outcome.kind === 'ok') {
      failuresInRow = 0;
      if (!status.ready) {
        status = { ready: true };
        const { identityType, accountId, arn } = outcome.identity;
        logger.info(
          { event: `${EVENT}.ok`, check: EVENT, identityType, accountId, arn },
          `cloud identity ok: ${describeIdentity(outcome.identity)}; STS reachable`,
        );
      }
      return;
    }
    failuresInRow++;
    const fields = { check: EVENT, reason: outcome.reason, detail: outcome.detail, upstream: outcome.upstream, failuresInRow };
    if (status.ready && failuresInRow < failureThreshold) {
      logger.warn(
        { event: `${EVENT}.check_failed`, ...fields, failureThreshold },
        `${EVENT} check failed (${failuresInRow} of ${failureThreshold} in a row before not ready): ${outcome.detail}`,
      );
      return;
    }
    if (!status.ready && status.reason === outcome.reason) return; // already said
    status = { ready: false, reason: outcome.reason };
    logger.error({ event: `${EVENT}.unavailable`, ...fields }, MESSAGES[outcome.reason](outcome.detail));
  }

  function checkNow(): Promise<IdentityReadinessStatus> {
    running ??= runCheck()
      .then((outcome) => {
        apply(outcome);
        return { ...status };
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => void checkNow().finally(schedule), options.intervalMs);
    // The check never keeps a process alive on its own (tools, tests, a shutdown that forgot it).
    timer.unref();
  }

  return {
    status: () => ({ ...status }),
    checkNow,
    async start() {
      const first = await checkNow();
      schedule();
      return first;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
