// What a verdict says about a run, derived from its sealed manifest alone (pure, defensive: the
// manifest may come from a hostile evidence bundle, so every field is checked before use and a
// problem is returned, never thrown). The writer (write-verdict.ts) and the verifier
// (verify-verdict.ts) both call this, so a score can only agree with its manifest one way.
//   verdict = blocked   when any prover failed (a precondition or a postcondition), whatever
//                       happened downstream, and no final review decided it;
//           = failed    when no prover failed but a step attestation says status "failed";
//           = approved / rejected  by the first approve / reject review (a decided review is final,
//                       review/decision.ts; request-info decides nothing);
//           = pass      otherwise.
import type { Verdict } from '../base/run-record.ts';
import { decodeEnvelopePayload as decodePayload } from '../proof/statement.ts';

export interface ScoreProver {
  stepId: string;
  phase: 'precondition' | 'postcondition';
  prover: string;
  type: string;
  result: 'pass' | 'fail';
  evidence: string;
  details?: Record<string, unknown>;
}

export interface ScoreDecision {
  decision: 'approve' | 'reject' | 'request-info';
  reviewer: string;
  at: string;
  source: Record<string, unknown>;
  comment?: string;
}

export interface StepFact {
  stepId: string;
  status: string;
  outputsDigest?: string; // hex of the statement's first subject: sha256 of outputs/<stepId>.json's bytes
  /** The step's outputs are a private commitment: they are never in a published file. */
  private?: boolean;
  artifacts: Array<{ name: string; digest: string; size: number }>;
}

export interface ManifestFacts {
  executionId: string;
  runbookId: string;
  version: string;
  executedAt: string;
  executedBy: string;
  actor: string;
  merkleRoot: string;
  provers: ScoreProver[];
  decisions: ScoreDecision[];
  steps: StepFact[];
  verdict: Verdict;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function proverOf(stepId: string, phase: ScoreProver['phase'], p: unknown): ScoreProver | string {
  if (
    !isRecord(p) ||
    typeof p.prover !== 'string' ||
    typeof p.type !== 'string' ||
    (p.result !== 'pass' && p.result !== 'fail') ||
    typeof p.evidence !== 'string'
  ) {
    return `step ${stepId} has a malformed ${phase} proof`;
  }
  const out: ScoreProver = { stepId, phase, prover: p.prover, type: p.type, result: p.result, evidence: p.evidence };
  if (isRecord(p.details)) out.details = p.details;
  return out;
}

/** Reads the facts a verdict rests on; returns a problem string when the manifest lacks them. */
export function manifestFacts(manifest: unknown): ManifestFacts | { problem: string } {
  if (!isRecord(manifest)) return { problem: 'the manifest is not an object' };
  const m = manifest;
  for (const key of ['executionId', 'runbookId', 'version', 'executedAt', 'executedBy', 'actor', 'merkleRoot'] as const) {
    if (typeof m[key] !== 'string') return { problem: `the manifest has no string ${key}` };
  }
  if (!Array.isArray(m.steps)) return { problem: 'the manifest has no steps list' };
  const provers: ScoreProver[] = [];
  const steps: StepFact[] = [];
  for (const s of m.steps) {
    if (!isRecord(s) || typeof s.stepId !== 'string' || !isRecord(s.proofs)) return { problem: 'a manifest step is malformed' };
    for (const phase of ['precondition', 'postcondition'] as const) {
      const list = s.proofs[`${phase}s`];
      if (!Array.isArray(list)) return { problem: `step ${s.stepId} has no ${phase}s list` };
      for (const p of list) {
        const r = proverOf(s.stepId, phase, p);
        if (typeof r === 'string') return { problem: r };
        provers.push(r);
      }
    }
    const statement = decodePayload(s.attestation);
    const predicate = statement && isRecord(statement.predicate) ? statement.predicate : undefined;
    if (!predicate || typeof predicate.status !== 'string') return { problem: `step ${s.stepId}'s attestation has no readable status` };
    const subject = Array.isArray(statement!.subject) && isRecord(statement!.subject[0]) ? statement!.subject[0] : undefined;
    const digest = subject && isRecord(subject.digest) && typeof subject.digest.sha256 === 'string' ? subject.digest.sha256 : undefined;
    const artifacts = Array.isArray(predicate.artifacts)
      ? predicate.artifacts.filter(isRecord).map((a) => ({ name: String(a.name), digest: String(a.digest), size: Number(a.size) }))
      : [];
    const isPrivate = isRecord(predicate.outputs) && predicate.outputs.private === true;
    steps.push({
      stepId: s.stepId,
      status: predicate.status,
      ...(digest ? { outputsDigest: digest } : {}),
      ...(isPrivate ? { private: true } : {}),
      artifacts,
    });
  }
  const decisions: ScoreDecision[] = [];
  for (const [i, r] of (Array.isArray(m.reviews) ? m.reviews : []).entries()) {
    const p = decodePayload(r)?.predicate;
    if (
      !isRecord(p) ||
      typeof p.reviewer !== 'string' ||
      typeof p.at !== 'string' ||
      !isRecord(p.source) ||
      !['approve', 'reject', 'request-info'].includes(p.decision as string)
    ) {
      return { problem: `review ${i} has no readable decision` };
    }
    const d: ScoreDecision = { decision: p.decision as ScoreDecision['decision'], reviewer: p.reviewer, at: p.at, source: p.source };
    if (typeof p.comment === 'string') d.comment = p.comment;
    decisions.push(d);
  }
  return {
    executionId: m.executionId as string,
    runbookId: m.runbookId as string,
    version: m.version as string,
    executedAt: m.executedAt as string,
    executedBy: m.executedBy as string,
    actor: m.actor as string,
    merkleRoot: m.merkleRoot as string,
    provers,
    decisions,
    steps,
    verdict: m.state === 'paused' ? 'paused' : approvalRejected(m.steps) ? 'rejected' : verdictFrom(steps, provers, decisions),
  };
}

/** FORMATS.md "Approval steps": an approver rejected the run (an approval step's signed decision). */
function approvalRejected(steps: unknown[]): boolean {
  return steps.some((s) => {
    const predicate = isRecord(s) ? decodePayload(s.attestation)?.predicate : undefined;
    return isRecord(predicate) && isRecord(predicate.approval) && predicate.approval.decision === 'reject';
  });
}

export function verdictFrom(steps: readonly StepFact[], provers: readonly ScoreProver[], decisions: readonly ScoreDecision[]): Verdict {
  // Every failing prover opens a review (issue 9): it, not a downstream step failure, decides.
  if (!provers.some((p) => p.result === 'fail')) return steps.some((s) => s.status === 'failed') ? 'failed' : 'pass';
  const final = decisions.find((d) => d.decision !== 'request-info');
  return final === undefined ? 'blocked' : final.decision === 'approve' ? 'approved' : 'rejected';
}
