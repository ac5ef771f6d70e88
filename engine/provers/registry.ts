// The prover registry: `type:` → ProverKind, and runProver, the one way the executor runs a prover.
// Contract (prover-kind.ts): a prover error is never a pass. Anything thrown — a bug, an aborted
// signal, an unknown type — becomes a `fail` whose evidence says what went wrong.
import type { PcqIssue } from '../base/errors.ts';
import { toIssues } from '../base/errors.ts';
import type { ProverSpec } from '../model/runbook.ts';
import type { CelEngine } from '../base/step-ports.ts';
import type { PolicySet, ProofResult } from '../base/proofs.ts';
import type { ProverContext, ProverKind } from './prover-kind.ts';
import { authorityProver } from './authority.ts';
import { citationsProver } from './citations.ts';
import { licenseProver } from './license.ts';
import { metricProver } from './metric.ts';
import { failed, specIssue } from './proof-outcome.ts';

const KINDS: readonly ProverKind[] = [authorityProver, licenseProver, metricProver, citationsProver];

export const proverKinds: Readonly<Record<string, ProverKind>> = Object.freeze(
  Object.fromEntries(KINDS.flatMap((kind) => kind.types.map((type) => [type, kind]))),
);

export function proverKindFor(type: string): ProverKind | undefined {
  return Object.hasOwn(proverKinds, type) ? proverKinds[type] : undefined;
}

/** Static checks of one prover declaration (used by `pcq validate`); never throws. */
export function checkProverSpec(spec: ProverSpec, cel: CelEngine, policies?: PolicySet): PcqIssue[] {
  const kind = proverKindFor(spec.type);
  if (!kind) {
    return [specIssue(spec, 'PCQ_PROVER_UNKNOWN_TYPE', `has unknown type "${spec.type}"`, `Use one of: ${Object.keys(proverKinds).sort().join(', ')}.`)];
  }
  try {
    return kind.check(spec, cel, policies);
  } catch (err) {
    return toIssues(err);
  }
}

export async function runProver(ctx: ProverContext): Promise<ProofResult> {
  const { spec } = ctx;
  const kind = proverKindFor(spec.type);
  if (!kind) return failed(spec, spec.type, `Not proven: unknown prover type "${spec.type}"`);
  if (ctx.signal.aborted) return failed(spec, kind.types[0]!, 'Not proven: the run was cancelled before the prover ran');
  try {
    const result = await kind.prove(ctx);
    // A kind that returns something malformed must not slip through as a pass.
    if (result?.result !== 'pass' && result?.result !== 'fail') return failed(spec, kind.types[0]!, 'Not proven: the prover returned no verdict');
    return result;
  } catch (err) {
    const issue = toIssues(err)[0]!;
    return failed(spec, kind.types[0]!, `Not proven: the prover failed (${issue.message})`, { error: issue });
  }
}
