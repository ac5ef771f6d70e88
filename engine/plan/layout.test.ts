// The layout's guarantee, checked geometrically (issue 14 "Pictures that are right"): no edge
// segment crosses a node box other than its own two ends, for R1–R4 and for random 50-node DAGs;
// ELK keeps the layering and order layeredOrder chose (which the Mermaid text declares).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { loadRunbookFile } from '../model/load-runbooks.ts';
import { dagEdges, layeredOrder, layoutDag, type DagGeometry, type LayoutNode } from './layout.ts';
import { drawingProblems, segmentHitsBox } from './layout-check.ts';
import { planRunbook } from './plan.ts';

const repo = resolve(import.meta.dirname, '../..');
const SAMPLES = ['R1-entity-enrichment', 'R2-relationship-inference', 'R3-weekly-report', 'R4-alert-triage'];

/** A random DAG: each node needs up to `fanIn` earlier nodes (so it is acyclic by construction). */
function randomDag(size: number, seed: number, fanIn = 3): LayoutNode[] {
  let s = seed >>> 0 || 1;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const nodes: LayoutNode[] = [];
  for (let i = 0; i < size; i++) {
    const needs = new Set<string>();
    const k = i === 0 ? 0 : Math.floor(rand() * (fanIn + 1));
    for (let j = 0; j < k; j++) needs.add(`n${String(Math.floor(rand() * i)).padStart(2, '0')}`);
    nodes.push({ id: `n${String(i).padStart(2, '0')}`, needs: [...needs] });
  }
  return nodes;
}

for (const name of SAMPLES) {
  test(`${name}: no edge crosses a node, layers and order as layeredOrder, every need drawn`, { timeout: 30_000 }, async () => {
    const runbook = await loadRunbookFile(join(repo, 'runbooks', `${name}.yaml`));
    const nodes = runbook.steps.map((s) => ({ id: s.stepId, needs: s.needs }));
    const g = await layoutDag(nodes);
    assert.deepEqual(drawingProblems(nodes, g), []);
    const plan = planRunbook(runbook);
    assert.deepEqual(
      layeredOrder(nodes).map((ids) => [...ids].sort()),
      plan.levels,
      'the layers are the plan levels',
    );
    const drawn = g.edges.map((e) => `${e.from}→${e.to}`).sort();
    assert.deepEqual(drawn, plan.order.flatMap((id) => plan.needs[id]!.map((n) => `${n}→${id}`)).sort());
  });
}

test('random 50-node DAGs: no edge crosses a node', { timeout: 120_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
      const nodes = randomDag(50, seed);
      const g = await layoutDag(nodes);
      assert.equal(g.nodes.length, 50);
      assert.equal(g.edges.length, dagEdges(nodes).length);
      assert.deepEqual(drawingProblems(nodes, g), [], `seed ${seed}`);
    }),
    { numRuns: 12 },
  );
});

test('the checker itself: a segment through a box is caught, one beside it is not', () => {
  const box = { x: 100, y: 100, width: 50, height: 20 };
  assert.equal(segmentHitsBox({ x: 0, y: 110 }, { x: 300, y: 110 }, box), true);
  assert.equal(segmentHitsBox({ x: 0, y: 130 }, { x: 300, y: 130 }, box), false);
  assert.equal(segmentHitsBox({ x: 125, y: 0 }, { x: 125, y: 105 }, box), true);
  assert.equal(segmentHitsBox({ x: 125, y: 0 }, { x: 125, y: 99 }, box), false);
  // A hand-made drawing whose edge runs straight through a middle node is reported.
  const nodes = [
    { id: 'a', needs: [] },
    { id: 'b', needs: ['a'] },
    { id: 'c', needs: ['a', 'b'] },
  ];
  const at = (id: string, layer: number, x: number) => ({ id, x, y: 0, width: 10, height: 10, layer, index: 0 });
  const bad: DagGeometry = {
    width: 100,
    height: 20,
    nodes: [at('a', 0, 0), at('b', 1, 30), at('c', 2, 60)],
    edges: [
      {
        from: 'a',
        to: 'b',
        points: [
          { x: 10, y: 5 },
          { x: 30, y: 5 },
        ],
      },
      {
        from: 'b',
        to: 'c',
        points: [
          { x: 40, y: 5 },
          { x: 60, y: 5 },
        ],
      },
      {
        from: 'a',
        to: 'c',
        points: [
          { x: 10, y: 5 },
          { x: 60, y: 5 },
        ],
      },
    ],
  };
  assert.deepEqual(drawingProblems(nodes, bad), ['a→c segment 1 crosses b']);
});

test('layeredOrder survives unknown needs and cycles (a published manifest may carry either)', async () => {
  const nodes = [
    { id: 'a', needs: ['ghost'] },
    { id: 'b', needs: ['a', 'c'] },
    { id: 'c', needs: ['b'] },
  ];
  const layers = layeredOrder(nodes);
  assert.deepEqual(layers.flat().sort(), ['a', 'b', 'c']);
  const g = await layoutDag(nodes);
  assert.equal(g.nodes.length, 3);
  assert.deepEqual(drawingProblems(nodes, g), []);
});
