// The checks that need the step kinds and provers, beyond schema and graph: every CEL expression
// compiles, every Cypher is present, every prover spec is well formed and names a real rule.
import type { Runbook } from '../../model/runbook.ts';
import type { PcqIssue } from '../../base/errors.ts';
import type { CelEngine } from '../../base/step-ports.ts';
import type { PolicySet } from '../../base/proofs.ts';
import { stepKinds } from '../../steps/registry.ts';
import { checkProverSpec } from '../../provers/registry.ts';
import type { RunbookCheckContext } from './checks.ts';

export function staticIssues(runbook: Runbook, cel: CelEngine, policies?: PolicySet): PcqIssue[] {
  const issues: PcqIssue[] = [];
  for (const step of runbook.steps) {
    const kind = stepKinds.get(step.type);
    if (kind) issues.push(...kind.check(step, runbook, cel));
  }
  for (const spec of Object.values(runbook.provers)) issues.push(...checkProverSpec(spec, cel, policies));
  return issues;
}

export function stepAndProverIssues(runbook: Runbook, ctx: RunbookCheckContext): PcqIssue[] {
  return staticIssues(runbook, ctx.cel, ctx.policies);
}
