// Who signs a decision and what it may claim, kept apart from how review/decide.ts
// writes it. The review state is the one the manifest's signed, rule-abiding review attestations
// lead to (proof/verify-reviews.ts countedDecisions); a ticket's `state` and `decisions` are a
// convenience copy that pcq rewrites from them, so a hand edit of a ticket changes nothing shown
// and locks nobody out. A new decision is checked with the same offline rules `pcq verify` applies
// before anything is written, so pcq never records a decision that would not verify.
import { nodeVerify } from '../proof/ed25519-node.ts';
import type { DsseEnvelope, GithubReviewSource, Manifest } from '../base/signed-records.ts';
import { reviewProblems, stateOfCounted, type ReviewClaim, type SignedReviewState } from '../proof/review-rules.ts';
import type { TrustStore } from '../proof/trust.ts';
import { countedDecisions, readReviewClaim, ruleContext } from '../proof/verify-reviews.ts';
import { decodeEnvelopePayload } from '../proof/statement.ts';
import { PcqErrors } from '../base/errors.ts';
import type { ReviewEvaluation, ReviewFacts } from './approval-rules.ts';
import type { Decision } from './decision.ts';
import type { Ticket } from './ticket.ts';

/** Refusals about WHO signed (answered by using one's own reviewer key), not about the decision. */
const SIGNER_CODES: readonly string[] = ['PCQ_REVIEW_KEY_NOT_BOUND', 'PCQ_KEY_UNKNOWN', 'PCQ_KEY_REVOKED', 'PCQ_KEY_NOT_VALID_AT'];

export interface SignedReviewContext {
  trust: TrustStore;
  roster: readonly string[];
}

/** The counted decisions of a manifest and the state they lead to. */
export async function signedReviewState(
  manifest: Manifest | Record<string, unknown>,
  ctx: SignedReviewContext,
): Promise<{ counted: ReviewClaim[]; state: SignedReviewState; ignored: number }> {
  return countedDecisions(manifest as unknown as Record<string, unknown>, ctx, nodeVerify);
}

/** A counted review as the ticket's decision list records it. */
export function ticketDecisionOf(executionId: string, claim: ReviewClaim): Decision {
  const base = { executionId, reviewer: claim.reviewer, decision: claim.decision, comment: claim.comment ?? '', at: claim.at };
  if (claim.kind === 'reviewer-signed' || !claim.github) return { ...base, source: 'local' };
  return { ...base, source: 'github', pullRequest: claim.github.pullRequest, reviewId: claim.github.reviewId, commitId: claim.github.commitId.toLowerCase() };
}

/** The ticket with the state and decisions the signed reviews give it (its own are ignored). */
export function ticketWithSignedState(ticket: Ticket, counted: readonly ReviewClaim[]): Ticket {
  return { ...ticket, state: stateOfCounted(counted), decisions: counted.map((c) => ticketDecisionOf(ticket.executionId, c)) };
}

/** The GitHub facts the runner attests for a counted PR review (FORMATS.md "Review attestations"). */
export function githubAttestedSource(
  base: { repository: string; pullRequest: number; reviewId: number },
  facts: ReviewFacts,
  evaluation: ReviewEvaluation,
): GithubReviewSource {
  return {
    kind: 'github',
    repository: base.repository,
    pullRequest: base.pullRequest,
    reviewId: base.reviewId,
    commitId: facts.review.commit_id,
    headSha: facts.pr.headSha,
    reviewerType: facts.review.user.type,
    evaluation: { counts: evaluation.counts, decision: evaluation.decision, reasons: evaluation.reasons.map((r) => r.code) },
  };
}

/**
 * Refuses (PcqErrors, the rule codes) a new review envelope that would not count after the reviews
 * that already do: the rules `pcq verify` applies, with the same trust store and roster.
 */
export function assertReviewCounts(manifest: Manifest, counted: readonly ReviewClaim[], envelope: DsseEnvelope, ctx: SignedReviewContext): void {
  const predicate = decodeEnvelopePayload(envelope)?.predicate as Record<string, unknown> | undefined;
  const claim = predicate ? readReviewClaim(predicate, envelope.signatures[0]?.keyid ?? '') : { problem: 'the envelope has no predicate' };
  const problems =
    'problem' in claim
      ? [{ code: 'PCQ_REVIEW_INVALID' as const, message: claim.problem }]
      : reviewProblems([...counted, claim], ruleContext(manifest as unknown as Record<string, unknown>, ctx)).at(-1)!;
  if (problems.length === 0) return;
  throw new PcqErrors(
    problems.map((p) => ({
      code: p.code,
      message: `the decision would not verify: ${p.message}`,
      hint: SIGNER_CODES.includes(p.code)
        ? 'Sign with your own reviewer key: `pcq keys generate --reviewer <login>`, listed with `login: <login>` and role reviewer in the trust store. Nothing was changed.'
        : 'Nothing was changed. Only a roster ombuds who did not ask for the run decides its review.',
    })),
  );
}
