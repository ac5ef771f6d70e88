// The job graph a runbook compiles to (`pcq compile --target github-actions`, engine/FORMATS.md
// "Distributed runs"). Pure and deterministic: the same runbook always gives the same jobs.
//
// How graph state travels: it does not. The embedded graph lives in one process, so every step
// that reads or writes it (query, mutation, an assertion with `query`, a step guarded by a
// `metric` prover) runs in ONE job, `graph`, together with every step that lies between two of
// them (an ancestor of one and a descendant of another), so that job needs nothing it feeds.
// The other steps only read upstream outputs, which travel as artifacts, so they fan out: those
// before the graph job (ancestors of a graph step) and those after it, each side cut into bands
// of plan levels, each band split into its weakly connected pieces, packed into at most
// `width` jobs. Edges only run band → later band or into/out of `graph`, so the job graph is a DAG.
// Why not ship the graph between jobs: a mutation's effect would have to be replayed or the
// database copied per job, and a shared Neo4j would make concurrent jobs see each other's writes
// in timing-dependent order; one graph job keeps every read deterministic.
import type { Runbook, Step } from '../model/runbook.ts';
import type { PcqIssue } from '../base/errors.ts';
import { stepIssue } from '../steps/step-helpers.ts';
import type { Plan } from './plan.ts';
import { SEAL_JOB, type Job, type JobGraph } from '../model/job-graph.ts';

export { SEAL_JOB, type Job, type JobGraph };

export interface JobOptions {
  /** Most bands per side (before / after the graph job). Default 4. */
  bands?: number;
  /** Most jobs per band. Default 3. */
  width?: number;
}

/**
 * The step kinds whose outcome a job file can carry to later jobs and the seal (run/foreign-steps.ts):
 * a result, proofs, a branch decision, recordings, effects and artifact bytes. A kind not listed here
 * (a new one, or one that waits for a person, like an approval pause) is refused by the compiler
 * rather than distributed on a guess: add it here once its outcome is known to travel in a job file.
 */
export const DISTRIBUTABLE_KINDS: ReadonlySet<string> = new Set([
  'query',
  'mutation',
  'transform',
  'aggregate',
  'assertion',
  'external_api',
  'export',
  'notify',
  'spell',
]);

/**
 * Why a runbook cannot run as jobs, located at each step whose kind job files cannot carry. (Private
 * steps can: job files travel sealed to the runner key, run/job-file-seal.ts.)
 */
export function distributionIssues(runbook: Runbook): PcqIssue[] {
  return runbook.steps
    .filter((step) => !DISTRIBUTABLE_KINDS.has(step.type))
    .map((step) =>
      stepIssue(
        step,
        'type',
        'PCQ_COMPILE_UNSUPPORTED',
        `${/^[aeiou]/.test(step.type) ? 'an' : 'a'} ${step.type} step cannot be spread across jobs (distributable kinds: ${[...DISTRIBUTABLE_KINDS].join(', ')})`,
        'Run this runbook with `pcq run` on one runner.',
      ),
    );
}

export function touchesGraph(step: Step, runbook: Runbook): boolean {
  if (step.type === 'query' || step.type === 'mutation') return true;
  if (step.type === 'assertion' && step.config['query'] !== undefined) return true;
  return [...step.preconditions, ...step.postconditions].some((id) => runbook.provers[id]?.type === 'metric');
}

export function partitionJobs(runbook: Runbook, plan: Plan, options: JobOptions = {}): JobGraph {
  const bands = Math.max(1, options.bands ?? 4);
  const width = Math.max(1, options.width ?? 3);
  const byId = new Map(runbook.steps.map((s) => [s.stepId, s]));
  const graphSteps = plan.order.filter((id) => touchesGraph(byId.get(id)!, runbook));
  const descendantsOfGraph = closure(graphSteps, plan.dependants);
  const ancestorsOfGraph = closure(graphSteps, plan.needs);
  const inGraph = new Set(graphSteps);
  for (const id of plan.order) if (descendantsOfGraph.has(id) && ancestorsOfGraph.has(id)) inGraph.add(id);

  const jobOf: Record<string, string> = {};
  const groups: Array<{ id: string; steps: string[] }> = [];
  const side = (name: 'pre' | 'post', members: string[]): void => {
    if (members.length === 0) return;
    const depths = [...new Set(members.map((id) => plan.depth[id]!))].sort((a, b) => a - b);
    const perBand = Math.ceil(depths.length / bands);
    const bandOf = new Map(depths.map((d, i) => [d, Math.floor(i / perBand)]));
    const byBand = new Map<number, string[]>();
    for (const id of members)
      (byBand.get(bandOf.get(plan.depth[id]!)!) ?? byBand.set(bandOf.get(plan.depth[id]!)!, []).get(bandOf.get(plan.depth[id]!)!)!).push(id);
    for (const [band, ids] of [...byBand].sort((a, b) => a[0] - b[0])) {
      const bins = packComponents(components(ids, plan), width);
      bins.forEach((steps, i) => groups.push({ id: `${name}-${band + 1}-${i + 1}`, steps }));
    }
  };
  side(
    'pre',
    plan.order.filter((id) => !inGraph.has(id) && ancestorsOfGraph.has(id)),
  );
  if (inGraph.size > 0) groups.push({ id: 'graph', steps: plan.order.filter((id) => inGraph.has(id)) });
  side(
    'post',
    plan.order.filter((id) => !inGraph.has(id) && !ancestorsOfGraph.has(id)),
  );
  for (const g of groups) for (const id of g.steps) jobOf[id] = g.id;
  const position = new Map(plan.order.map((id, i) => [id, i]));
  const jobs = groups.map((g) => {
    const steps = [...g.steps].sort((a, b) => position.get(a)! - position.get(b)!);
    const needs = new Set<string>();
    for (const id of steps) for (const need of plan.needs[id]!) if (jobOf[need] !== g.id) needs.add(jobOf[need]!);
    return { id: g.id, steps, needs: [...needs].sort() };
  });
  return { jobs, jobOf };
}

/** Every step reachable from `start` through `edges` (not including `start` unless reachable). */
function closure(start: readonly string[], edges: Record<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const stack = start.flatMap((id) => edges[id] ?? []);
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(edges[id] ?? []));
  }
  return seen;
}

/** Weakly connected pieces of the subgraph induced by `ids`, each in plan order, by first step. */
function components(ids: readonly string[], plan: Plan): string[][] {
  const member = new Set(ids);
  const parent = new Map(ids.map((id) => [id, id]));
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  for (const id of ids) for (const need of plan.needs[id]!) if (member.has(need)) parent.set(find(id), find(need));
  const byRoot = new Map<string, string[]>();
  for (const id of ids) (byRoot.get(find(id)) ?? byRoot.set(find(id), []).get(find(id))!).push(id);
  return [...byRoot.values()];
}

/** Largest piece first into the lightest bin: at most `width` bins, deterministic. */
function packComponents(pieces: string[][], width: number): string[][] {
  const bins: string[][] = Array.from({ length: Math.min(width, pieces.length) }, () => []);
  const sorted = [...pieces].sort((a, b) => b.length - a.length || (a[0]! < b[0]! ? -1 : 1));
  for (const piece of sorted) {
    let lightest = 0;
    for (let i = 1; i < bins.length; i++) if (bins[i]!.length < bins[lightest]!.length) lightest = i;
    bins[lightest]!.push(...piece);
  }
  return bins.filter((b) => b.length > 0);
}
