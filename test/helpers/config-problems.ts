import { expect } from 'vitest';
import { ConfigError } from '../../src/config/index.js';

/** The problems a configuration call refuses with; fails the test when it throws anything else, or nothing. */
export function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}
