/**
 * Every command and code snippet in README.md and docs/*.md is checked against what it names, so the documentation
 * cannot drift from the code unnoticed:
 * - shell: every program is one this test knows; `npm` scripts, `npx` tools and the files they are given exist;
 *   `curl` calls a route of openapi.yaml with a method it has, and its JSON body is a valid request; `docker compose`
 *   is given the secret files its compose file reads, and so are the steps in the compose file's own header; `node`
 *   runs a file that exists or that the page shows (test/docs/local-run.test.ts also runs the local-mode ones);
 * - JSON parses, and an example marked `<!-- openapi: METHOD PATH STATUS [media type] -->` is a valid response;
 * - YAML parses, and a configuration example (its top-level keys are configuration sections) validates with the
 *   broker's own loader, over deploy/config.example.yaml;
 * - JavaScript is either a file under test/clients/snippets/ that a test runs, verbatim, a whole file the page shows
 *   (`<!-- file: <name> -->`) that a test reads from the page and runs, or is type-checked with those files as its
 *   imports; Java and Swift have no compiler here, so of them only the broker URLs are checked;
 * - every relative link and anchor resolves, every repository path in a code span exists, every broker URL is a
 *   route; the API table, the error table and the configuration tables list exactly what the code has.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { configSchema } from '../../src/config/index.js';
import { parseConfig } from '../../src/runtime/load-config.js';
import { ERROR_TABLE } from '../../src/errors.js';
import { type CodeBlock, codeSpans, documentationPages, linksOf, type Page, parsePage, ROOT } from './markdown.js';
import { SUBST, shellCommands } from './shell.js';
import { operations, requestBodyProblems, responseProblems, routeOf } from './spec.js';

const pages = documentationPages();
const page = (path: string) => pages.find((p) => p.path === path)!;
const blocks = pages.flatMap((p) => p.blocks);
const where = (b: { page: string; line: number }) => `${b.page}:${b.line}`;
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const exists = (path: string) => existsSync(join(ROOT, path));
const scripts: Record<string, string> = JSON.parse(read('package.json')).scripts;

const LANGUAGES = ['sh', 'json', 'yaml', 'js', 'ts', 'java', 'swift'];
/** Programs that only shape text or files: nothing of the project's to check. */
const PLAIN_PROGRAMS = new Set(['jq', 'sed', 'printf', 'mkdir', 'openssl', 'echo', 'cat']);
const TABLE_WIDTH = 120;

// ---------------------------------------------------------------------------------------------------------- shell

function npmProblems(args: string[]): string[] {
  const [command, script] = args;
  if (command === 'install' || command === 'ci') return [];
  if (command === 'start' || command === 'test') return scripts[command] ? [] : [`npm ${command}: no such script`];
  if (command === 'run') return script && scripts[script] ? [] : [`npm run ${script}: no such script in package.json`];
  return [`npm ${command}: not a command the documentation should need`];
}

function npxProblems(args: string[]): string[] {
  const [tool, ...rest] = args;
  if (!tool || !exists(`node_modules/.bin/${tool}`)) return [`npx ${tool}: no such tool in node_modules/.bin`];
  const operands = rest.filter((a) => !a.startsWith('-'));
  const paths = tool === 'tsx' ? operands.slice(0, 1) : tool === 'vitest' || tool === 'biome' ? operands.slice(1) : [];
  return paths.filter((p) => !exists(p)).map((p) => `npx ${tool} ${p}: no such file`);
}

/**
 * Hosts a documented curl may call: the local broker, the production build run against local mode
 * (LOCAL_PROD_PORT, 8090), or a production one of the examples.
 */
const BROKER_HOST = /^(localhost|127\.0\.0\.1):(8080|8090)$|^[a-z-]*broker\.example\.com$/;

