// The execution plan of a runbook (pure): a deterministic topological order (Kahn's algorithm, ties
// broken by stepId in code-unit order, docs/design.md §5), longest-path levels for display, and the edges
// both ways. The chain of attestations follows `order`, so it must never depend on anything but the
// runbook itself.
import { PcqErrors, isError } from '../base/errors.ts';
import type { Runbook } from '../model/runbook.ts';
import { buildStepGraph, graphIssues } from './graph-issues.ts';
import { byCodeUnit, MinHeap } from './min-heap.ts';

export interface Plan {
  runbookId: string;
  version: string;
  /** Execution (and attestation chain) order. */
  order: string[];
  /** levels[d] = steps whose longest path from a root has d edges, sorted by stepId. */
  levels: string[][];
  /** Level of each step. */
  depth: Record<string, number>;
  /** Direct dependencies of each step, in `needs` order. */
  needs: Record<string, string[]>;
  /** Steps that directly need each step, in `order`. */
  dependants: Record<string, string[]>;
}

/** Plans a runbook, or throws PcqErrors listing every graph problem (see graph-issues.ts). */
export function planRunbook(runbook: Runbook): Plan {
  const graph = buildStepGraph(runbook);
  // Kahn first: when it orders every step the graph has no cycle, so graphIssues can skip its
  // cycle search (Tarjan, only needed to name the cycle's path) for the common, valid runbook.
  const indegree = new Map<string, number>();
  for (const id of graph.ids) indegree.set(id, graph.needs.get(id)!.length);
  const ready = new MinHeap<string>(byCodeUnit);
  for (const id of graph.ids) if (indegree.get(id) === 0) ready.push(id);
  const order: string[] = [];
  const depth: Record<string, number> = {};
  for (let id = ready.pop(); id !== undefined; id = ready.pop()) {
    order.push(id);
    let level = 0;
    for (const need of graph.needs.get(id)!) level = Math.max(level, depth[need]! + 1);
    depth[id] = level;
    for (const next of graph.dependants.get(id)!) {
      const left = indegree.get(next)! - 1;
      indegree.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  const acyclic = order.length === graph.ids.length;
  const issues = graphIssues(runbook, graph, acyclic).filter(isError);
  if (issues.length > 0) throw new PcqErrors(issues);

  const levels: string[][] = [];
  for (const id of order) (levels[depth[id]!] ??= []).push(id);
  for (const level of levels) level.sort();
  const position = new Map<string, number>();
  for (let i = 0; i < order.length; i++) position.set(order[i]!, i);
  const byPosition = (a: string, b: string) => position.get(a)! - position.get(b)!;
  const needs: Record<string, string[]> = {};
  const dependants: Record<string, string[]> = {};
  for (const id of order) {
    needs[id] = graph.needs.get(id)!.slice();
    const after = graph.dependants.get(id)!.slice();
    if (after.length > 1) after.sort(byPosition);
    dependants[id] = after;
  }
  return { runbookId: runbook.runbookId, version: runbook.version, order, levels, depth, needs, dependants };
}
