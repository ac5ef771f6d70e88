// The links between step attestations (FORMATS.md, docs/design.md §5 "The chain"): unique steps, each
// attestationHash = sha256(JCS(envelope)), previousAttestationHash naming the step before it in
// chain order, parents naming the attestations of the step's `needs` (which must come earlier),
// and the manifest's per-step proofs equal to the signed predicate's proofs.
import { canonicalize, isCanonicalText } from './jcs.ts';
import type { PcqCode } from '../base/error-catalogue.ts';

export interface StepFacts {
  index: number;
  stepId: string;
  claimedHash: string; // the manifest's attestationHash
  hash: string | undefined; // sha256(JCS(envelope)), when the envelope is readable
  predicate: LinkFields | undefined; // when the payload checked out
}

/** The signed predicate's fields the links are checked against. */
export interface LinkFields {
  previousAttestationHash: unknown;
  needs: string[];
  parents: string[];
  proofs: unknown;
  /** The branch decision (run/conditions.ts): set when a branch skipped the step. */
  skipped?: unknown;
  /** An approval step's signed decision (proof/verify-approvals.ts). */
  approval?: unknown;
  /** A spell step's signed spell record (checked by verify-spells.ts). */
  spell?: unknown;
}

type Report = (code: PcqCode, check: string, message: string, stepId?: string) => void;
type Pass = (code: PcqCode, check: string, message: string) => void;

/** canonicalize(a) === canonicalize(b), false when either has no canonical form (b is compared in place). */
function sameJson(a: unknown, b: unknown): boolean {
  let text: string;
  try {
    text = canonicalize(a);
  } catch {
    return false;
  }
  return isCanonicalText(b, text);
}

export function verifyStepLinks(steps: ReadonlyArray<{ stepId: string; proofs: unknown }>, facts: StepFacts[], fail: Report, pass: Pass): void {
  const failuresBefore = { count: 0 };
  const report: Report = (code, check, message, stepId) => {
    failuresBefore.count++;
    fail(code, check, message, stepId);
  };

  // Duplicates: the same stepId twice, or the same attestation twice.
  const byStepId = new Map<string, number>();
  const byHash = new Map<string, number>();
  for (const f of facts) {
    if (byStepId.has(f.stepId))
      report('PCQ_DUPLICATE_STEP', 'duplicate-step', `stepId appears at positions ${byStepId.get(f.stepId)} and ${f.index}`, f.stepId);
    else byStepId.set(f.stepId, f.index);
    if (f.hash !== undefined) {
      if (byHash.has(f.hash))
        report('PCQ_DUPLICATE_STEP', 'duplicate-step', `the same attestation appears at positions ${byHash.get(f.hash)} and ${f.index}`, f.stepId);
      else byHash.set(f.hash, f.index);
    }
  }

  for (const f of facts) {
    if (f.hash !== undefined && f.hash !== f.claimedHash) {
      report('PCQ_CHAIN_BROKEN', 'attestation-hash', `attestationHash is ${f.claimedHash} but the attestation hashes to ${f.hash}`, f.stepId);
    }
    const p = f.predicate;
    if (!p) continue;
    const expectedPrevious = f.index === 0 ? null : (facts[f.index - 1]!.hash ?? facts[f.index - 1]!.claimedHash);
    if (p.previousAttestationHash !== expectedPrevious) {
      report(
        'PCQ_CHAIN_BROKEN',
        'chain',
        f.index === 0
          ? `the first attestation must have previousAttestationHash null, it has ${String(p.previousAttestationHash)}`
          : `previousAttestationHash ${String(p.previousAttestationHash)} is not the attestation of the step before it (${facts[f.index - 1]!.stepId})`,
        f.stepId,
      );
    }
    const needs = p.needs;
    const parents = p.parents;
    const problems: string[] = [];
    if (needs.length !== parents.length) problems.push(`${needs.length} needs but ${parents.length} parents`);
    else {
      needs.forEach((need, j) => {
        const at = byStepId.get(need);
        if (at === undefined || at >= f.index) problems.push(`needs "${need}", which is not an earlier step of this manifest`);
        else if (parents[j] !== (facts[at]!.hash ?? facts[at]!.claimedHash)) problems.push(`parent ${j} is not the attestation of "${need}"`);
      });
    }
    if (problems.length > 0) report('PCQ_PARENTS_MISMATCH', 'parents', problems.join('; '), f.stepId);
    else checkBranchRule(f, p, facts, byStepId, report);
    if (!sameJson(steps[f.index]!.proofs, p.proofs)) {
      report('PCQ_PROOFS_MISMATCH', 'proofs', "the manifest's proofs for this step differ from the signed attestation's proofs", f.stepId);
    }
  }
  if (failuresBefore.count === 0) pass('PCQ_CHAIN_BROKEN', 'chain', `${facts.length} attestations chained, parents and proofs match`);
}

/**
 * FORMATS.md "Conditional steps": a step is skipped with its parents exactly when it has parents
 * and every one of them was skipped by a branch. Checked on the signed predicates only.
 */
function checkBranchRule(f: StepFacts, p: LinkFields, facts: StepFacts[], byStepId: ReadonlyMap<string, number>, report: Report): void {
  const allParentsSkipped = p.needs.length > 0 && p.needs.every((need) => facts[byStepId.get(need)!]!.predicate?.skipped !== undefined);
  if (p.skipped === 'parents-skipped' && !allParentsSkipped) {
    report('PCQ_BRANCH_MISMATCH', 'branch', 'the step says its parents were all skipped, but at least one of them ran', f.stepId);
  } else if (allParentsSkipped && p.skipped !== 'parents-skipped') {
    report('PCQ_BRANCH_MISMATCH', 'branch', 'every parent of the step was skipped by a branch, so the step must be skipped with them', f.stepId);
  }
}
