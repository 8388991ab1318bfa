/**
 * The test layout: unit tests sit beside their code (src/**, dev/**) and take what they share from dev/testing/;
 * integration and end-to-end tests live in test/. So nothing beside the code, and nothing in dev/, imports test/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : tsFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** `file: specifier` for each relative import (static, re-export or dynamic) of a source that lands in test/. */
function importsOfTest(sources: Array<{ file: string; text: string }>): string[] {
  const testDir = path.join(root, 'test') + path.sep;
  return sources.flatMap(({ file, text }) =>
    ts
      .preProcessFile(text, true, true)
      .importedFiles.map((i) => i.fileName)
      .filter((spec) => spec.startsWith('.') && path.resolve(path.dirname(file), spec).startsWith(testDir))
      .map((spec) => `${path.relative(root, file)}: ${spec}`),
  );
}

describe('the test layout', () => {
  const beside = [...tsFiles(path.join(root, 'src')), ...tsFiles(path.join(root, 'dev'))];

  it('has unit tests beside the code, in src/ and dev/', () => {
    expect(beside.filter((f) => f.startsWith(path.join(root, 'src')) && f.endsWith('.test.ts')).length).toBeGreaterThan(40);
    expect(beside.filter((f) => f.startsWith(path.join(root, 'dev')) && f.endsWith('.test.ts')).length).toBeGreaterThan(5);
  });

  it('never imports test/ from src/ or dev/ (their shared helpers are in dev/testing/)', () => {
    expect(importsOfTest(beside.map((file) => ({ file, text: readFileSync(file, 'utf8') })))).toEqual([]);
  });

  it('would notice such an import, static, re-exported or dynamic', () => {
    const file = path.join(root, 'src/rules/example.test.ts');
    const text = [
      "import { codeOf } from '../../test/helpers/errors.js';",
      "export { ManualClock } from '../../test/store/helpers.js';",
      "const m = await import('../../test/helpers/broker.js');",
      "import { refusal } from '../../dev/testing/errors.js';",
    ].join('\n');
    expect(importsOfTest([{ file, text }])).toEqual([
      'src/rules/example.test.ts: ../../test/helpers/errors.js',
      'src/rules/example.test.ts: ../../test/store/helpers.js',
      'src/rules/example.test.ts: ../../test/helpers/broker.js',
    ]);
  });
});
