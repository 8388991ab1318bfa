/**
 * The little a store or cache needs from a logger. A pino logger satisfies it as it is; tests pass a collector.
 * Kept this narrow on purpose: nothing here may log a value, only event names, key hashes and error messages.
 */
export interface StoreLogger {
  warn(obj: Record<string, unknown>, msg?: string): void;
  info?(obj: Record<string, unknown>, msg?: string): void;
  debug?(obj: Record<string, unknown>, msg?: string): void;
}

export const silentLogger: StoreLogger = { warn: () => {} };

/** The message of an unknown thrown value, for logs (never the value itself: it might be an object holding a secret). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : typeof error;
}
