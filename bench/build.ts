/**
 * Builds the benchmark's child servers as plain JavaScript, so they run as production does (`node dist/main.js`)
 * rather than under the tsx loader, whose extra loader thread and transpile caches add ~30 MB of RSS and some CPU
 * to the process being measured.
 *
 * Each file of src/ and dev/emulator/ (tests excluded) and the bench's server files is transpiled on its own with TypeScript's
 * transpileModule (no type check: `npx tsc --noEmit` does that) into bench/results/build/, keeping the tree, so the
 * `.js` relative imports resolve as they do in dist/ and packages resolve from the project's node_modules.
 * Non-TypeScript files under src/ and openapi.yaml (read relative to src/app.ts) are copied alongside.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const BUILD_DIR = fileURLToPath(new URL('./results/build/', import.meta.url));
const BENCH_FILES = ['bench/server.ts', 'bench/protocol.ts'];

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** Returns the path of the built bench/server.js. */
export function buildServer(): string {
  rmSync(BUILD_DIR, { recursive: true, force: true });
  // dev/emulator: the sts child runs the STS emulator (which uses the policy grammar beside it).
  const sources = [...walk(join(ROOT, 'src')), ...walk(join(ROOT, 'dev', 'emulator')), ...BENCH_FILES.map((f) => join(ROOT, f))];
  const compilerOptions: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    // Plain ES modules: every import is kept as written (the sources already use `.js` relative specifiers).
    module: ts.ModuleKind.ESNext,
    esModuleInterop: true,
    isolatedModules: true,
    sourceMap: false,
  };
  for (const file of sources) {
    const rel = relative(ROOT, file);
    const target = join(BUILD_DIR, rel);
    mkdirSync(dirname(target), { recursive: true });
    if (file.endsWith('.test.ts') || file.endsWith('.d.ts')) continue;
    if (file.endsWith('.ts')) {
      const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions, fileName: file });
      writeFileSync(target.replace(/\.ts$/, '.js'), outputText);
    } else {
      copyFileSync(file, target);
    }
  }
  copyFileSync(join(ROOT, 'openapi.yaml'), join(BUILD_DIR, 'openapi.yaml'));
  // package.json "type": "module" makes the .js files ESM; the nearest package.json must say so.
  writeFileSync(join(BUILD_DIR, 'package.json'), JSON.stringify({ type: 'module', private: true }) + '\n');
  return join(BUILD_DIR, 'bench', 'server.js');
}