function curlProblems(args: string[]): string[] {
  const WITH_VALUE = new Set(['-X', '-H', '-d', '--data', '--data-raw', '-F', '--form', '--form-string', '-o', '-w']);
  let method: string | undefined;
  let data: string | undefined;
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (WITH_VALUE.has(a)) {
      const value = args[++i] ?? '';
      if (a === '-X') method = value;
      if (a === '-d' || a === '--data' || a === '--data-raw') data = value;
    } else if (!a.startsWith('-')) operands.push(a);
  }
  // Options a substitution writes (a form's fields, from the previous answer) are not operands to check.
  const [target, ...more] = operands.filter((o, i) => i === 0 || o !== SUBST);
  if (target === undefined || more.length > 0) return [`curl: expected one URL, found ${operands.join(' ')}`];
  if (target.includes(SUBST)) return []; // a URL the previous answer gave (a form's bucket URL)
  const url = new URL(/^https?:\/\//.test(target) ? target : `http://${target}`);
  if (!BROKER_HOST.test(url.host)) return [`curl ${url.host}: not the local broker nor an example broker host`];
  const template = routeOf(url.pathname);
  if (!template) return [`curl ${url.pathname}: no such route in openapi.yaml`];
  const verb = method ?? (data === undefined ? 'GET' : 'POST');
  if (!operations().some((o) => o.method === verb && o.path === template && !o.refusedMethod)) {
    return [`curl -X ${verb} ${url.pathname}: openapi.yaml has no such operation`];
  }
  if (data === undefined) return [];
  let body: unknown;
  try {
    body = JSON.parse(data);
  } catch {
    return [`curl ${url.pathname}: the body is not JSON: ${data}`];
  }
  return requestBodyProblems(verb, template, body);
}

/** An image reference as docker takes it: `[registry/]repository[:tag]`, lowercase repository. */
const IMAGE = /^[a-z0-9.-]+(?::\d+)?\/[a-z0-9._/-]+(?::[A-Za-z0-9._-]+)?$/;

/** Building and publishing the image (docs/deployment.md, ACR): the Dockerfile and build context exist. */
function imageProblems(args: string[]): string[] {
  const [command, ...rest] = args;
  const operands = rest.filter((a, i) => !a.startsWith('-') && !['-t', '-f', '--platform', '--format'].includes(rest[i - 1] ?? ''));
  if (command === 'login') return operands.length === 1 ? [] : [`docker login: expected one registry`];
  if (command === 'push' || command === 'inspect') {
    return operands.length === 1 && IMAGE.test(operands[0]!) ? [] : [`docker ${command}: expected one image, found ${operands.join(' ')}`];
  }
  if (command === 'build') {
    const tag = rest[rest.indexOf('-t') + 1];
    const dockerfile = rest.includes('-f') ? rest[rest.indexOf('-f') + 1]! : join(operands[0] ?? '', 'Dockerfile');
    const problems = [];
    if (operands.length !== 1 || !exists(operands[0]!)) problems.push(`docker build: no such build context ${operands.join(' ')}`);
    if (!exists(dockerfile)) problems.push(`docker build: no such Dockerfile ${dockerfile}`);
    if (!rest.includes('-t') || !IMAGE.test(tag ?? '')) problems.push(`docker build: expected -t <registry>/<repository>:<tag>`);
    return problems;
  }
  return [`docker ${args.join(' ')}: not a docker command the documentation should need`];
}

function composeProblems(args: string[], written: string[]): string[] {
  if (['build', 'login', 'push', 'inspect'].includes(args[0] ?? '')) return imageProblems(args);
  const file = args[args.indexOf('-f') + 1];
  if (args[0] !== 'compose' || !file) return [`docker ${args.join(' ')}: only "docker compose -f <file>" is checked`];
  if (!exists(file)) return [`docker compose -f ${file}: no such file`];
  const compose = parseYaml(read(file)) as { secrets?: Record<string, { file?: string }> };
  return Object.values(compose.secrets ?? {})
    .map((s) => normalize(join(dirname(file), s.file ?? '')))
    .filter((secret) => !written.includes(secret))
    .map((secret) => `docker compose -f ${file}: reads ${secret}, which the commands before it do not create`);
}

/** `node <file>`: a file of the repository, or one the same page shows in a block marked `<!-- file: <name> -->`. */
function nodeProblems(args: string[], shown: string[]): string[] {
  const [script, ...rest] = args.filter((a) => !a.startsWith('-'));
  if (script === undefined || rest.length > 0) return [`node ${args.join(' ')}: expected one script`];
  return exists(script) || shown.includes(script) ? [] : [`node ${script}: neither a file here nor one the page shows`];
}

