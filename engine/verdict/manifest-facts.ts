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
  const fold = new ManifestFactsFold();
  if (Array.isArray(manifest.steps)) for (const s of manifest.steps) fold.add(s);
  return fold.finish(manifest);
}

/**
 * manifestFacts one step at a time (the streaming verifier: `pcq verify`'s summary). `light` keeps
 * only what the verdict needs, not every step's and prover's facts, so memory stays bounded.
 */
export class ManifestFactsFold {
  private problem: string | undefined;
  private readonly provers: ScoreProver[] = [];
  private readonly steps: StepFact[] = [];
  private proverFailed = false;
  private stepFailed = false;
  private rejected = false;

  private readonly light: boolean;

  constructor(light = false) {
    this.light = light;
  }

  /** `statement`: the step's decoded payload when the caller already has it (else decoded here). */
  add(s: unknown, statement?: Record<string, unknown>): void {
    if (this.problem !== undefined) return;
    if (!isRecord(s) || typeof s.stepId !== 'string' || !isRecord(s.proofs)) return void (this.problem = 'a manifest step is malformed');
    for (const phase of ['precondition', 'postcondition'] as const) {
      const list = s.proofs[`${phase}s`];
      if (!Array.isArray(list)) return void (this.problem = `step ${s.stepId} has no ${phase}s list`);
      for (const p of list) {
        const r = proverOf(s.stepId, phase, p);
        if (typeof r === 'string') return void (this.problem = r);
        if (r.result === 'fail') this.proverFailed = true;
        if (!this.light) this.provers.push(r);
      }
    }
    const st = statement ?? decodePayload(s.attestation);
    const predicate = st && isRecord(st.predicate) ? st.predicate : undefined;
    if (!predicate || typeof predicate.status !== 'string') return void (this.problem = `step ${s.stepId}'s attestation has no readable status`);
    if (isRecord(predicate.approval) && predicate.approval.decision === 'reject') this.rejected = true;
    if (predicate.status === 'failed') this.stepFailed = true;
    if (this.light) return;
    const subject = Array.isArray(st!.subject) && isRecord(st!.subject[0]) ? st!.subject[0] : undefined;
    const digest = subject && isRecord(subject.digest) && typeof subject.digest.sha256 === 'string' ? subject.digest.sha256 : undefined;
    const artifacts = Array.isArray(predicate.artifacts)
      ? predicate.artifacts.filter(isRecord).map((a) => ({ name: String(a.name), digest: String(a.digest), size: Number(a.size) }))
      : [];
    const isPrivate = isRecord(predicate.outputs) && predicate.outputs.private === true;
    this.steps.push({
      stepId: s.stepId,
      status: predicate.status,
      ...(digest ? { outputsDigest: digest } : {}),
      ...(isPrivate ? { private: true } : {}),
      artifacts,
    });
  }

  /** The facts, given the manifest's other fields (its `steps` are not read here). */
  finish(manifest: unknown): ManifestFacts | { problem: string } {
    if (!isRecord(manifest)) return { problem: 'the manifest is not an object' };
    const m = manifest;
    for (const key of ['executionId', 'runbookId', 'version', 'executedAt', 'executedBy', 'actor', 'merkleRoot'] as const) {
      if (typeof m[key] !== 'string') return { problem: `the manifest has no string ${key}` };
    }
    if (!Array.isArray(m.steps)) return { problem: 'the manifest has no steps list' };
    if (this.problem !== undefined) return { problem: this.problem };
    const provers = this.provers;
    const steps = this.steps;
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
      // FORMATS.md "Approval steps": an approver rejected the run (an approval step's signed decision).
      verdict: m.state === 'paused' ? 'paused' : this.rejected ? 'rejected' : this.verdict(decisions),
    };
  }

  private verdict(decisions: readonly ScoreDecision[]): Verdict {
    if (this.light) {
      // verdictFrom on the flags alone.
      if (!this.proverFailed) return this.stepFailed ? 'failed' : 'pass';
      const final = decisions.find((d) => d.decision !== 'request-info');
      return final === undefined ? 'blocked' : final.decision === 'approve' ? 'approved' : 'rejected';
    }
    return verdictFrom(this.steps, this.provers, decisions);
  }
}

export function verdictFrom(steps: readonly StepFact[], provers: readonly ScoreProver[], decisions: readonly ScoreDecision[]): Verdict {
  // Every failing prover opens a review (issue 9): it, not a downstream step failure, decides.
  if (!provers.some((p) => p.result === 'fail')) return steps.some((s) => s.status === 'failed') ? 'failed' : 'pass';
  const final = decisions.find((d) => d.decision !== 'request-info');
  return final === undefined ? 'blocked' : final.decision === 'approve' ? 'approved' : 'rejected';
}
