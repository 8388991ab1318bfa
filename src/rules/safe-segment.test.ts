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
  // Strings rich in the dangerous characters, plus arbitrary unicode.
  const nasty = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ unit: fc.constantFrom('a', '.', '/', '\\', '*', '?', '$', '{', '}', ' ', '\u0000', '\u0085', 'é', '_'), maxLength: 12 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
  );

  for (const kind of ['claim', 'fileName'] as const) {
    it(`no accepted ${kind} contains .. / \\ * ? \${ or control characters`, () => {
      fc.assert(
        fc.property(nasty, (value) => {
          if (!isSafeValue(value, kind)) return;
          for (const bad of forbidden) expect(value).not.toContain(bad);
          expect(value).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/u);
          expect(value.length).toBeGreaterThan(0);
          expect(value.trim()).toBe(value);
          expect(value).not.toBe('.');
        }),
        { numRuns: 2000 },
      );
    });
  }

  it('only BrokerError escapes, and only invalid_name', () => {
    fc.assert(
      fc.property(nasty, fc.constantFrom<SafeValueKind>('claim', 'fileName'), (value, kind) => {
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
