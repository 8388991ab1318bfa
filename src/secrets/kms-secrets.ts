/**
 * Secrets held in KMS Secrets Manager, cached in memory and refreshed on an interval.
 *
 * Alibaba ships Secrets Manager caching clients for Java, Go and Python only
 * (https://www.alibabacloud.com/help/en/kms/key-management-service/developer-reference/secrets-manager-client), so
 * this is the Node equivalent: read every secret once at start-up (all or nothing: start-up fails closed), then again
 * every `refreshMs`, never per request (KMS limits calls per second on the shared gateway). Each refresh reads the
 * ACSCurrent and the ACSPrevious version, so keys can be rotated without losing what the previous key sealed.
 *
 * A failed refresh keeps the last good versions and is reported (log `secrets.refresh.failed`, the metrics
 * listener); it never throws into a request. Nothing here logs or reports a secret's value, only its env name, the
 * KMS secret name, version ids and error codes.
 */
import { ConfigError } from '../config/config-error.js';
import { systemClock, type Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { KeyRing } from './key-ring.js';

export const CURRENT_STAGE = 'ACSCurrent';
export const PREVIOUS_STAGE = 'ACSPrevious';
export type VersionStage = typeof CURRENT_STAGE | typeof PREVIOUS_STAGE;

export interface SecretVersion {
  value: string;
  versionId: string;
}

/** One GetSecretValue call. Resolves undefined when the secret has no version in that stage; rejects otherwise. */
export interface SecretReader {
  read(secretName: string, stage: VersionStage): Promise<SecretVersion | undefined>;
}

/** Says why a value cannot be used (e.g. "must be 32 bytes, base64-encoded"), or undefined when it can. */
export type SecretCheck = (value: string) => string | undefined;

export interface RefreshEvent {
  /** The env name the secret stands for, e.g. BROKER_CACHE_KEY. */
  name: string;
  ok: boolean;
  /** Epoch ms of the attempt. */
  at: number;
}

export interface KmsSecretsOptions {
  reader: SecretReader;
  /** Env name (BROKER_CACHE_KEY) → KMS secret name. */
  secrets: ReadonlyMap<string, string>;
  /** Checks per env name, applied to every version before it is used. */
  checks?: Readonly<Record<string, SecretCheck>>;
  refreshMs: number;
  clock?: Clock;
}

export interface KmsSecrets {
  /** The env names held here. */
  names(): string[];
  /** Reads every secret; throws ConfigError naming each one that cannot be read or used (no value in it). */
  load(): Promise<void>;
  /** Reads every secret again; keeps the last good versions of any that fail. Never throws. */
  refresh(): Promise<void>;
  /** The current value of a secret held here (after load). */
  current(name: string): string;
  /**
   * The current value, then the previous one when there is one (after load). The same frozen array until either
   * version changes, so a caller may memoize what it derives from it by identity.
   */
  values(name: string): readonly string[];
  /**
   * Adds a check for `name`, applied with the built-in one from the next refresh on: for checks that need the
   * configuration, which is read after the secrets (runtime/load-config.ts). A version it refuses is not used.
   */
  addCheck(name: string, check: SecretCheck): void;
  /** Calls `listener` with the new current value each time a refresh brings a new, usable version of `name`. */
  onChange(name: string, listener: (value: string) => void): void;
  /** A live key ring over a secret's current and previous versions, decoded by `decode` (after load). */
  keyRing(name: string, decode: (value: string) => Buffer): KeyRing;
  /** Starts the refresh timer (unref'd) and reports to `logger` and `listener` from now on. */
  start(logger: Pick<Logger, 'info' | 'warn' | 'error'>, listener?: (event: RefreshEvent) => void): void;
  close(): void;
}

interface Held {
  secretName: string;
  current: SecretVersion;
  previous: SecretVersion | undefined;
  /** Bumped when either version changes, so key rings re-decode only then. */
  generation: number;
  /** [current, previous?] values, frozen. */
  values: readonly string[];
}

/**
 * A reader error as something safe to log: the SDK's messages quote the signed request URL (AccessKeyId, signature
 * and the secret's name), so keep only the error code (`Forbidden.ResourceNotFound`, `ECONNREFUSED`).
 */
export function safeKmsError(error: unknown): string {
  const e = error as { code?: unknown; data?: { Code?: unknown }; name?: unknown } | undefined;
  const code = typeof e?.data?.Code === 'string' ? e.data.Code : typeof e?.code === 'string' ? e.code : undefined;
  if (code !== undefined) return code.replace(/Error$/, '').slice(0, 100);
  if (error instanceof SecretUnusableError) return error.message;
  return typeof e?.name === 'string' ? e.name.slice(0, 100) : 'unknown';
}

class SecretUnusableError extends Error {}

export function createKmsSecrets(options: KmsSecretsOptions): KmsSecrets {
  const { reader, refreshMs } = options;
  const clock = options.clock ?? systemClock;
  const checks = new Map<string, SecretCheck[]>(Object.entries(options.checks ?? {}).map(([name, check]) => [name, [check]]));
  const changeListeners = new Map<string, Array<(value: string) => void>>();
  const held = new Map<string, Held>();
  let logger: Pick<Logger, 'info' | 'warn' | 'error'> | undefined;
  let listener: ((event: RefreshEvent) => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  function usable(name: string, version: SecretVersion | undefined): SecretVersion | undefined {
    if (version === undefined) return undefined;
    for (const check of checks.get(name) ?? []) {
      const problem = check(version.value);
      if (problem !== undefined) throw new SecretUnusableError(`version ${version.versionId}: ${problem}`);
    }
    return version;
  }

  async function readBoth(name: string, secretName: string): Promise<{ current: SecretVersion; previous?: SecretVersion }> {
    const [current, previous] = await Promise.all([reader.read(secretName, CURRENT_STAGE), reader.read(secretName, PREVIOUS_STAGE)]);
    if (current === undefined) throw new SecretUnusableError('no ACSCurrent version');
    const checkedCurrent = usable(name, current)!;
    let checkedPrevious: SecretVersion | undefined;
    try {
      checkedPrevious = usable(name, previous);
    } catch (error) {
      // The previous version only ever opens and verifies; one that cannot be used is dropped, not fatal.
      logger?.warn(
        { event: 'secrets.previous.unusable', secret: name, kmsSecret: secretName, reason: safeKmsError(error) },
        'the previous version of a KMS secret cannot be used; values it sealed will not open',
      );
    }
    return checkedPrevious === undefined ? { current: checkedCurrent } : { current: checkedCurrent, previous: checkedPrevious };
  }

  function store(name: string, secretName: string, read: { current: SecretVersion; previous?: SecretVersion }): boolean {
    const before = held.get(name);
    const changed =
      before === undefined ||
      before.current.versionId !== read.current.versionId ||
      before.current.value !== read.current.value ||
      before.previous?.versionId !== read.previous?.versionId ||
      before.previous?.value !== read.previous?.value;
    if (!changed) return false;
    const values = Object.freeze(read.previous === undefined ? [read.current.value] : [read.current.value, read.previous.value]);
    held.set(name, { secretName, current: read.current, previous: read.previous, generation: (before?.generation ?? 0) + 1, values });
    return true;
  }

  function heldOrThrow(name: string): Held {
    const h = held.get(name);
    if (h === undefined) throw new Error(`secret ${name} is not loaded from KMS`);
    return h;
  }

  async function refreshOnce(): Promise<void> {
    await Promise.all(
      [...options.secrets].map(async ([name, secretName]) => {
        const at = clock.now();
        try {
          const read = await readBoth(name, secretName);
          if (store(name, secretName, read)) {
            logger?.info(
              {
                event: 'secrets.rotated',
                secret: name,
                kmsSecret: secretName,
                versionId: read.current.versionId,
                previousVersionId: read.previous?.versionId,
              },
              'a KMS secret has a new version: sealing and signing with it, still opening with the previous one',
            );
            const value = read.current.value;
            for (const listener of changeListeners.get(name) ?? []) listener(value);
          }
          listener?.({ name, ok: true, at });
        } catch (error) {
          logger?.error(
            { event: 'secrets.refresh.failed', secret: name, kmsSecret: secretName, reason: safeKmsError(error) },
            'could not refresh a KMS secret: keeping the last good version',
          );
          listener?.({ name, ok: false, at });
        }
      }),
    );
  }

  const secrets: KmsSecrets = {
    names: () => [...options.secrets.keys()],

    async load() {
      const problems: string[] = [];
      await Promise.all(
        [...options.secrets].map(async ([name, secretName]) => {
          try {
            store(name, secretName, await readBoth(name, secretName));
          } catch (error) {
            problems.push(`${name}_KMS_SECRET: cannot read KMS secret "${secretName}": ${safeKmsError(error)}`);
          }
        }),
      );
      if (problems.length > 0) throw new ConfigError(problems.sort());
    },

    refresh() {
      // One refresh at a time: a timer tick during a forced refresh joins it instead of doubling the KMS calls.
      running ??= refreshOnce().finally(() => {
        running = undefined;
      });
      return running;
    },

    current: (name) => heldOrThrow(name).current.value,

    values: (name) => heldOrThrow(name).values,

    addCheck(name, check) {
      checks.set(name, [...(checks.get(name) ?? []), check]);
    },

    onChange(name, listener) {
      changeListeners.set(name, [...(changeListeners.get(name) ?? []), listener]);
    },

    keyRing(name, decode) {
      heldOrThrow(name);
      let generation = -1;
      let keys: readonly Buffer[] = [];
      return {
        keys() {
          const h = heldOrThrow(name);
          if (h.generation !== generation) {
            const next = [decode(h.current.value)];
            if (h.previous !== undefined) next.push(decode(h.previous.value));
            keys = Object.freeze(next);
            generation = h.generation;
          }
          return keys;
        },
      };
    },

    start(log, onRefresh) {
      logger = log;
      listener = onRefresh;
      for (const [name, h] of held) {
        log.info(
          {
            event: 'secrets.loaded',
            secret: name,
            kmsSecret: h.secretName,
            versionId: h.current.versionId,
            previousVersionId: h.previous?.versionId,
          },
          'secret read from KMS',
        );
        onRefresh?.({ name, ok: true, at: clock.now() });
      }
      if (timer === undefined && options.secrets.size > 0) {
        timer = setInterval(() => void secrets.refresh(), refreshMs);
        timer.unref();
      }
    },

    close() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
  return secrets;
}
