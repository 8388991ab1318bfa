/**
 * What the benchmark's child processes run:
 * - the broker is the compiled build, `npm run build` → dist/, exactly what `npm run start:prod` and the image run;
 * - the harness around it (bench/server.ts, bench/protocol.ts) and the STS emulator (dev/, which production never
 *   contains) are transpiled file by file with TypeScript's transpileModule into bench/results/build/, keeping the
 *   tree so their relative `.js` imports resolve and packages resolve from the project's node_modules.
 * The harness loads the broker from dist/ by absolute path (bench/server.ts), never from src/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const DIST_DIR = join(ROOT, 'dist');
const HARNESS_DIR = fileURLToPath(new URL('./results/build/', import.meta.url));
const HARNESS_FILES = ['bench/server.ts', 'bench/protocol.ts'];
/** The STS emulator and the policy evaluator it uses; the rest of dev/ is not needed by any child. */
const DEV_DIRS = ['dev/emulator'];

export interface BuiltServers {
  /** bench/server.js in the harness build, the entry of every child process. */
  serverEntry: string;
  /** The broker's compiled build (dist/). */
  distDir: string;
  /** Seconds `npm run build` took. */
  buildSeconds: number;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

export function buildServers(): BuiltServers {
  const started = performance.now();
  // The production build, as the Dockerfile and start:prod use it (type-checked: a broken tree stops the bench).
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const buildSeconds = (performance.now() - started) / 1000;
  if (!statSync(join(DIST_DIR, 'app.js')).isFile()) throw new Error('npm run build did not produce dist/app.js');

  rmSync(HARNESS_DIR, { recursive: true, force: true });
  const sources = [...DEV_DIRS.flatMap((d) => walk(join(ROOT, d))), ...HARNESS_FILES.map((f) => join(ROOT, f))];
  const compilerOptions: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    // Plain ES modules: every import is kept as written (the sources already use `.js` relative specifiers).
    module: ts.ModuleKind.ESNext,
    esModuleInterop: true,
    isolatedModules: true,
    sourceMap: false,
  };
  for (const file of sources) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts') || file.endsWith('.d.ts')) continue;
    const target = join(HARNESS_DIR, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions, fileName: file });
    writeFileSync(target, outputText);
  }
  // package.json "type": "module" makes the .js files ESM; the nearest package.json must say so.
  writeFileSync(join(HARNESS_DIR, 'package.json'), JSON.stringify({ type: 'module', private: true }) + '\n');
  return { serverEntry: join(HARNESS_DIR, 'bench', 'server.js'), distDir: DIST_DIR, buildSeconds };
}