function kubectlProblems(args: string[]): string[] {
  if (args[0] === 'kustomize') return exists(args[1] ?? '') ? [] : [`kubectl kustomize ${args[1]}: no such path`];
  return args.flatMap((a, i) =>
    (a === '-f' || a === '-k') && !exists(args[i + 1] ?? '') ? [`kubectl ${a} ${args[i + 1]}: no such path`] : [],
  );
}

/** The names of the files a page shows in full (a block marked `<!-- file: <name> -->`), which a test runs. */
const FILE_MARKER = /^file:\s+(\S+)$/;
const shownFiles = (path: string) => blocks.filter((b) => b.page === path).flatMap((b) => FILE_MARKER.exec(b.marker ?? '')?.[1] ?? []);

function shellProblems(text: string, shown: string[] = []): string[] {
  const problems: string[] = [];
  const written: string[] = [];
  for (const command of shellCommands(text)) {
    // `export NAME=value`: an assignment like any other.
    const { words, writes } =
      command.words[0] === 'export' ? { ...command, words: command.words.filter((w, i) => i > 0 && !w.includes('=')) } : command;
    const [program, ...args] = words;
    if (program === undefined) {
      written.push(...writes.map((w) => normalize(w)));
      continue;
    }
    if (program === 'npm') problems.push(...npmProblems(args));
    else if (program === 'npx') problems.push(...npxProblems(args));
    else if (program === 'curl') problems.push(...curlProblems(args));
    else if (program === 'docker') problems.push(...composeProblems(args, written));
    else if (program === 'kubectl') problems.push(...kubectlProblems(args));
    else if (program === 'node') problems.push(...nodeProblems(args, shown));
    else if (!PLAIN_PROGRAMS.has(program)) problems.push(`${program}: a program test/docs/snippets.test.ts does not know how to check`);
    written.push(...writes.map((w) => normalize(w)));
  }
  return problems;
}

// ----------------------------------------------------------------------------------------------------- json, yaml

function jsonProblems(block: CodeBlock): string[] {
  let value: unknown;
  try {
    value = JSON.parse(block.text);
  } catch (error) {
    return [`not JSON: ${(error as Error).message}`];
  }
  const marker = block.marker?.match(/^openapi:\s+([A-Z]+)\s+(\S+)\s+(\d{3})(?:\s+(\S+))?$/);
  if (!marker) {
    return block.page === 'docs/api.md' ? ['an API example must say what it shows: <!-- openapi: METHOD PATH STATUS [media type] -->'] : [];
  }
  const [, method, path, status, media] = marker;
  const mediaType = media ?? (Number(status) >= 400 ? 'application/problem+json' : 'application/json');
  return responseProblems(method!, path!, status!, mediaType, value);
}

const CONFIG_SECTIONS = new Set(Object.keys(configSchema.shape));
const example = parseYaml(read('deploy/config.example.yaml')) as Record<string, unknown>;

function yamlProblems(text: string): string[] {
  const problems: string[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      problems.push(...doc.errors.map((e) => e.message));
      continue;
    }
    const value = doc.toJS() as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) continue;
    if (!Object.keys(value).every((key) => CONFIG_SECTIONS.has(key))) continue;
    // A configuration example: its sections replace the example's, over a store the production rules accept.
    const base = {
      ...example,
      redis: { ...(example.redis as object), url: 'redis://127.0.0.1:6379' },
      cache: { ...(example.cache as object), encryptionKey: randomBytes(32).toString('base64') },
      uploads: { ...(example.uploads as object), grantKey: randomBytes(32).toString('base64') },
    };
    try {
      parseConfig({ ...base, ...(value as object) });
    } catch (error) {
      problems.push(`not a valid configuration: ${(error as Error).message}`);
    }
  }
  return problems;
}

// ------------------------------------------------------------------------------------------------------ JavaScript

const SNIPPET_DIR = 'test/clients/snippets';
const snippetFiles = readdirSync(join(ROOT, SNIPPET_DIR)).map((name) => `${SNIPPET_DIR}/${name}`);

/** The test code that may run a snippet file: every test source but the snippets and this file (whose prelude names them). */
function testSources(dir = join(ROOT, 'test')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = relative(ROOT, join(dir, e.name));
    if (e.isDirectory()) return path === SNIPPET_DIR ? [] : testSources(join(dir, e.name));
    return /\.(ts|mjs)$/.test(e.name) && path !== 'test/docs/snippets.test.ts' ? [read(path)] : [];
  });
}

