import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BrokerError } from '../errors.js';
import { assertSafeValue, isSafeValue, type SafeValueKind } from './safe-segment.js';

function refusal(value: string, kind: SafeValueKind): string | undefined {
  try {
    assertSafeValue(value, 'the value', kind);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(BrokerError);
    expect((error as BrokerError).code).toBe('invalid_name');
    expect((error as BrokerError).detail.startsWith('the value ')).toBe(true);
    return (error as BrokerError).detail;
  }
}

describe('assertSafeValue: claims', () => {
  it.each(['alice', 'acme', 'a', 'alice@example.com', 'user+tag=1', 'A-Z_0.9', '123', '.hidden', '-x', 'x'.repeat(128)])(
    'accepts %j',
    (value) => expect(refusal(value, 'claim')).toBeUndefined(),
  );

  it.each([
    ['', 'empty'],
    ['x'.repeat(129), 'at most 128'],
    ['*', 'wildcard'],
    ['a*', 'wildcard'],
    ['a?b', 'wildcard'],
    ['..', '".."'],
    ['a..b', '".."'],
    ['.', '"."'],
    ['a/b', '"/"'],
    ['/', '"/"'],
    ['a\\b', '"/" or "\\"'],
    ['${sub}', '"${"'],
    ['a${', '"${"'],
    ['a\u0000b', 'control'],
    ['a\nb', 'control'],
    ['a\u001fb', 'control'],
    ['a\u007f', 'control'],
    ['a\u0085', 'control'],
    ['a\u009f', 'control'],
    [' alice', 'whitespace'],
    ['alice ', 'whitespace'],
    ['a b', 'A-Z a-z 0-9'],
    ['auth0|123', 'A-Z a-z 0-9'],
    ['a$b', 'A-Z a-z 0-9'],
    ['a{b}', 'A-Z a-z 0-9'],
    ['a%2Fb', 'A-Z a-z 0-9'],
    ['müller', 'A-Z a-z 0-9'],
    ['a\u200bb', 'A-Z a-z 0-9'],
    ['a#b', 'A-Z a-z 0-9'],
  ])('refuses %j (%s)', (value, reason) => {
    expect(refusal(value, 'claim')).toContain(reason);
  });

  it('names the value in the detail and never echoes it', () => {
    expect(() => assertSafeValue('a*secret*', 'claim "sub"')).toThrow(/claim "sub"/);
    try {
      assertSafeValue('a*secret*', 'claim "sub"');
    } catch (error) {
      expect((error as BrokerError).detail).not.toContain('secret');
    }
  });
});

describe('assertSafeValue: file names', () => {
  it.each([
    'me.png',
    'Photo 2024 (1).JPG',
    'report_v2-final,draft+1=ok@home.pdf',
    'résumé.pdf',
    '履歴書.pdf',
    'отчёт.docx',
    'हिन्दी.txt', // combining marks after letters
    'ملف.png',
    '.png',
    'x'.repeat(251) + '.png', // exactly 255 bytes
    'é'.repeat(125) + '.png', // 254 bytes in UTF-8, 129 characters
  ])('accepts %j', (value) => expect(refusal(value, 'fileName')).toBeUndefined());

  it.each([
    ['', 'empty'],
    ['x'.repeat(256), '255 bytes'],
    ['é'.repeat(128), '255 bytes'], // 256 bytes, 128 characters
    ['*.png', 'wildcard'],
    ['a?.png', 'wildcard'],
    ['..', '".."'],
    ['a..png', '".."'],
    ['.', '"."'],
    ['dir/a.png', '"/"'],
    ['dir\\a.png', '"\\"'],
    ['${sub}.png', '"${"'],
    ['a\u0000.png', 'control'],
    ['a\r\n.png', 'control'],
    ['a\u0090.png', 'control'],
    [' a.png', 'whitespace'],
    ['a.png ', 'whitespace'],
    ['a.png\u00a0', 'whitespace'], // NBSP is whitespace to String#trim
    ['e\u0301.png', 'NFC'], // decomposed é
    ['a\u200b.png', 'letters, digits'], // zero-width space
    ['a\u202egnp.exe', 'letters, digits'], // right-to-left override
    ['a\ufeff.png', 'letters, digits'],
    ['a%2f.png', 'letters, digits'],
    ['a#b.png', 'letters, digits'],
    ['a~b.png', 'letters, digits'],
    ['a\uff0fb.png', 'letters, digits'], // full-width solidus
    ['\u0301a.png', 'letters, digits'], // a combining mark may not lead
    ['a\u3000b.png', 'letters, digits'], // ideographic space
    ['😀.png', 'letters, digits'],
  ])('refuses %j (%s)', (value, reason) => {
    expect(refusal(value, 'fileName')).toContain(reason);
  });
});

