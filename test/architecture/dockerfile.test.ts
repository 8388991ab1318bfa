/**
 * The production image, checked without a Docker engine (none on these machines): the Dockerfile is parsed into
 * instructions, the .dockerignore rules are applied to the repository's files to get the build context, and the
 * image's files are worked out instruction by instruction, with `npm run build` run for real into a temporary
 * directory, so that every COPY source and the CMD entry point must exist where the Dockerfile says. The HEALTHCHECK
 * command is run as it is written, with this machine's node, against a real HTTP server.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

interface Instruction {
  keyword: string;
  /** Everything after the keyword, as written (continuations joined). */
  args: string;
  /** Leading `--name=value` options (COPY --from, HEALTHCHECK --interval). */
  flags: Record<string, string>;
  /** What follows the options: the items of a JSON array (exec form), or the words of the shell form. */
  argv: string[];
  form: 'exec' | 'shell';
  /** Counts FROMs from 0. */
  stage: number;
}

/**
 * Instructions in order, `\` continuations joined and comments dropped
 * (https://docs.docker.com/reference/dockerfile/#format, https://docs.docker.com/reference/dockerfile/#shell-and-exec-form).
 */
function parseDockerfile(text: string): Instruction[] {
  const logical = text
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  let stage = -1;
  return logical.map((line) => {
    const [word = '', ...rest] = line.split(/\s+/);
    const keyword = word.toUpperCase();
    const args = rest.join(' ');
    if (keyword === 'FROM') stage++;
    const flags: Record<string, string> = {};
    let body = args;
    for (let m = /^--([a-z-]+)=(\S+)\s*/.exec(body); m !== null; m = /^--([a-z-]+)=(\S+)\s*/.exec(body)) {
      flags[m[1]!] = m[2]!;
      body = body.slice(m[0].length);
    }
    const exec = body.startsWith('[') ? (JSON.parse(body) as string[]) : undefined;
    return { keyword, args, flags, argv: exec ?? body.split(/\s+/).filter((w) => w !== ''), form: exec ? 'exec' : 'shell', stage };
  });
}

function dockerfile(): Instruction[] {
  return parseDockerfile(readFileSync(path.join(root, 'Dockerfile'), 'utf8'));
}

/** FROM images with `${ARG}` defaults substituted. */
function baseImages(instructions: Instruction[]): string[] {
  const defaults = new Map<string, string>();
  for (const i of instructions) {
    const m = /^(\w+)=(\S+)$/.exec(i.args);
    if (i.keyword === 'ARG' && m) defaults.set(m[1]!, m[2]!);
  }
  return instructions
    .filter((i) => i.keyword === 'FROM')
    .map((i) => i.argv[0]!.replace(/\$\{(\w+)\}/g, (_, name: string) => defaults.get(name) ?? `<unset ${name}>`));
}

/** COPY sources taken from the build context (not `--from` another stage). */
function contextCopies(instructions: Instruction[]): string[] {
  return instructions.filter((i) => i.keyword === 'COPY' && i.flags.from === undefined).flatMap((i) => i.argv.slice(0, -1));
}

/**
 * Docker's .dockerignore semantics, enough for this file: patterns relative to the context root, `*` within one
 * path segment, `**` across segments, a pattern that matches a directory covers everything under it, `!` lets a
 * path back in, and the last matching rule wins (https://docs.docker.com/build/concepts/context/#dockerignore-files).
 */
function dockerignoreFilter(): (file: string) => boolean {
  const rules = readFileSync(path.join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const pattern = (negate ? line.slice(1) : line).replace(/^\/+|\/+$/g, '');
      const body = pattern
        .split('/')
        .map((seg) =>
          seg === '**'
            ? '.*'
            : seg
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]'),
        )
        .join('/')
        .replace(/\.\*\//g, '(.*/)?');
      return { negate, regex: new RegExp(`^${body}(/.*)?$`) };
    });
  return (file) => {
    let included = true;
    for (const rule of rules) if (rule.regex.test(file)) included = rule.negate;
    return included;
  };
}