/** What a type-checked snippet may use without declaring it: the snippet files, and the page's own variables. */
const PRELUDE = [
  "import { createUploader } from '../clients/snippets/ali-oss-uploader.mjs';",
  "import { uploadWithForm } from '../clients/snippets/form-upload.mjs';",
  'declare const file: File;',
  'declare const idToken: string;',
  'declare function getIdToken(): Promise<string>;',
  'export {};',
];

/** Type-checks the snippets as TypeScript modules (strict, the repository's settings), one file each. */
function typeProblems(snippets: CodeBlock[]): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noUncheckedIndexedAccess: true,
    esModuleInterop: true,
    skipLibCheck: true,
    allowJs: true,
    checkJs: false,
    noEmit: true,
    types: ['node'],
  };
  const files = new Map(
    snippets.map((b, i) => [join(ROOT, `test/docs/snippet-${i}.ts`), { block: b, text: `${PRELUDE.join('\n')}\n${b.text}` }]),
  );
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) => {
    const virtual = files.get(name);
    return virtual ? ts.createSourceFile(name, virtual.text, language) : getSourceFile.call(host, name, language, ...rest);
  };
  host.fileExists = (name) => files.has(name) || fileExists.call(host, name);
  host.readFile = (name) => files.get(name)?.text ?? readFile.call(host, name);
  const program = ts.createProgram([...files.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).flatMap((d) => {
    const virtual = d.file && files.get(d.file.fileName);
    if (!virtual) return d.file ? [] : [ts.flattenDiagnosticMessageText(d.messageText, '\n')];
    const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
    return [
      `${virtual.block.page}:${virtual.block.line + 1 + line - PRELUDE.length}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
    ];
  });
}

// ---------------------------------------------------------------------------------------------- the configuration

interface SchemaPaths {
  /** Every field, object, list and map in the schema, as `server.port`, `clients[].keys[].id`, `profiles.<name>`. */
  nodes: Set<string>;
  /** The fields that hold values (refused `never` fields left out). */
  leaves: Set<string>;
}

function schemaPaths(): SchemaPaths {
  const nodes = new Set<string>();
  const leaves = new Set<string>();
  // biome-ignore lint/suspicious/noExplicitAny: zod's internal definition, walked by its `type`
  const walk = (schema: any, path: string): void => {
    const def = schema._zod.def;
    if (path) nodes.add(path);
    switch (def.type) {
      case 'object':
        for (const [key, value] of Object.entries(def.shape)) walk(value, path ? `${path}.${key}` : key);
        return;
      case 'optional':
      case 'default':
      case 'prefault':
      case 'nullable':
      case 'readonly':
        walk(def.innerType, path);
        return;
      case 'pipe':
        walk(def.in, path);
        return;
      case 'array':
        walk(def.element, `${path}[]`);
        return;
      case 'union':
        for (const option of def.options) walk(option, path);
        return;
      case 'record':
        walk(def.valueType, `${path}.<name>`);
        return;
      case 'never':
        nodes.delete(path);
        return;
      default:
        leaves.add(path);
    }
  };
  walk(configSchema, '');
  return { nodes, leaves };
}

/** The fields the configuration page documents: the first column of every `field` table, under its section. */
function documentedFields(configuration: Page): Array<{ field: string; line: number }> {
  return configuration.tables
    .filter((t) => t.header[0] === 'field')
    .flatMap((t) => {
      const section = codeSpans(t.heading)[0];
      return t.rows.flatMap((row, i) =>
        codeSpans(row[0] ?? '').map((name) => ({ field: section ? `${section}.${name}` : name, line: t.line + 2 + i })),
      );
    });
}

// ---------------------------------------------------------------------------------------------------------- tests

describe('the documentation pages', () => {
  it('README.md stays an overview, at most 250 lines, whose quick start is the two commands', () => {
    const readme = page('README.md');
    expect(readme.text.split('\n').length).toBeLessThanOrEqual(250);
    const quickStart = readme.headings.find((h) => h.text === 'Quick start')!;
    const first = readme.blocks.find((b) => b.line > quickStart.line)!;
    expect(shellCommands(first.text).map((c) => c.words.join(' '))).toEqual(['npm install', 'npm start', 'npm test']);
  });

  it(`tables read as plain text: no row wider than ${TABLE_WIDTH} columns`, () => {
    const wide = pages.flatMap((p) =>
      p.tables.flatMap((t) => t.raw.flatMap((row, i) => (row.length > TABLE_WIDTH ? [`${p.path}:${t.line + i} (${row.length})`] : []))),
    );
    expect(wide).toEqual([]);
  });

  it('every fenced block names a language the tests check', () => {
    expect(blocks.filter((b) => !LANGUAGES.includes(b.lang)).map((b) => `${where(b)}: "${b.lang}"`)).toEqual([]);
  });

  it('every relative link resolves, anchors included', () => {
    const broken = pages.flatMap((p) => {
      const { links, references, uses } = linksOf(p);
      const unresolved = uses.filter((u) => !references.has(u.target)).map((u) => `${p.path}:${u.line}: [${u.target}] is not defined`);
      const dead = links
        .filter((l) => !/^(https?|mailto):/.test(l.target))
        .flatMap((l) => {
          const [file, anchor] = l.target.split('#') as [string, string | undefined];
          const target = file === '' ? p.path : normalize(join(dirname(p.path), file));
          if (!exists(target)) return [`${p.path}:${l.line}: ${l.target}: no such file`];
          if (anchor === undefined || !target.endsWith('.md')) return [];
          const anchors = pages.find((q) => q.path === target)?.anchors ?? parsePage(target, read(target)).anchors;
          return anchors.has(anchor) ? [] : [`${p.path}:${l.line}: ${l.target}: no such heading`];
        });
      return [...unresolved, ...dead];
    });
    expect(broken).toEqual([]);
  });

  it('every repository path in a code span exists', () => {
    const REPO_PATH =
      /^(src|dev|test|deploy|bench|docs|\.ci)\/[\w./-]*$|^(openapi\.yaml|Dockerfile|package\.json|\.redocly\.lint-ignore\.yaml|\.dockerignore)$/;
    const missing = pages.flatMap((p) =>
      p.prose.flatMap(({ line, text }) =>
        codeSpans(text)
          .filter((span) => REPO_PATH.test(span) && !span.startsWith('deploy/secrets/') && !exists(span))
          .map((span) => `${p.path}:${line}: ${span}`),
      ),
    );
    expect(missing).toEqual([]);
  });

  it('every broker URL, in prose or code, is a route of openapi.yaml', () => {
    const URL_PATH = /(?:[a-z-]*broker\.example\.com|localhost:8080|127\.0\.0\.1:8080|\$\{broker\})(\/[\w./{}<>$-]*)/g;
    const bad = pages.flatMap((p) =>
      p.text.split('\n').flatMap((text, i) =>
        [...text.matchAll(URL_PATH)]
          .map((m) => m[1]!)
          // `<http://…/demo/>` ends an autolink; `/v1/credentials/<profile>` ends a placeholder.
          .map((path) => (path.endsWith('>') && path.lastIndexOf('<') < path.lastIndexOf('/') ? path.slice(0, -1) : path))
          .filter((path) => path !== '/' && !path.startsWith('/demo/') && routeOf(path.replace(/\/$/, '') || '/') === undefined)
          .map((path) => `${p.path}:${i + 1}: ${path}`),
      ),
    );
    expect(bad).toEqual([]);
  });

  it('no page tells ali-oss users to refresh on a fixed 10-minute timer', () => {
    expect(pages.filter((p) => /refreshSTSTokenInterval:\s*10\s*\*\s*60/.test(p.text)).map((p) => p.path)).toEqual([]);
  });
});

