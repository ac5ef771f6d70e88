// The plan as data, for the Action's PR comment, the site and scripts (`pcq plan --format json`).
import type { Runbook } from '../model/runbook.ts';
import type { Plan } from './plan.ts';

export interface PlanJson {
  runbookId: string;
  name: string;
  version: string;
  digest: string;
  order: string[];
  levels: string[][];
  steps: Array<{
    stepId: string;
    type: string;
    description?: string;
    /** The step's `when:` condition (run/conditions.ts), when it has one. */
    when?: string;
    level: number;
    needs: string[];
    needsExplicit: boolean;
    dependants: string[];
    preconditions: Array<{ id: string; type: string }>;
    postconditions: Array<{ id: string; type: string }>;
    retry: { attempts: number; backoffMs: number[] };
    timeoutMs: number;
  }>;
}

export function planToJson(plan: Plan, runbook: Runbook): PlanJson {
  const byId = new Map(runbook.steps.map((s) => [s.stepId, s]));
  const prover = (id: string) => ({ id, type: runbook.provers[id]?.type ?? '' });
  return {
    runbookId: runbook.runbookId,
    name: runbook.name,
    version: runbook.version,
    digest: runbook.source.digest,
    order: plan.order,
    levels: plan.levels,
    steps: plan.order.map((id) => {
      const step = byId.get(id)!;
      return {
        stepId: id,
        type: step.type,
        ...(step.description !== undefined ? { description: step.description } : {}),
        ...(step.when !== undefined ? { when: step.when } : {}),
        level: plan.depth[id]!,
        needs: plan.needs[id]!,
        needsExplicit: step.needsExplicit,
        dependants: plan.dependants[id]!,
        preconditions: step.preconditions.map(prover),
        postconditions: step.postconditions.map(prover),
        retry: step.retry,
        timeoutMs: step.timeoutMs,
      };
    }),
  };
}