/** Every file of the working tree except node_modules, dist and .git (what `docker build .` would start from). */
function workingTree(dir = root): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (dir === root && ['node_modules', '.git', 'dist'].includes(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...workingTree(full));
    else out.push(path.relative(root, full).split(path.sep).join('/'));
  }
  return out;
}

/** One stage's files as far as this repository provides them: image path → the file or directory here. */
interface StageFiles {
  name: string | undefined;
  workdir: string;
  mounts: Map<string, string>;
}

/** Where an absolute image path lives here, through the longest mount that holds it; undefined when none does. */
function locate(stage: StageFiles, imagePath: string): string | undefined {
  let best: [string, string] | undefined;
  for (const [at, host] of stage.mounts) {
    if ((imagePath === at || imagePath.startsWith(`${at}/`)) && (best === undefined || at.length > best[0].length)) best = [at, host];
  }
  if (best === undefined) return undefined;
  const host = path.join(best[1], path.posix.relative(best[0], imagePath));
  return existsSync(host) ? host : undefined;
}

/**
 * The image worked out from the instructions: WORKDIR, COPY from the context (through .dockerignore) or from an
 * earlier stage, and `RUN npm run build` as the `build` script's `tsc -p <config>`, whose output `builtDir` holds
 * (the base image and `npm ci` add nothing this checks). Every COPY source that is not there is a problem.
 */
function imageFiles(
  instructions: Instruction[],
  context: (file: string) => boolean,
  builtDir: string,
): { stages: StageFiles[]; problems: string[] } {
  const stages: StageFiles[] = [];
  const problems: string[] = [];
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  for (const i of instructions) {
    const stage = stages.at(-1);
    if (i.keyword === 'FROM') {
      const as = i.argv.findIndex((w) => w.toUpperCase() === 'AS');
      stages.push({ name: as >= 0 ? i.argv[as + 1] : undefined, workdir: '/', mounts: new Map() });
    } else if (stage === undefined) {
    } else if (i.keyword === 'WORKDIR') {
      stage.workdir = path.posix.resolve(stage.workdir, i.argv[0]!);
    } else if (i.keyword === 'COPY') {
      const sources = i.argv.slice(0, -1);
      const dest = path.posix.resolve(stage.workdir, i.argv.at(-1)!);
      const into = i.argv.at(-1)!.endsWith('/') || sources.length > 1;
      const from = i.flags.from === undefined ? undefined : stages.find((s) => s.name === i.flags.from);
      for (const source of sources) {
        let host: string | undefined;
        if (i.flags.from === undefined) {
          const rel = path.posix.normalize(source).replace(/\/$/, '');
          const candidate = path.join(root, rel);
          host = existsSync(candidate) && context(rel) ? candidate : undefined;
        } else {
          host = from === undefined ? undefined : locate(from, path.posix.resolve(from.workdir, source));
        }
        if (host === undefined) {
          problems.push(
            `COPY ${i.args}: ${source} is not in ${i.flags.from === undefined ? 'the build context' : `stage ${i.flags.from}`}`,
          );
          continue;
        }
        // A directory's contents go to dest; a file goes to dest, or into it when dest is a directory.
        const at = statSync(host).isDirectory() || !into ? dest : path.posix.join(dest, path.posix.basename(source));
        stage.mounts.set(at, host);
      }
    } else if (i.keyword === 'RUN' && /^npm run build$/.test(i.args)) {
      const config = /^tsc -p (\S+)$/.exec(pkg.scripts.build ?? '')?.[1];
      const configPath = config === undefined ? undefined : locate(stage, path.posix.resolve(stage.workdir, config));
      if (configPath === undefined || locate(stage, path.posix.resolve(stage.workdir, 'src')) === undefined) {
        problems.push(`RUN npm run build: the build's inputs (${pkg.scripts.build}, src/) are not in the stage`);
        continue;
      }
      const { compilerOptions } = JSON.parse(readFileSync(configPath, 'utf8')) as { compilerOptions: { outDir: string } };
      stage.mounts.set(path.posix.resolve(stage.workdir, path.posix.dirname(config!), compilerOptions.outDir), builtDir);
    }
  }
  return { stages, problems };
}

