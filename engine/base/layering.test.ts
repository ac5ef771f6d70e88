// engine/README.md "Layers": base/ (errors, port interfaces, signed-record types) imports nothing
// above it, the top-level folders of engine/ import each other in one direction only (no cycle),
// and the files of review/ form no cycle. Read from the source text of every non-test file, like
// the Octokit boundary test (github/octokit-boundary.test.ts), so a new import that breaks a rule
// fails here with the offending files named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name === 'vectors' || entry.name === 'fixtures') continue;
      yield* sourceFiles(path);
    } else if (/\.(ts|mts)$/.test(entry.name) && !entry.name.endsWith('.test.ts')) yield path;
  }
}

// Static imports and re-exports (one statement, no `;` inside), side-effect imports, import().
const IMPORT_PATTERNS = [/^\s*(?:import|export)\s[^;]*?\sfrom\s*['"]([^'"]+)['"]/gm, /^\s*import\s*['"]([^'"]+)['"]/gm, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g];

export function importSpecifiers(text: string): string[] {
  const specs: string[] = [];
  for (const pattern of IMPORT_PATTERNS) for (const m of text.matchAll(pattern)) specs.push(m[1]!);
  return specs;
}

type Graph = Map<string, Map<string, string>>; // node -> (neighbour -> an example "a.ts imports b.ts")

function addEdge(graph: Graph, from: string, to: string, why: string): void {
  let out = graph.get(from);
  if (out === undefined) graph.set(from, (out = new Map()));
  if (!out.has(to)) out.set(to, why);
  if (!graph.has(to)) graph.set(to, new Map());
}

/** Strongly connected components with more than one node, or with a self-edge (Tarjan). */
export function cycles(graph: Graph): string[][] {
  let counter = 0;
  const index = new Map<string, number>(),
    low = new Map<string, number>(),
    stack: string[] = [],
    onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || graph.get(v)?.has(v)) found.push(scc.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

/** One concrete cycle through a component, as "a → b → a" with the import behind each arrow. */
export function describeCycle(graph: Graph, scc: string[]): string {
  const members = new Set(scc);
  const start = scc[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of [...(graph.get(v)?.keys() ?? [])].sort()) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
        path.push(start);
        return path
          .slice(1)
          .map((to, i) => `${path[i]} → ${to} (${graph.get(path[i]!)!.get(to)})`)
          .join('; ');
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return scc.join(' ↔ ');
}

interface ImportEdge {
  file: string;
  spec: string;
  target?: string;
} // target: repo-relative .ts path of a relative import

function engineImports(): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const path of sourceFiles(join(root, 'engine'))) {
    const file = relative(root, path);
    for (const spec of importSpecifiers(readFileSync(path, 'utf8'))) {
      if (!spec.startsWith('.')) {
        edges.push({ file, spec });
        continue;
      }
      edges.push({ file, spec, target: normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts') });
    }
  }
  return edges;
}

const folderOf = (file: string): string => file.split('/')[1]!; // engine/<folder>/...

test('the import scanner sees static imports, re-exports, side-effect imports and import()', () => {
  const text =
    "import { a } from './a.ts';\nimport type {\n  B,\n} from '../x/b.ts';\nexport { c } from \"./c.ts\";\nimport './d.ts';\nconst e = await import('./e.ts');\n// a comment that mentions importing from 'nowhere'\n";
  assert.deepEqual(importSpecifiers(text).sort(), ['../x/b.ts', './a.ts', './c.ts', './d.ts', './e.ts']);
});

test('the cycle finder names a cycle with the import behind each arrow, and passes a DAG', () => {
  const graph: Graph = new Map();
  addEdge(graph, 'run', 'review', 'run/a.ts imports review/b.ts');
  addEdge(graph, 'review', 'store', 'review/b.ts imports store/c.ts');
  addEdge(graph, 'store', 'run', 'store/c.ts imports run/d.ts');
  addEdge(graph, 'store', 'base', 'store/c.ts imports base/e.ts');
  const found = cycles(graph);
  assert.deepEqual(found, [['review', 'run', 'store']]);
  assert.equal(
    describeCycle(graph, found[0]!),
    'review → store (review/b.ts imports store/c.ts); store → run (store/c.ts imports run/d.ts); run → review (run/a.ts imports review/b.ts)',
  );
  graph.get('store')!.delete('run');
  assert.deepEqual(cycles(graph), []);
});

test('base/ imports nothing outside base/ (node: builtins only)', () => {
  const outside = engineImports()
    .filter((e) => folderOf(e.file) === 'base')
    .filter((e) => (e.target === undefined ? !e.spec.startsWith('node:') : folderOf(e.target) !== 'base' || !e.target.startsWith('engine/')))
    .map((e) => `${e.file} imports ${e.spec}`);
  assert.deepEqual(outside, []);
});

test('no import cycle between the top-level folders of engine/', () => {
  const graph: Graph = new Map();
  for (const e of engineImports()) {
    if (e.target === undefined || !e.target.startsWith('engine/')) continue;
    const from = folderOf(e.file),
      to = folderOf(e.target);
    if (from !== to) addEdge(graph, from, to, `${e.file} imports ${e.target}`);
  }
  assert.deepEqual(
    cycles(graph).map((scc) => describeCycle(graph, scc)),
    [],
  );
});

test('no import cycle between the files of review/', () => {
  const graph: Graph = new Map();
  for (const e of engineImports()) {
    if (e.target === undefined || folderOf(e.file) !== 'review' || !e.target.startsWith('engine/review/')) continue;
    addEdge(graph, e.file, e.target, `${e.file} imports ${e.target}`);
  }
  assert.deepEqual(
    cycles(graph).map((scc) => describeCycle(graph, scc)),
    [],
  );
});
