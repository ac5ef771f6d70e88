// The checks of FORMATS.md "Approval steps", on the manifest alone (browser and `pcq verify` alike):
//   - a paused manifest (state: paused) is reported as PAUSED — its steps so far verify, the run is
//     not complete — and the step it waits at has no attestation yet;
//   - every approval step's signed decision (predicate `approval`) names, by digest, an envelope in
//     `approvals`; that envelope verifies under the approver's own key, says the same thing (step,
//     execution, decision, approver, inputs), and was taken on the paused root, which is recomputed
//     here as the RFC 9162 root of the attestations before the approval step (the decision covers
//     exactly what ran before it); the approver passes the ombuds rules (proof/review-rules.ts:
//     own reviewer key — or, decided by a review of the Action's pause PR, a trusted runner key
//     attesting the GitHub facts it checked — on the roster, not the run's actor, not a bot, not
//     before the run) and is
//     among the step's approvers when it names some; no envelope is left over.
import type { PcqCode } from '../base/error-catalogue.ts';
import type { Ed25519Verify } from '../base/signer.ts';
import { approvalEnvelopeDigest, readApprovalDecision } from './approval-decision.ts';
import { readEnvelope, verifyEnvelopeSignature } from './dsse.ts';
import { formatDigest } from './digest.ts';
import type { Sha256 } from './hash.ts';
import { canonicalize } from './jcs.ts';
import { foldLogin, singleReviewProblems, type ReviewClaim } from './review-rules.ts';
import { tryDecodeStrKey } from './strkey.ts';
import type { StepFacts } from './verify-links.ts';
import { ruleContext, type ReviewCheckContext } from './verify-reviews.ts';

type Raw = Record<string, unknown>;
type Fail = (code: PcqCode, check: string, message: string, stepId?: string) => void;
type Pass = (code: PcqCode, check: string, message: string) => void;
const isRecord = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The paused state: reported plainly, never as a complete run. */
export function checkPausedState(m: Raw, steps: { count: number; has(stepId: string): boolean }, fail: Fail, pass: Pass): void {
  if (m.state !== 'paused' || !isRecord(m.pause)) return;
  const at = String(m.pause.stepId);
  if (steps.has(at)) return void fail('PCQ_APPROVAL_MISMATCH', 'paused', `the run says it is paused at ${at}, but ${at} is already attested`, at);
  pass(
    'PCQ_APPROVAL_MISMATCH',
    'paused',
    `PAUSED at approval step ${at}: the ${steps.count} step(s) before it verify; the run is NOT complete until an approver decides`,
  );
}

/**
 * `facts`: the approval steps' facts (any others are skipped); `pausedRoot(index)`: the RFC 9162
 * root of the attestations before step `index` (the streaming verifier folds it as it goes; it
 * throws where an earlier attestation has no canonical form).
 */
export async function verifyApprovals(
  m: Raw,
  facts: readonly StepFacts[],
  pausedRoot: (index: number) => Uint8Array,
  ctx: ReviewCheckContext,
  verify: Ed25519Verify,
  sha256: Sha256,
  fail: Fail,
  pass: Pass,
): Promise<void> {
  const envelopes = Array.isArray(m.approvals) ? (m.approvals as unknown[]) : [];
  const byDigest = new Map(envelopes.map((e, i) => [approvalEnvelopeDigest(e, sha256), i]));
  const used = new Set<number>();
  for (const f of facts) {
    const approval = f.predicate?.approval;
    if (!isRecord(approval)) continue;
    const index = byDigest.get(String(approval.envelopeDigest));
    if (index === undefined || used.has(index)) {
      fail('PCQ_APPROVAL_MISMATCH', 'approval', 'the signed decision names an envelope the manifest does not carry (once)', f.stepId);
      continue;
    }
    used.add(index);
    const problems = await decisionProblems(envelopes[index], approval, f, m, ctx, verify);
    const root = formatDigest(pausedRoot(f.index));
    if (root !== approval.pausedMerkleRoot)
      problems.push(`it was taken on paused root ${String(approval.pausedMerkleRoot)}, but the steps before it have root ${root}`);
    if (problems.length > 0) fail('PCQ_APPROVAL_MISMATCH', 'approval', problems.join('; '), f.stepId);
    else
      pass(
        'PCQ_APPROVAL_MISMATCH',
        'approval',
        `${f.stepId}: ${String(approval.decision)} by ${String(approval.reviewer)} ${approvalSigner(envelopes[index])} ${String(approval.keyid)}, on paused root ${root}`,
      );
  }
  envelopes.forEach((_, i) => {
    if (!used.has(i)) fail('PCQ_APPROVAL_MISMATCH', 'approval', `approvals[${i}] is named by no approval step`);
  });
}

async function decisionProblems(envelope: unknown, approval: Raw, f: StepFacts, m: Raw, ctx: ReviewCheckContext, verify: Ed25519Verify): Promise<string[]> {
  const decision = readApprovalDecision(envelope);
  if ('problem' in decision) return [`its decision envelope: ${decision.problem}`];
  const env = readEnvelope(envelope);
  const key = tryDecodeStrKey('public', decision.keyid);
  if (!env.ok || !key || !(await verifyEnvelopeSignature(env.envelope, env.payload, 0, key, verify, { signed: env.signed }))) {
    return [`the decision envelope's signature does not verify with ${decision.keyid}`];
  }
  const out: string[] = [];
  const same: Array<[string, unknown, unknown]> = [
    ['step', decision.stepId, f.stepId],
    ['execution', decision.executionId, m.executionId],
    ['runbook', decision.runbookId, m.runbookId],
    ['decision', decision.decision, approval.decision],
    ['approver', decision.reviewer, approval.reviewer],
    ['key', decision.keyid, approval.keyid],
    ['paused root', decision.pausedMerkleRoot, approval.pausedMerkleRoot],
    ['inputs', canonicalize(decision.inputs), canonicalize(approval.inputs ?? null)],
  ];
  for (const [what, signed, attested] of same)
    if (signed !== attested) out.push(`the approver signed ${what} ${String(signed)}, the attestation says ${String(attested)}`);
  // The same rules as ombuds reviews, for either kind: the approver's own key, or the runner attesting
  // the pause PR review it checked (review head = PR head, counted as this decision).
  const claim: ReviewClaim = {
    kind: decision.kind,
    keyid: decision.keyid,
    decision: decision.decision,
    reviewer: decision.reviewer,
    at: decision.at,
    ...(decision.github ? { github: decision.github } : {}),
  };
  for (const p of singleReviewProblems(claim, ruleContext(m, ctx))) out.push(`${p.code}: ${p.message}`);
  if (decision.approvers.length > 0 && !decision.approvers.some((a) => foldLogin(a) === foldLogin(decision.reviewer))) {
    out.push(`PCQ_APPROVER_NOT_LISTED: ${decision.reviewer} is not among the step's approvers (${decision.approvers.join(', ')})`);
  }
  return out;
}

/** How the pass line names the signer: the approver's own key, or the runner attesting a PR review. */
function approvalSigner(envelope: unknown): string {
  const decision = readApprovalDecision(envelope);
  if ('problem' in decision || decision.kind !== 'runner-attested-github') return 'with their own key';
  return `on pull request #${decision.github!.pullRequest} (review ${decision.github!.reviewId}), attested by the runner key`;
}
