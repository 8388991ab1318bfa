/**
 * Profiles written before `areas` and list claims existed must load and behave exactly as they did: the same parsed
 * configuration, byte-identical session policies and the same token-cache keys (so a rolling upgrade keeps every
 * cached token). single-prefix-golden.json was recorded from the code before areas were added, with the variants
 * of dev/testing/single-prefix-variants.ts; it is a record, never regenerated to make this test pass.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { singlePrefixOutputs } from '../../dev/testing/single-prefix-variants.js';

const recorded = JSON.parse(readFileSync(new URL('./single-prefix-golden.json', import.meta.url), 'utf8')) as ReturnType<
  typeof singlePrefixOutputs
>;

describe('single-prefix profiles are unchanged', () => {
  const now = singlePrefixOutputs();

  it('covers every recorded variant (220 profiles)', () => {
    expect(Object.keys(now.profiles).sort()).toEqual(Object.keys(recorded.profiles).sort());
    expect(Object.keys(recorded.profiles)).toHaveLength(220);
  });

  it('parses to the same configuration', () => {
    expect(now.configSha256).toBe(recorded.configSha256);
  });

  it('gives byte-identical session policies and the same token-cache keys', () => {
    const changed = Object.keys(recorded.profiles).filter((name) => now.profiles[name] !== recorded.profiles[name]);
    expect(changed).toEqual([]);
  });
});
