// How approval steps shape a run (FORMATS.md "Approval steps"). An approval step is a barrier in
// chain order (the plan's topological order, ties by stepId): it starts only after every step
// before it has finished, and every step after it waits for it. So when an approval has no
// decision and pauses the run, the steps signed so far are exactly the chain's prefix before it,
// nothing after it has started, and the paused manifest's attestations are the first attestations
// of the resumed run's manifest, byte for byte. The barrier is for scheduling only: it is never
// signed (`needs`/`parents` stay as written), so runbooks without approval steps are unchanged.
import type { Step } from '../model/runbook.ts';
import type { ManifestPause } from '../base/signed-records.ts';
import type { NodeResult } from './scheduler-types.ts';
import { approvalConfig } from '../steps/approval.ts';

/** Per step, the needs the scheduler uses: the step's own plus the approval barriers. */
export function approvalBarriers(order: readonly string[], stepById: ReadonlyMap<string, Step>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let gate: string | undefined;
  order.forEach((id, i) => {
    const step = stepById.get(id)!;
    const needs = new Set(step.needs);
    if (step.type === 'approval') {
      for (const before of order.slice(0, i)) needs.add(before);
      gate = id;
    } else if (gate !== undefined) {
      needs.add(gate);
    }
    out.set(id, [...needs]);
  });
  return out;
}

/** Whether an approval step before `id` in chain order was rejected: then `id` does not run. */
export function haltedAfterRejection(
  outputs: Readonly<Record<string, unknown>>,
  order: readonly string[],
  id: string,
  stepById: ReadonlyMap<string, Step>,
): boolean {
  for (const before of order) {
    if (before === id) return false;
    if (stepById.get(before)!.type !== 'approval') continue;
    const out = outputs[before] as { decision?: unknown } | undefined;
    if (out?.decision === 'reject') return true;
  }
  return false;
}

/**
 * haltedAfterRejection for a whole run, prepared once: the approval steps and every step's chain
 * position are indexed up front, so a step's check looks at the approvals before it only, not at
 * every step before it (which made a run quadratic in its size, issue 16). A runbook without
 * approval steps answers false at once.
 */
export function rejectionGate(
  order: readonly string[],
  stepById: ReadonlyMap<string, Step>,
): (outputs: Readonly<Record<string, unknown>>, id: string) => boolean {
  const approvals: Array<{ id: string; at: number }> = [];
  order.forEach((id, at) => {
    if (stepById.get(id)!.type === 'approval') approvals.push({ id, at });
  });
  if (approvals.length === 0) return () => false;
  const position = new Map(order.map((id, at) => [id, at]));
  return (outputs, id) => {
    const at = position.get(id) ?? order.length;
    for (const approval of approvals) {
      if (approval.at >= at) return false;
      if ((outputs[approval.id] as { decision?: unknown } | undefined)?.decision === 'reject') return true;
    }
    return false;
  };
}

/** The chain index of the approval step that paused the run (it failed with PCQ_RUN_PAUSED), if one did. */
export function pausedAt(order: readonly string[], results: ReadonlyArray<NodeResult<unknown>>, stepById: ReadonlyMap<string, Step>): number | undefined {
  const byId = new Map(results.map((r) => [r.id, r]));
  const index = order.findIndex((id) => {
    const r = byId.get(id);
    return stepById.get(id)?.type === 'approval' && r?.status === 'failed' && r.error?.code === 'PCQ_RUN_PAUSED';
  });
  return index < 0 ? undefined : index;
}

/** What the paused manifest says about the pause (signed): the step, its message, who may decide ([] = the whole roster). */
export function pauseOf(step: Step): ManifestPause {
  const config = approvalConfig(step);
  return { stepId: step.stepId, message: config.message, approvers: config.approvers ?? [] };
}
