/**
 * Lists the folder cycles of src/ (the same graph layers.test.ts checks), one per line, and exits 1 if there is any:
 *   node --import tsx test/architecture/print-cycles.ts
 * With `--edges` it also prints every folder → folder import, with a file that makes it.
 */
import { countSimpleCycles, folderCycles, folderGraph, sourceImports } from './import-graph.js';

const graph = folderGraph(sourceImports());
if (process.argv.includes('--edges')) {
  for (const [from, targets] of [...graph].sort(([a], [b]) => a.localeCompare(b))) {
    for (const [to, edge] of [...targets].sort(([a], [b]) => a.localeCompare(b))) {
      console.log(`${from} → ${to}  (${edge.from} imports ${edge.to})`);
    }
  }
}
const cycles = folderCycles(graph);
for (const cycle of cycles) console.log(`cycle: ${cycle}`);
console.log(`${cycles.length} folder cycle group(s), ${countSimpleCycles(graph)} simple folder loop(s) in src/`);
process.exitCode = cycles.length === 0 ? 0 : 1;
