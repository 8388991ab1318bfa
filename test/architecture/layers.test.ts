/**
 * Layers that only point down. Each top-level folder of src/ (and each file directly in it) may import only the
 * folders its row below names; no folders may import each other in a loop. The graph is every import of every
 * production file in src/, `import type` included (import-graph.ts says why). The checks are run first on made-up
 * graphs, so a planted upward import and a planted loop are seen to fail, then on the real tree.
 *
 * To list the folder cycles without vitest: node --import tsx test/architecture/print-cycles.ts
 */
import { describe, expect, it } from 'vitest';
import {
  countSimpleCycles,
  folderCycles,
  folderGraph,
  folderOf,
  layeringViolations,
  sourceImports,
  specifiers,
  type FileImport,
  type FolderGraph,
  type LayerTable,
} from './import-graph.js';

/**
 * Who may import whom, bottom layer first: each row lists every folder its folder may import (besides itself); any
 * other import fails. A row names only folders listed before it, so the table itself has no loop (checked below):
 * allowing an upward import here fails that check instead of passing silently.
 */
const LAYERS = `
  folder       may import
  shared       -
  errors       -
  tracing      -
  metrics      -
  config       shared
  secrets      config shared
  store        config shared tracing
  auth         config errors shared tracing
  audit        auth shared
  rules        auth config errors
  policy       config errors rules
  sts          config errors metrics shared store tracing
  bucket-policy  -
  cache        config errors secrets shared store sts
  revocation   auth errors shared store
  profiles     auth config errors policy rules
  quotas       auth config errors profiles shared store
  credentials  audit auth cache config errors metrics policy profiles quotas rules shared sts
  uploads      audit auth cache config credentials errors policy profiles quotas rules secrets shared store sts
  http         audit auth bucket-policy config credentials errors metrics profiles quotas revocation shared store sts tracing uploads
  runtime      auth config metrics profiles secrets shared store sts
  cli          auth config
  app          audit auth bucket-policy cache config credentials errors http metrics profiles quotas revocation secrets shared store sts tracing uploads
  main         app config runtime shared tracing
`;

/** The rows above as folder → allowed folders, in table order. */
function parseLayers(text: string): LayerTable {
  const rows = text
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/));
  return Object.fromEntries(rows.map(([folder, ...targets]) => [folder!, targets.filter((t) => t !== '-')]));
}

const MAY_IMPORT = parseLayers(LAYERS);

/** A graph from `from → to` folder pairs, one made-up file per folder. */
function graphOf(edges: Array<[string, string]>): FolderGraph {
  return folderGraph(edges.map(([from, to]): FileImport => ({ from: `src/${from}/a.ts`, to: `src/${to}/b.ts` })));
}

/** The table as a graph of its own: every allowed import an edge. */
function tableGraph(table: LayerTable): FolderGraph {
  return graphOf(Object.entries(table).flatMap(([from, targets]) => targets.map((to): [string, string] => [from, to])));
}

describe('the layer checker', () => {
  it('reads static, type-only, re-exported and dynamic imports', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from '../b/b.js';",
      "export { c } from './c.js';",
      "export type { D } from './d.js';",
      "const e = await import('./e.js');",
      "let f: typeof import('./f.js');",
    ].join('\n');
    expect(specifiers('x.ts', text)).toEqual(['./a.js', '../b/b.js', './c.js', './d.js', './e.js', './f.js']);
  });

  it('names folders by their top-level directory, files directly in src/ by their name', () => {
    expect(folderOf('src/config/load.ts')).toBe('config');
    expect(folderOf('src/quotas/byte-ledger.ts')).toBe('quotas');
    expect(folderOf('src/app.ts')).toBe('app');
    expect(folderOf('test/helpers/broker.ts')).toBe('outside src/');
  });

  it('fails on a planted upward import, naming the file that makes it', () => {
    const graph = graphOf([
      ['store', 'config'],
      ['config', 'rules'], // upward: config is the bottom
    ]);
    expect(layeringViolations(graph, MAY_IMPORT)).toEqual(['config → rules is not allowed (src/config/a.ts imports src/rules/b.ts)']);
    expect(layeringViolations(graphOf([['store', 'config']]), MAY_IMPORT)).toEqual([]);
  });

  it('fails on a folder missing from the table', () => {
    expect(layeringViolations(graphOf([['newfolder', 'shared']]), MAY_IMPORT)).toEqual([
      'newfolder: not in the layer table (add a row saying what it may import)',
    ]);
  });

  it('ignores imports inside one folder', () => {
    expect(folderGraph([{ from: 'src/config/load.ts', to: 'src/config/schema.ts' }]).get('config')?.size).toBe(0);
  });

  it('finds every folder cycle and names it with a loop of real imports', () => {
    const graph = graphOf([
      ['auth', 'config'],
      ['config', 'credentials'],
      ['credentials', 'auth'],
      ['credentials', 'uploads'],
      ['uploads', 'credentials'],
      ['store', 'config'],
      ['http', 'store'],
    ]);
    expect(folderCycles(graph)).toEqual(['auth, config, credentials, uploads (auth → config → credentials → auth)']);
    expect(countSimpleCycles(graph)).toBe(2);
    expect(
      folderCycles(
        graphOf([
          ['a', 'b'],
          ['b', 'a'],
          ['c', 'd'],
          ['d', 'c'],
        ]),
      ),
    ).toEqual(['a, b (a → b → a)', 'c, d (c → d → c)']);
    expect(
      folderCycles(
        graphOf([
          ['http', 'store'],
          ['store', 'config'],
        ]),
      ),
    ).toEqual([]);
  });

  it('has a table without loops, so no allowed import can close one', () => {
    expect(folderCycles(tableGraph(MAY_IMPORT))).toEqual([]);
    // Stricter: every row names only folders listed before it.
    const order = Object.keys(MAY_IMPORT);
    for (const [folder, targets] of Object.entries(MAY_IMPORT)) {
      for (const target of targets) expect(order.indexOf(target), `${folder} → ${target}`).toBeLessThan(order.indexOf(folder));
    }
  });
});

describe('src/', () => {
  const graph = folderGraph(sourceImports());

  it('sees the whole tree, and the table names only folders it has', () => {
    expect(graph.get('app')?.has('http')).toBe(true);
    expect([...graph.keys()].sort()).toEqual(Object.keys(MAY_IMPORT).sort());
  });

  it('imports only down the layer table', () => {
    expect(layeringViolations(graph, MAY_IMPORT)).toEqual([]);
  });

  it('has no folder cycle', () => {
    expect(folderCycles(graph)).toEqual([]);
  });

  it('keeps credentials/ and uploads/ from depending on each other both ways', () => {
    expect(graph.get('credentials')?.has('uploads')).toBe(false);
  });
});