const DEV_PATHS = /^(dev|test|bench|deploy|coverage|node_modules|\.git|\.ci)(\/|$)/;

describe('the Dockerfile', () => {
  const instructions = dockerfile();

  it('builds on Node 24 in every stage', () => {
    const images = baseImages(instructions);
    expect(images.length).toBeGreaterThanOrEqual(2);
    for (const image of images) expect(image).toMatch(/^node:24(\.|-|$)/);
  });

  it('copies only the production build inputs from the context, never dev/, test/ or bench/', () => {
    const sources = contextCopies(instructions);
    expect(sources.filter((s) => DEV_PATHS.test(s.replace(/^\.\//, '')))).toEqual([]);
    expect(new Set(sources)).toEqual(
      new Set(['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'openapi.yaml']),
    );
  });

  it('ships dist/, production dependencies and openapi.yaml, as a non-root user, starting dist/main.js', () => {
    const last = Math.max(...instructions.map((i) => i.stage));
    const final = instructions.filter((i) => i.stage === last);
    const runs = final.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs.some((r) => /npm ci\b.*--omit=dev/.test(r))).toBe(true);
    const copies = final.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    expect(copies).toEqual(['package.json package-lock.json ./', '--from=build /app/dist ./dist', 'openapi.yaml ./openapi.yaml']);
    expect(final.find((i) => i.keyword === 'USER')?.args).toBe('node');
    const cmd = final.filter((i) => i.keyword === 'CMD').at(-1);
    expect(cmd?.form).toBe('exec');
    expect([cmd?.argv?.[0], cmd?.argv?.at(-1)]).toEqual(['node', 'dist/main.js']);
  });

  it('runs node with the same flags as npm run start:prod (and so as npm run bench): heap bounds and GC flags', () => {
    const last = Math.max(...instructions.map((i) => i.stage));
    const env = instructions.filter((i) => i.stage === last && i.keyword === 'ENV').map((i) => i.args);
    const nodeOptions = env.map((e) => /^NODE_OPTIONS="([^"]*)"$/.exec(e)?.[1]).find((v) => v !== undefined);
    const cmd = instructions.filter((i) => i.stage === last && i.keyword === 'CMD').at(-1);
    const cmdFlags = (cmd?.argv ?? []).filter((w) => w.startsWith('--'));
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const startProd = pkg.scripts['start:prod']!.split(/\s+/).filter((w) => w.startsWith('--'));
    // The heap bounds go in NODE_OPTIONS (so any node the image runs is bounded); the V8 flags NODE_OPTIONS refuses
    // go on the command line.
    expect([...(nodeOptions?.split(/\s+/) ?? []), ...cmdFlags]).toEqual(startProd);
    expect(startProd.some((f) => f.startsWith('--max-old-space-size='))).toBe(true);
    expect(cmdFlags).toContain('--no-allocation-site-pretenuring');
  });

  it('has a HEALTHCHECK that needs no curl: it works with node alone, and fails when the broker does not answer', async () => {
    const check = instructions.find((i) => i.keyword === 'HEALTHCHECK');
    expect(check).toBeDefined();
    const json = /CMD (\[.*\])$/.exec(check!.args)?.[1];
    const argv = JSON.parse(json!) as string[];
    expect(argv[0]).toBe('node');
    expect(check!.args).not.toMatch(/\b(curl|wget)\b/);

    let status = 200;
    const server = http.createServer((req, res) => {
      res.statusCode = req.url === '/healthz' ? status : 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const runCheck = () =>
      run(process.execPath, argv.slice(1), { env: { PATH: process.env.PATH ?? '', PORT: String(port) } }).then(
        () => 0,
        (error: { code?: number }) => error.code ?? -1,
      );
    try {
      expect(await runCheck()).toBe(0);
      status = 503;
      expect(await runCheck()).toBe(1);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(await runCheck()).toBe(1); // nothing listening any more
  });
});

describe('the image, with npm run build run for real', { timeout: 180_000 }, () => {
  const instructions = dockerfile();
  const context = dockerignoreFilter();
  let built: string;
  beforeAll(async () => {
    // `npm run build` is `tsc -p tsconfig.build.json`; the same compiler and configuration, into a directory of its own.
    built = mkdtempSync(path.join(tmpdir(), 'dockerfile-build-'));
    await run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', built], {
      cwd: root,
    });
  }, 180_000);
  afterAll(() => rmSync(built, { recursive: true, force: true }));

  const finalStage = () => {
    const { stages, problems } = imageFiles(instructions, context, built);
    return { final: stages.at(-1)!, problems };
  };

  it('finds every COPY source: in the build context, or in the stage it names, after the build', () => {
    const { final, problems } = finalStage();
    expect(problems).toEqual([]);
    expect(locate(final, '/app/package.json')).toBe(path.join(root, 'package.json'));
    expect(locate(final, '/app/dist/app.js')).toBe(path.join(built, 'app.js'));
  });

  it("starts a file of the build: CMD's script, resolved against WORKDIR, is the compiled src/main.ts", () => {
    const { final } = finalStage();
    const cmd = instructions.filter((i) => i.keyword === 'CMD').at(-1)!;
    expect(cmd.argv[0]).toBe('node');
    // The script is node's first argument that is not a flag.
    const script = cmd.argv.slice(1).find((w) => !w.startsWith('-'));
    const entry = locate(final, path.posix.resolve(final.workdir, script!));
    expect(entry).toBe(path.join(built, 'main.js'));
    expect(readFileSync(entry!, 'utf8')).toContain('BROKER_CONFIG');
  });

  it('holds every file the build reads beside itself (new URL(literal, import.meta.url)), such as openapi.yaml', () => {
    const { final } = finalStage();
    const distAt = '/app/dist';
    const reads: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith('.js')) {
          for (const m of readFileSync(full, 'utf8').matchAll(/new URL\((['"])([^'"]+)\1, import\.meta\.url\)/g)) {
            const fileAt = path.posix.join(distAt, path.relative(built, dir).split(path.sep).join('/'));
            reads.push(path.posix.resolve(fileAt, m[2]!));
          }
        }
      }
    };
    walk(built);
    expect(reads).toContain('/app/openapi.yaml');
    expect(reads.filter((imagePath) => locate(final, imagePath) === undefined)).toEqual([]);
  });

  it('would notice a wrong path: a COPY of a missing file, a --from of a missing directory, a CMD off the build', () => {
    const wrong = parseDockerfile(
      readFileSync(path.join(root, 'Dockerfile'), 'utf8')
        .replace('COPY openapi.yaml ./openapi.yaml', 'COPY openapi.yml ./openapi.yaml')
        .replace('COPY --from=build /app/dist ./dist', 'COPY --from=build /app/build ./dist')
        .replace('CMD ["node", "dist/main.js"]', 'CMD ["node", "dist/index.js"]'),
    );
    const { stages, problems } = imageFiles(wrong, context, built);
    expect(problems).toEqual([
      'COPY --from=build /app/build ./dist: /app/build is not in stage build',
      'COPY openapi.yml ./openapi.yaml: openapi.yml is not in the build context',
    ]);
    expect(locate(stages.at(-1)!, '/app/dist/index.js')).toBeUndefined();
  });
});

describe('the .dockerignore', () => {
  const included = dockerignoreFilter();
  const context = workingTree().filter(included);

  it('keeps dev/, test/, bench/, deploy/ and src/ tests out of the build context', () => {
    expect(context.filter((f) => DEV_PATHS.test(f) || f.endsWith('.test.ts'))).toEqual([]);
  });

  it('still holds every file the Dockerfile copies, and all of src/ except its tests', () => {
    for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'openapi.yaml', 'src/main.ts']) {
      expect(context).toContain(file);
    }
    const sources = workingTree().filter((f) => f.startsWith('src/') && !f.endsWith('.test.ts'));
    expect(sources.length).toBeGreaterThan(50);
    expect(sources.filter((f) => !included(f))).toEqual([]);
  });
});