describe('assertSafeValue: properties', () => {
  const forbidden = ['..', '/', '\\', '*', '?', '${'];
  const dangerous = fc.constantFrom('..', '.', '/', '\\', '*', '?', '${', '$', '{', ' ', '\t', '\u0000', '\u0085', '\u00a0', '\u200b', '#');
  /** Arbitrary text rich in the dangerous characters, plus arbitrary unicode: almost always refused. */
  const nasty = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ unit: fc.constantFrom('a', '.', '/', '\\', '*', '?', '$', '{', '}', ' ', '\u0000', '\u0085', 'é', '_'), maxLength: 12 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
  );
  /** A valid value with one dangerous piece spliced in: the case most likely to slip through a weak check. */
  const almost = (valid: fc.Arbitrary<string>) => fc.tuple(valid, dangerous, valid).map(([a, d, b]) => `${a}${d}${b}`);
  /** Whitespace at either end of a valid value. */
  const padded = (valid: fc.Arbitrary<string>) =>
    fc.tuple(valid, fc.constantFrom(' ', '\t', '\u00a0', '\u3000'), fc.boolean()).map(([v, w, lead]) => (lead ? w + v : v + w));

  // Claims: mostly valid identifiers with dots in every position, then lengths around the limit, then near misses.
  const claimPart = fc.stringMatching(/^[A-Za-z0-9_@+=-]{1,10}$/);
  const dottedClaim = fc
    .tuple(fc.constantFrom('', '', '', '.'), fc.array(claimPart, { minLength: 1, maxLength: 4 }), fc.constantFrom('', '', '', '.'))
    .map(([lead, parts, trail]) => lead + parts.join('.') + trail);
  const claimNearLimit = fc
    .tuple(fc.integer({ min: 120, max: 136 }), dottedClaim)
    .map(([length, head]) => (head + 'x'.repeat(length)).slice(0, length));
  const claim = fc.oneof(
    { arbitrary: dottedClaim, weight: 6 },
    { arbitrary: claimNearLimit, weight: 2 },
    { arbitrary: almost(dottedClaim), weight: 2 },
    { arbitrary: padded(dottedClaim), weight: 1 },
    { arbitrary: fc.constantFrom('', '.', '..', '...', 'a..', '..a'), weight: 1 },
    { arbitrary: nasty, weight: 1 },
  );

  // File names: letters and digits of many scripts with the allowed punctuation, an extension, sizes around the
  // 255-byte limit (one, two and three UTF-8 bytes per character), decomposed forms, and near misses.
  const stemPart = fc.oneof(
    fc.stringMatching(/^[\p{L}\p{N}]{1,6}$/u),
    fc.constantFrom('résumé', '履歴書', 'отчёт', 'हिन्दी', 'ملف', 'Photo', '2024', 'v2'),
  );
  const stem = fc
    .tuple(stemPart, fc.array(fc.tuple(fc.constantFrom(' ', '.', '_', '-', '(', ')', '+', ',', '=', '@', ''), stemPart), { maxLength: 3 }))
    .map(([first, rest]) => first + rest.map(([sep, part]) => sep + part).join(''));
  const extension = fc.constantFrom('png', 'JPG', 'pdf', 'tar.gz', 'docx', '');
  const validName = fc
    .tuple(fc.constantFrom('', '', '', '.'), stem, extension)
    .map(([lead, base, ext]) => (ext === '' ? lead + base : `${lead}${base}.${ext}`));
  const nameNearLimit = fc.tuple(fc.integer({ min: 240, max: 262 }), fc.constantFrom('x', 'é', '履')).map(([bytes, char]) => {
    const width = Buffer.byteLength(char);
    return `${char.repeat(Math.max(1, Math.floor((bytes - 4) / width)))}.png`;
  });
  const fileName = fc.oneof(
    { arbitrary: validName, weight: 6 },
    { arbitrary: nameNearLimit, weight: 2 },
    { arbitrary: almost(validName), weight: 2 },
    { arbitrary: padded(validName), weight: 1 },
    { arbitrary: validName.map((v) => v.normalize('NFD')), weight: 1 },
    { arbitrary: nasty, weight: 1 },
  );

  const RUNS = 3000;

  it('accepts exactly the documented claim alphabet: A-Z a-z 0-9 . _ @ + = -, 1 to 128 characters, no ".." and not "."', () => {
    const seen = { accepted: 0, acceptedWithDot: 0, refused: 0 };
    fc.assert(
      fc.property(claim, (value) => {
        // The rule as the module's contract states it, written out independently of the implementation.
        const expected = /^[A-Za-z0-9._@+=-]{1,128}$/.test(value) && !value.includes('..') && value !== '.';
        const accepted = isSafeValue(value, 'claim');
        expect(accepted, JSON.stringify(value)).toBe(expected);
        if (!accepted) seen.refused += 1;
        else {
          seen.accepted += 1;
          if (value.includes('.')) seen.acceptedWithDot += 1;
        }
      }),
      { numRuns: RUNS },
    );
    // The generators must reach both answers, and dots (the character closest to "..") must be accepted often.
    expect(seen.accepted).toBeGreaterThan(RUNS * 0.3);
    expect(seen.acceptedWithDot).toBeGreaterThan(RUNS * 0.25);
    expect(seen.refused).toBeGreaterThan(RUNS * 0.2);
  });

  it('no accepted file name contains .. / \\ * ? ${, control characters, outer whitespace, or more than 255 bytes', () => {
    const seen = { accepted: 0, acceptedWithDot: 0, acceptedNonAscii: 0, acceptedInnerSpace: 0, acceptedNearLimit: 0, refused: 0 };
    fc.assert(
      fc.property(fileName, (value) => {
        if (!isSafeValue(value, 'fileName')) {
          seen.refused += 1;
          return;
        }
        seen.accepted += 1;
        if (value.includes('.')) seen.acceptedWithDot += 1;
        if (/[^\x00-\x7f]/.test(value)) seen.acceptedNonAscii += 1;
        if (value.includes(' ')) seen.acceptedInnerSpace += 1;
        if (Buffer.byteLength(value) >= 240) seen.acceptedNearLimit += 1;
        for (const bad of forbidden) expect(value).not.toContain(bad);
        expect(value).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/u);
        expect(value.length).toBeGreaterThan(0);
        expect(Buffer.byteLength(value)).toBeLessThanOrEqual(255);
        expect(value.trim()).toBe(value);
        expect(value.normalize('NFC')).toBe(value);
        expect(value).not.toBe('.');
      }),
      { numRuns: RUNS },
    );
    expect(seen.accepted).toBeGreaterThan(RUNS * 0.3);
    expect(seen.acceptedWithDot).toBeGreaterThan(RUNS * 0.25);
    expect(seen.acceptedNonAscii).toBeGreaterThan(RUNS * 0.1);
    expect(seen.acceptedInnerSpace).toBeGreaterThan(RUNS * 0.03);
    expect(seen.acceptedNearLimit).toBeGreaterThan(RUNS * 0.05);
    expect(seen.refused).toBeGreaterThan(RUNS * 0.2);
  });

  it('a file name over 255 bytes in UTF-8 is refused, at or under it the length alone never refuses', () => {
    fc.assert(
      fc.property(nameNearLimit, (value) => {
        expect(isSafeValue(value, 'fileName')).toBe(Buffer.byteLength(value) <= 255);
      }),
      { numRuns: 300 },
    );
  });

  it('only BrokerError escapes, and only invalid_name', () => {
    fc.assert(
      fc.property(fc.oneof(claim, fileName), fc.constantFrom<SafeValueKind>('claim', 'fileName'), (value, kind) => {
        try {
          assertSafeValue(value, 'v', kind);
        } catch (error) {
          expect(error).toBeInstanceOf(BrokerError);
          expect((error as BrokerError).code).toBe('invalid_name');
        }
      }),
    );
  });
});
