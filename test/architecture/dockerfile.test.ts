/**
 * The production image, checked without a Docker engine (none on these machines): the Dockerfile is parsed, the
 * .dockerignore rules are applied to the repository's files to get the build context, and the HEALTHCHECK command
 * is run as it is written, with this machine's node, against a real HTTP server.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

interface Instruction {
  keyword: string;
  args: string;
  stage: number;
}

/** Instructions in order, with `\` continuations joined and comments dropped; `stage` counts FROMs from 0. */
function dockerfile(): Instruction[] {
  const logical = readFileSync(path.join(root, 'Dockerfile'), 'utf8')
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  let stage = -1;
  return logical.map((line) => {
    const [keyword = '', ...rest] = line.split(/\s+/);
    if (keyword.toUpperCase() === 'FROM') stage++;
    return { keyword: keyword.toUpperCase(), args: rest.join(' '), stage };
  });
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
    .map((i) => i.args.split(/\s+/)[0]!.replace(/\$\{(\w+)\}/g, (_, name: string) => defaults.get(name) ?? `<unset ${name}>`));
}

/** COPY sources taken from the build context (not `--from` another stage). */
function contextCopies(instructions: Instruction[]): string[] {
  return instructions
    .filter((i) => i.keyword === 'COPY' && !i.args.includes('--from='))
    .flatMap((i) => {
      const parts = i.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      return parts.slice(0, -1);
    });
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
    expect(final.filter((i) => i.keyword === 'CMD').at(-1)?.args).toBe('["node", "dist/main.js"]');
  });

  it('bounds the heap with the same node flags as npm run start:prod (and so as npm run bench)', () => {
    const last = Math.max(...instructions.map((i) => i.stage));
    const env = instructions.filter((i) => i.stage === last && i.keyword === 'ENV').map((i) => i.args);
    const nodeOptions = env.map((e) => /^NODE_OPTIONS="([^"]*)"$/.exec(e)?.[1]).find((v) => v !== undefined);
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const startProd = pkg.scripts['start:prod']!.split(/\s+/).filter((w) => w.startsWith('--'));
    expect(nodeOptions?.split(/\s+/)).toEqual(startProd);
    expect(startProd.some((f) => f.startsWith('--max-old-space-size='))).toBe(true);
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
      promisify(execFile)(process.execPath, argv.slice(1), { env: { PATH: process.env.PATH ?? '', PORT: String(port) } }).then(
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