describe('shell commands', () => {
  it.each(blocks.filter((b) => b.lang === 'sh').map((b) => [where(b), b] as const))('%s names only what exists', (_, block) => {
    expect(shellProblems(block.text, shownFiles(block.page))).toEqual([]);
  });

  it("the commands in the compose file's own header create every secret it mounts", () => {
    const file = 'deploy/docker-compose.yml';
    const header = read(file)
      .split('\n')
      .filter((line) => /^#\s{3,}\S/.test(line))
      .map((line) => line.replace(/^#\s+/, ''))
      .join('\n');
    expect(header).toContain(`docker compose -f ${file}`);
    expect(shellProblems(header)).toEqual([]);
  });

  it('the compose check fails for steps that leave out a secret the file mounts', () => {
    const steps = [
      'mkdir -p deploy/secrets',
      "printf 'redis://redis:6379/0' > deploy/secrets/redis-url",
      'openssl rand -base64 32 > deploy/secrets/cache-key',
      'docker compose -f deploy/docker-compose.yml up --build',
    ].join('\n');
    expect(shellProblems(steps)).toEqual([
      'docker compose -f deploy/docker-compose.yml: reads deploy/secrets/grant-key, which the commands before it do not create',
    ]);
  });
});

describe('JSON examples', () => {
  it.each(blocks.filter((b) => b.lang === 'json').map((b) => [where(b), b] as const))('%s parses and matches its schema', (_, block) => {
    expect(jsonProblems(block)).toEqual([]);
  });
});

describe('YAML examples', () => {
  it.each(blocks.filter((b) => b.lang === 'yaml').map((b) => [where(b), b] as const))(
    '%s parses, and validates as configuration',
    (_, block) => {
      expect(yamlProblems(block.text)).toEqual([]);
    },
  );
});

describe('JavaScript snippets', () => {
  const js = blocks.filter((b) => b.lang === 'js' || b.lang === 'ts');
  const verbatim = (b: CodeBlock) => snippetFiles.find((file) => read(file) === b.text);
  const extracted = (b: CodeBlock) => FILE_MARKER.test(b.marker ?? '');

  it.each(js.filter(extracted).map((b) => [where(b), b.marker!] as const))(
    '%s (%s) is run by a test that reads it from the page',
    (_, marker) => {
      expect(testSources().some((source) => source.includes(marker))).toBe(true);
    },
  );

  it.each(js.filter(verbatim).map((b) => [where(b), verbatim(b)!] as const))('%s is %s, which a test runs', (_, file) => {
    const name = file.slice(SNIPPET_DIR.length + 1);
    expect(testSources().some((source) => source.includes(`snippets/${name}`))).toBe(true);
  });

  it('the others type-check against the snippet files, strictly', { timeout: 60_000 }, () => {
    const others = js.filter((b) => !verbatim(b) && !extracted(b));
    expect(others.length).toBeGreaterThan(0);
    expect(typeProblems(others)).toEqual([]);
  });

  it('every snippet file is shown in the documentation', () => {
    expect(snippetFiles.filter((file) => !js.some((b) => b.text === read(file)))).toEqual([]);
  });
});

describe('tables that mirror the code', () => {
  it('the README API table lists every operation of openapi.yaml, and nothing else', () => {
    const table = page('README.md').tables.find((t) => t.header[0] === 'method')!;
    const listed = table.rows.map((row) => `${row[0]} ${codeSpans(row[1] ?? '')[0]}`).sort();
    const specified = operations()
      .filter((o) => !o.refusedMethod)
      .map((o) => `${o.method} ${o.path}`)
      .sort();
    expect(listed).toEqual(specified);
  });

  it('the error table of docs/api.md lists every problem code with its status, and nothing else', () => {
    const table = page('docs/api.md').tables.find((t) => t.header[1] === 'code')!;
    const listed = table.rows.map((row) => `${row[0]} ${codeSpans(row[1] ?? '')[0]}`).sort();
    const defined = Object.entries(ERROR_TABLE)
      .map(([code, { status }]) => `${status} ${code}`)
      .sort();
    expect(listed).toEqual(defined);
  });

  it('docs/configuration.md documents every configuration field, and only fields the schema has', () => {
    const { nodes, leaves } = schemaPaths();
    const documented = documentedFields(page('docs/configuration.md'));
    expect(documented.filter((d) => !nodes.has(d.field)).map((d) => `docs/configuration.md:${d.line}: ${d.field}`)).toEqual([]);
    const covered = (leaf: string) =>
      documented.some(({ field }) => leaf === field || leaf.startsWith(`${field}.`) || leaf.startsWith(`${field}[`));
    expect([...leaves].filter((leaf) => !covered(leaf))).toEqual([]);
  });
});
