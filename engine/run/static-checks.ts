// The checks that need the step kinds and provers, beyond schema and graph: every CEL expression
// compiles, every Cypher is present, every prover spec is well formed and names a real rule.
// `pcq validate` and `pcq run` call the same function, so a run never starts on a runbook that
// validate would refuse.
import type { Runbook } from '../model/runbook.ts';
import type { PcqIssue } from '../base/errors.ts';
import type { CelEngine } from '../base/step-ports.ts';
import type { PolicySet } from '../base/proofs.ts';
import { stepKinds } from '../steps/registry.ts';
import { checkProverSpec } from '../provers/registry.ts';

export function staticIssues(runbook: Runbook, cel: CelEngine, policies?: PolicySet): PcqIssue[] {
  const issues: PcqIssue[] = [];
  for (const step of runbook.steps) {
    const kind = stepKinds.get(step.type);
    if (kind) issues.push(...kind.check(step, runbook, cel));
  }
  for (const spec of Object.values(runbook.provers)) issues.push(...checkProverSpec(spec, cel, policies));
  return issues;
}
