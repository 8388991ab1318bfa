/** What a call throws or a promise rejects with: the broker's own errors, or any error a client library raises. */
import { expect } from 'vitest';
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

/** The BrokerError code `promise` rejects with, or undefined when it resolves; any other error is rethrown. */
export async function rejectionCodeOf(promise: Promise<unknown>): Promise<ErrorCode | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    if (error instanceof BrokerError) return error.code;
    throw error;
  }
}

/** The BrokerError `promise` rejects with; fails the test when it resolves or rejects with anything else. */
export async function refusal(promise: Promise<unknown>): Promise<BrokerError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BrokerError);
  return err as BrokerError;
}

/** What `fn` rejects with, its fields readable (fails the test when it does not reject). */
export async function thrown(fn: () => Promise<unknown>): Promise<Record<string, unknown> & Error> {
  try {
    await fn();
  } catch (err) {
    return err as Record<string, unknown> & Error;
  }
  throw new Error('expected a rejection');
}
