/**
 * The folder import graph of src/ and the two checks run on it (layers.test.ts): every folder imports only the
 * folders the layer table allows, and no folders import each other in a loop.
 *
 * A node is a top-level folder of src/ (`config`, `store`, ...) or a file directly in src/ (`app`, `main`,
 * `errors`). An edge A → B means some production file in A imports a file in B. Every import counts, `import type`
 * included: a type is as much a dependency for whoever reads or changes the code (a changed type breaks its
 * importers' build), and a type-only loop is still a loop a newcomer has to untangle; erasing it at run time does
 * not make the layering any clearer. Unit tests beside the code (`*.test.ts`) are left out: they are not part of
 * the layers, and where they may import from is checked apart (no src/ test imports test/).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export const root = path.resolve(import.meta.dirname, '../..');
const srcDir = path.join(root, 'src');

/** One import: `from` imports `to` (both repository-relative paths). */
export interface FileImport {
  from: string;
  to: string;
}

/** Folder → the folders it imports, each with one file import that shows the edge. */
export type FolderGraph = Map<string, Map<string, FileImport>>;

/** Every module specifier of one file: imports (type-only too), re-exports, dynamic `import()` with a literal. */
export function specifiers(file: string, text = readFileSync(file, 'utf8')): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
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
      if (arg && ts.isStringLiteral(arg)) found.push(arg.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      // `typeof import('./x.js')` in a type position
      found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function productionFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return productionFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** The relative imports between src/ files (packages and node: built-ins are not layers). */
export function sourceImports(): FileImport[] {
  const imports: FileImport[] = [];
  for (const file of productionFiles(srcDir)) {
    for (const spec of specifiers(file)) {
      if (!spec.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts');
      imports.push({ from: path.relative(root, file), to: path.relative(root, target) });
    }
  }
  return imports;
}

/** `src/config/load.ts` → `config`; `src/app.ts` → `app`; anything outside src/ → `outside src/`. */
export function folderOf(file: string): string {
  const parts = file.split(/[\\/]/);
  if (parts[0] !== 'src' || parts.length < 2) return 'outside src/';
  return parts.length === 2 ? parts[1]!.replace(/\.ts$/, '') : parts[1]!;
}

/** Imports inside one folder are not edges. */
export function folderGraph(imports: readonly FileImport[]): FolderGraph {
  const graph: FolderGraph = new Map();
  for (const edge of imports) {
    const from = folderOf(edge.from);
    const to = folderOf(edge.to);
    if (!graph.has(from)) graph.set(from, new Map());
    if (!graph.has(to)) graph.set(to, new Map());
    if (from !== to && !graph.get(from)!.has(to)) graph.get(from)!.set(to, edge);
  }
  return graph;
}

/** Which folders each folder may import (besides itself). */
export type LayerTable = Readonly<Record<string, readonly string[]>>;

/** One line per import the table does not allow, naming the file that makes it. */
export function layeringViolations(graph: FolderGraph, allowed: LayerTable): string[] {
  const problems: string[] = [];
  for (const [from, targets] of graph) {
    if (!Object.hasOwn(allowed, from)) {
      problems.push(`${from}: not in the layer table (add a row saying what it may import)`);
      continue;
    }
    for (const [to, edge] of targets) {
      if (!allowed[from]!.includes(to)) problems.push(`${from} → ${to} is not allowed (${edge.from} imports ${edge.to})`);
    }
  }
  return problems.sort();
}

/**
 * The folder cycles: each group of folders that import each other (a strongly connected component, Tarjan's
 * algorithm), named by its members and one shortest loop through the first, e.g.
 * `config, credentials (config → credentials → config)`.
 */
export function folderCycles(graph: FolderGraph): string[] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const connect = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node)?.keys() ?? []) {
      if (!index.has(to)) {
        connect(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== node);
      if (group.length > 1) groups.push(group.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) connect(node);
  return groups.map((group) => `${group.join(', ')} (${shortestLoop(graph, group[0]!).join(' → ')})`).sort();
}

/** The shortest walk from `start` back to itself, each step a real import (breadth first, names in order). */
function shortestLoop(graph: FolderGraph, start: string): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const at = queue.shift()!;
    for (const step of [...(graph.get(at)?.keys() ?? [])].sort()) {
      if (step === start) {
        const walk = [at, start];
        while (walk[0] !== start) walk.unshift(previous.get(walk[0]!)!);
        return walk;
      }
      if (previous.has(step)) continue;
      previous.set(step, at);
      queue.push(step);
    }
  }
  return [start];
}

/** The number of distinct simple loops between folders (the size of the tangle, not only its groups). */
export function countSimpleCycles(graph: FolderGraph): number {
  const nodes = [...graph.keys()].sort();
  let count = 0;
  // Each loop is counted once, from its smallest folder: only folders after `start` may be visited.
  for (const [i, start] of nodes.entries()) {
    const allowed = new Set(nodes.slice(i));
    const visiting = new Set<string>([start]);
    const walk = (at: string): void => {
      for (const to of graph.get(at)?.keys() ?? []) {
        if (to === start) count += 1;
        else if (allowed.has(to) && !visiting.has(to)) {
          visiting.add(to);
          walk(to);
          visiting.delete(to);
        }
      }
    };
    walk(start);
  }
  return count;
}
