import { BrokerError, type ErrorCode } from '../../src/errors.js';

/** The BrokerError code `fn` throws, or undefined when it does not throw; any other error is rethrown. */
export function codeOf(fn: () => unknown): ErrorCode | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (error instanceof BrokerError) return error.code;
    throw error;
  }
}
