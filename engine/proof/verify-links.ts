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
  const fold = new ChainFold();
  for (const f of facts) fold.add(f, steps[f.index]!.proofs);
  fold.report(fail, pass);
}

/**
 * The same checks one step at a time, in chain order (the streaming verifier): it keeps per step
 * only its id, its attestation hash and whether a branch skipped it (for later steps' parents),
 * never the envelopes. Duplicates are reported first, then each step's links, as before.
 */
export class ChainFold {
  private readonly byStepId = new Map<string, number>();
  private readonly byHash = new Map<string, number>();
  private readonly hashOf: string[] = [];
  private readonly skipped: boolean[] = [];
  private previous: { stepId: string; hash: string } | undefined;
  private count = 0;
  private readonly duplicates: Array<Parameters<Report>> = [];
  private readonly links: Array<Parameters<Report>> = [];

  add(f: StepFacts, proofs: unknown): void {
    this.count++;
    if (this.byStepId.has(f.stepId))
      this.duplicates.push(['PCQ_DUPLICATE_STEP', 'duplicate-step', `stepId appears at positions ${this.byStepId.get(f.stepId)} and ${f.index}`, f.stepId]);
    else this.byStepId.set(f.stepId, f.index);
    if (f.hash !== undefined) {
      if (this.byHash.has(f.hash))
        this.duplicates.push([
          'PCQ_DUPLICATE_STEP',
          'duplicate-step',
          `the same attestation appears at positions ${this.byHash.get(f.hash)} and ${f.index}`,
          f.stepId,
        ]);
      else this.byHash.set(f.hash, f.index);
    }
    const own = f.hash ?? f.claimedHash;
    this.hashOf.push(own);
    this.skipped.push(f.predicate?.skipped !== undefined);
    const report: Report = (code, check, message, stepId) => void this.links.push([code, check, message, stepId]);
    const previous = this.previous;
    this.previous = { stepId: f.stepId, hash: own };
    if (f.hash !== undefined && f.hash !== f.claimedHash) {
      report('PCQ_CHAIN_BROKEN', 'attestation-hash', `attestationHash is ${f.claimedHash} but the attestation hashes to ${f.hash}`, f.stepId);
    }
    const p = f.predicate;
    if (!p) return;
    const expectedPrevious = f.index === 0 ? null : previous!.hash;
    if (p.previousAttestationHash !== expectedPrevious) {
      report(
        'PCQ_CHAIN_BROKEN',
        'chain',
        f.index === 0
          ? `the first attestation must have previousAttestationHash null, it has ${String(p.previousAttestationHash)}`
          : `previousAttestationHash ${String(p.previousAttestationHash)} is not the attestation of the step before it (${previous!.stepId})`,
        f.stepId,
      );
    }
    const needs = p.needs;
    const parents = p.parents;
    const problems: string[] = [];
    if (needs.length !== parents.length) problems.push(`${needs.length} needs but ${parents.length} parents`);
    else {
      needs.forEach((need, j) => {
        const at = this.byStepId.get(need);
        if (at === undefined || at >= f.index) problems.push(`needs "${need}", which is not an earlier step of this manifest`);
        else if (parents[j] !== this.hashOf[at]) problems.push(`parent ${j} is not the attestation of "${need}"`);
      });
    }
    if (problems.length > 0) report('PCQ_PARENTS_MISMATCH', 'parents', problems.join('; '), f.stepId);
    else this.checkBranchRule(f, p, report);
    if (!sameJson(proofs, p.proofs)) {
      report('PCQ_PROOFS_MISMATCH', 'proofs', "the manifest's proofs for this step differ from the signed attestation's proofs", f.stepId);
    }
  }

  /**
   * FORMATS.md "Conditional steps": a step is skipped with its parents exactly when it has parents
   * and every one of them was skipped by a branch. Checked on the signed predicates only.
   */
  private checkBranchRule(f: StepFacts, p: LinkFields, report: Report): void {
    const allParentsSkipped = p.needs.length > 0 && p.needs.every((need) => this.skipped[this.byStepId.get(need)!] === true);
    if (p.skipped === 'parents-skipped' && !allParentsSkipped) {
      report('PCQ_BRANCH_MISMATCH', 'branch', 'the step says its parents were all skipped, but at least one of them ran', f.stepId);
    } else if (allParentsSkipped && p.skipped !== 'parents-skipped') {
      report('PCQ_BRANCH_MISMATCH', 'branch', 'every parent of the step was skipped by a branch, so the step must be skipped with them', f.stepId);
    }
  }

  /** Whether a step with this id was added. */
  has(stepId: string): boolean {
    return this.byStepId.has(stepId);
  }

  report(fail: Report, pass: Pass): void {
    for (const d of this.duplicates) fail(...d);
    for (const l of this.links) fail(...l);
    if (this.duplicates.length + this.links.length === 0) pass('PCQ_CHAIN_BROKEN', 'chain', `${this.count} attestations chained, parents and proofs match`);
  }
}
