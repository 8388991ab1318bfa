/**
 * Production and development live apart (the emulators, the dev issuer, local mode and the demo are in dev/).
 * This walks the production import graph from every file the build compiles and fails if any import reaches
 * outside src/, or names a package that `npm ci --omit=dev` (the image) does not install.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
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

/**
 * Walks from `entries` through every relative import; returns each problem found: a file outside `<tree>/src/`, or
 * a package that is not in `dependencies`.
 */
function walkProductionGraph(
  entries: string[],
  tree = root,
  dependencies: Record<string, string> = pkg.dependencies,
): { visited: Set<string>; problems: string[] } {
  const src = path.join(tree, 'src') + path.sep;
  const queue = [...entries];
  const visited = new Set<string>();
  const problems: string[] = [];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (visited.has(file)) continue;
    visited.add(file);
    const rel = path.relative(tree, file).split(path.sep).join('/');
    if (!file.startsWith(src)) problems.push(`${rel}: outside src/`);
    for (const spec of specifiers(file)) {
      if (spec.startsWith('.')) {
        queue.push(path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts'));
      } else if (spec.startsWith('node:') || builtinModules.includes(spec)) {
      } else if (!(packageName(spec) in dependencies)) {
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
    const { visited, problems } = walkProductionGraph(buildRootFiles());
    expect(visited.size).toBeGreaterThan(50);
    expect(problems).toEqual([]);
  });

  it('would notice an import of the development tree, of tests, or of a development-only package', () => {
    // The same walker on a small tree written here: src/main.ts reaches dev/ statically, test/ through a re-export
    // two files down, and dev/ again through a dynamic import; one src file names a devDependency.
    const tree = mkdtempSync(path.join(tmpdir(), 'production-tree-'));
    const write = (file: string, text: string) => {
      mkdirSync(path.dirname(path.join(tree, file)), { recursive: true });
      writeFileSync(path.join(tree, file), text);
    };
    try {
      write('src/main.ts', "import { start } from '../dev/local/start.js';\nimport './lib/util.js';\nstart();\n");
      write('src/lib/util.ts', "import { z } from 'zod';\nexport { helper } from './helper.js';\nexport const s = z.string();\n");
      write('src/lib/helper.ts', "export { helper } from '../../test/helpers/thing.js';\n");
      write('src/lib/lazy.ts', "export const load = () => import('../../dev/emulator/sts/index.js');\n");
      write('src/lib/typed.ts', "import ts from 'typescript';\nexport const v = ts.version;\n");
      write('dev/local/start.ts', 'export function start(): void {}\n');
      write('test/helpers/thing.ts', 'export const helper = 1;\n');
      write('dev/emulator/sts/index.ts', 'export {};\n');
      const entries = ['src/main.ts', 'src/lib/lazy.ts', 'src/lib/typed.ts'].map((f) => path.join(tree, f));
      const { visited, problems } = walkProductionGraph(entries, tree, { zod: '^4' });
      expect(visited.size).toBe(8);
      expect(problems.sort()).toEqual([
        'dev/emulator/sts/index.ts: outside src/',
        'dev/local/start.ts: outside src/',
        'src/lib/typed.ts: imports typescript, which is not a production dependency',
        'test/helpers/thing.ts: outside src/',
      ]);
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });
});
