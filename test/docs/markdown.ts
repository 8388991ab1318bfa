/**
 * Just enough Markdown for the documentation tests: the pages (README.md and docs/*.md), their fenced code blocks
 * (with the HTML comment just above a block, which may name what the block shows), headings and the anchors GitHub
 * makes of them, links, inline code spans and tables, each with the line it starts on.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CodeBlock {
  page: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  /** The block's text, dedented by the fence's indent, ending with a newline. */
  text: string;
  /** The `<!-- ... -->` comment on the last non-blank line above the fence, without the delimiters. */
  marker: string | undefined;
}

export interface Table {
  page: string;
  line: number;
  /** The text of the nearest heading above the table. */
  heading: string;
  header: string[];
  rows: string[][];
  /** The raw lines, for width checks. */
  raw: string[];
}

export interface Page {
  /** Path from the repository root, e.g. `docs/api.md`. */
  path: string;
  text: string;
  blocks: CodeBlock[];
  /** Lines outside fenced blocks, with their 1-based numbers. */
  prose: Array<{ line: number; text: string }>;
  headings: Array<{ line: number; level: number; text: string }>;
  /** The anchors GitHub gives the headings. */
  anchors: Set<string>;
  tables: Table[];
}

/** README.md and every page under docs/. */
export function documentationPages(): Page[] {
  const docs = readdirSync(`${ROOT}docs`)
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs].map((path) => parsePage(path, readFileSync(`${ROOT}${path}`, 'utf8')));
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)\s*$/;

export function parsePage(path: string, text: string): Page {
  const lines = text.split('\n');
  const blocks: CodeBlock[] = [];
  const prose: Page['prose'] = [];
  let open: { indent: number; fence: string; lang: string; line: number; body: string[]; marker: string | undefined } | undefined;
  let lastNonBlank = '';
  lines.forEach((line, i) => {
    if (open) {
      const close = FENCE.exec(line);
      if (close && close[2]!.startsWith(open.fence) && close[3] === '') {
        const body = open.body.map((l) => l.slice(Math.min(open!.indent, l.length - l.trimStart().length)));
        blocks.push({ page: path, line: open.line, lang: open.lang, text: `${body.join('\n')}\n`, marker: open.marker });
        open = undefined;
      } else {
        open.body.push(line);
      }
      return;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = /^\s*<!--\s*(.*?)\s*-->\s*$/.exec(lastNonBlank)?.[1];
      open = { indent: fence[1]!.length, fence: fence[2]!, lang: fence[3]!, line: i + 1, body: [], marker };
      return;
    }
    prose.push({ line: i + 1, text: line });
    if (line.trim() !== '') lastNonBlank = line;
  });
  if (open) throw new Error(`${path}:${open.line}: a fenced block is never closed`);

  const headings = prose.flatMap(({ line, text: t }) => {
    const m = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(t);
    return m ? [{ line, level: m[1]!.length, text: m[2]! }] : [];
  });
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const h of headings) {
    const base = slug(h.text);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return { path, text, blocks, prose, headings, anchors, tables: tablesOf(path, prose, headings) };
}

/**
 * The anchor GitHub makes of a heading (github-slugger): the rendered text, lower-cased, with everything but
 * letters, digits, spaces, `-` and `_` removed, and spaces turned into `-`.
 */
export function slug(heading: string): string {
  const rendered = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\[[^\]]*\]/g, '$1')
    .replace(/<[^>]+>/g, '');
  return rendered
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
    .replace(/ /g, '-');
}

/** Splits a table row into its cells, keeping `|` inside code spans. */
export function cells(row: string): string[] {
  const out: string[] = [];
  let cell = '';
  let inCode = false;
  const body = row.trim().replace(/^\|/, '').replace(/\|$/, '');
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '`') inCode = !inCode;
    if (c === '\\' && body[i + 1] === '|') {
      cell += '|';
      i++;
      continue;
    }
    if (c === '|' && !inCode) {
      out.push(cell.trim());
      cell = '';
      continue;
    }
    cell += c;
  }
  out.push(cell.trim());
  return out;
}

function tablesOf(path: string, prose: Page['prose'], headings: Page['headings']): Table[] {
  const tables: Table[] = [];
  let current: Table | undefined;
  prose.forEach(({ line, text }, i) => {
    const isRow = text.trimStart().startsWith('|');
    if (!isRow) {
      current = undefined;
      return;
    }
    const previous = prose[i - 1];
    if (!current || !previous || previous.line !== line - 1) {
      const heading = [...headings].reverse().find((h) => h.line < line)?.text ?? '';
      current = { page: path, line, heading, header: cells(text), rows: [], raw: [text] };
      tables.push(current);
      return;
    }
    current.raw.push(text);
    if (/^\s*\|[\s:|-]+\|\s*$/.test(text)) return; // the delimiter row
    current.rows.push(cells(text));
  });
  return tables;
}

/** The contents of the inline code spans in a piece of prose. */
export function codeSpans(text: string): string[] {
  return [...text.matchAll(/(`+)(.+?)\1/g)].map((m) => m[2]!.trim());
}

export interface Link {
  line: number;
  target: string;
}

/** Inline links and images, reference definitions, and reference uses (as `[ref]` targets to resolve). */
export function linksOf(page: Page): { links: Link[]; references: Map<string, string>; uses: Link[] } {
  const links: Link[] = [];
  const references = new Map<string, string>();
  const uses: Link[] = [];
  for (const { line, text } of page.prose) {
    const definition = /^\s{0,3}\[([^\]]+)\]:\s+(\S+)/.exec(text);
    if (definition) {
      references.set(definition[1]!.toLowerCase(), definition[2]!);
      links.push({ line, target: definition[2]! });
      continue;
    }
    const withoutCode = text.replace(/(`+)(.+?)\1/g, (m) => m.replace(/[[\]()]/g, ' '));
    for (const m of withoutCode.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) links.push({ line, target: m[1]! });
    for (const m of withoutCode.matchAll(/\](?:\[([^\]]+)\])/g)) uses.push({ line, target: m[1]!.toLowerCase() });
  }
  return { links, references, uses };
}

/** The one block of a page marked `<!-- <marker> -->`; throws when there is none or more than one. */
export function markedBlock(path: string, marker: string): CodeBlock {
  const found = documentationPages()
    .filter((p) => p.path === path)
    .flatMap((p) => p.blocks.filter((b) => b.marker === marker));
  if (found.length !== 1) throw new Error(`${path}: expected one block marked <!-- ${marker} -->, found ${found.length}`);
  return found[0]!;
}
