/**
 * Production and development live apart (the emulators, the dev issuer, local mode and the demo are in dev/).
 * This walks the production import graph from every file the build compiles and fails if any import reaches
 * outside src/, or names a package that `npm ci --omit=dev` (the image) does not install.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

/** The files `npm run build` compiles, as tsc itself resolves them from tsconfig.build.json. */
function buildRootFiles(): string[] {
  const configPath = path.join(root, 'tsconfig.build.json');
  const { config } = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  return ts.parseJsonConfigFileContent(config, ts.sys, root).fileNames.map((f) => path.resolve(f));
}

/** Every module specifier of one file: static imports, re-exports, dynamic `import()` with a literal. */
function specifiers(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      found.push(arg && ts.isStringLiteral(arg) ? arg.text : '<non-literal dynamic import>');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

/** Walks from the build's files through every relative import; returns each problem found. */
function walkProductionGraph(): { visited: Set<string>; problems: string[] } {
  const src = path.join(root, 'src') + path.sep;
  const queue = buildRootFiles();
  const visited = new Set<string>();
  const problems: string[] = [];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (visited.has(file)) continue;
    visited.add(file);
    const rel = path.relative(root, file);
    if (!file.startsWith(src)) problems.push(`${rel}: outside src/`);
    for (const spec of specifiers(file)) {
      if (spec.startsWith('.')) {
        queue.push(path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts'));
      } else if (spec.startsWith('node:') || builtinModules.includes(spec)) {
      } else if (!(packageName(spec) in pkg.dependencies)) {
        problems.push(`${rel}: imports ${spec}, which is not a production dependency`);
      }
    }
  }
  return { visited, problems };
}

describe('the production tree', () => {
  it('compiles src/ only, without tests', () => {
    const files = buildRootFiles().map((f) => path.relative(root, f));
    expect(files).toContain(path.join('src', 'main.ts'));
    expect(files.filter((f) => !f.startsWith(`src${path.sep}`) || f.endsWith('.test.ts'))).toEqual([]);
  });

  it('never imports the development tree, tests, or a development-only package', () => {
    const { visited, problems } = walkProductionGraph();
    expect(visited.size).toBeGreaterThan(50);
    expect(problems).toEqual([]);
  });

  it('would notice an import of the development tree', () => {
    // The walker itself, on a file that does import dev/: the check above can fail.
    expect(specifiers(path.join(root, 'dev/local/main.ts'))).toContain('./start-local.js');
    expect(specifiers(path.join(root, 'dev/local/start-local.ts')).some((s) => s.startsWith('../../src/'))).toBe(true);
  });
});
