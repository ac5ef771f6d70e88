// Human-review decisions and ticket states as the site shows them. A decision is a signed review
// statement appended to the manifest (FORMATS "reviews", predicateType https://pcq.dev/review/v1);
// the ticket (attestations/reviews/<executionId>.yaml) is the unsigned queue entry, whose state
// and decisions are taken from the counted signed decisions only.
import { decodeEnvelope, predicateOf } from './decode-envelope.ts';
import { asArray, asObject, pickNumber, pickString, pickStrings, type Loose } from './loose-json.ts';
import type { ReviewDecisionView, ReviewState, TicketView } from './site-model.ts';

/**
 * Every review appended to the manifest, as signed; `counts` marks those whose signature verifies
 * and which keep the review rules (indices from proof/verify-reviews.ts countedDecisions, computed by
 * the reader). Only counted decisions give a ticket its state.
 */
export function decodeDecisions(reviews: unknown, counted: readonly number[] = []): ReviewDecisionView[] {
  const out: ReviewDecisionView[] = [];
  for (const [i, envelope] of asArray(reviews).entries()) {
    const decoded = decodeEnvelope(envelope);
    const p = predicateOf(decoded);
    const view: ReviewDecisionView = {
      decision: pickString(p, 'decision') ?? 'unknown',
      by: pickString(p, 'reviewer') ?? '',
      at: pickString(p, 'at') ?? '',
      keyid: decoded?.keyid ?? '',
      kind: pickString(p, 'kind') ?? 'unknown',
      counts: decoded !== undefined && counted.includes(i),
    };
    const comment = pickString(p, 'comment');
    if (comment !== undefined) view.comment = comment;
    const pr = pickNumber(asObject(p['source']), 'pullRequest');
    if (pr !== undefined) view.pullRequest = pr;
    out.push(view);
  }
  return out;
}

/** Maps any spelling of a decision (approve, APPROVED, changes_requested, comment, …) to a state. */
export function stateOfDecision(decision: string | undefined): ReviewState | undefined {
  const d = (decision ?? '').toLowerCase().replace(/[\s_]+/g, '-');
  if (d.startsWith('approve')) return 'approved';
  if (d.startsWith('reject') || d === 'changes-requested') return 'rejected';
  if (d.includes('info') || d === 'commented' || d === 'comment') return 'info-requested';
  if (d === 'open' || d === 'pending') return 'open';
  return undefined;
}

/**
 * The ticket as shown in the queue. Its state and decisions are the COUNTED signed decisions'
 * (`decisions` from decodeDecisions): the ticket's own `state` and `decisions` fields are a copy
 * anyone can edit, so they are never shown (a hand edit changes nothing here).
 */
export function ticketView(ticket: Loose, decisions: ReviewDecisionView[], fallback: { runbookId: string; executionId: string }): TicketView {
  const counted = decisions.filter((d) => d.counts);
  const state = stateOfDecision(counted.at(-1)?.decision) ?? 'open';
  const view: TicketView = {
    executionId: pickString(ticket, 'executionId') ?? fallback.executionId,
    runbookId: pickString(ticket, 'runbookId') ?? fallback.runbookId,
    failedStep: pickString(ticket, 'failedStep') ?? '',
    failedProver: pickString(ticket, 'failedProver') ?? '',
    reason: pickString(ticket, 'reason') ?? '',
    assignedTo: pickStrings(ticket, 'assignedTo'),
    roster: pickStrings(ticket, 'roster'),
    state,
    decisions: counted.map((d) => {
      const row: TicketView['decisions'][number] = {
        decision: d.decision,
        reviewer: d.by,
        at: d.at,
        comment: d.comment ?? '',
        source: d.kind === 'runner-attested-github' ? 'github' : 'local',
      };
      if (d.pullRequest !== undefined) row.pullRequest = d.pullRequest;
      return row;
    }),
  };
  const createdAt = ticket['createdAt'];
  if (typeof createdAt === 'string') view.createdAt = createdAt;
  else if (createdAt instanceof Date) view.createdAt = createdAt.toISOString().replace('.000Z', 'Z');
  const evidence = ticket['evidence'];
  if (typeof evidence === 'string') view.evidence = evidence;
  else if (evidence !== undefined && evidence !== null && Object.keys(asObject(evidence)).length > 0) view.evidence = JSON.stringify(evidence);
  const url = pickString(ticket, 'decisionUrl');
  if (url !== undefined && /^https:\/\//.test(url)) view.decisionUrl = url;
  return view;
}
