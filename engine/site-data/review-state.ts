// Human-review decisions and ticket states as the site shows them. A decision is a signed review
// statement appended to the manifest (FORMATS "reviews", predicateType https://pcq.dev/review/v1);
// the ticket (attestations/reviews/<executionId>.yaml) is the unsigned queue entry.
import { decodeEnvelope, predicateOf } from './decode-envelope.ts';
import { asArray, asObject, pickString, pickStrings, type Loose } from './loose-json.ts';
import type { ReviewDecisionView, ReviewState, TicketView } from './site-model.ts';

export function decodeDecisions(reviews: unknown): ReviewDecisionView[] {
  const out: ReviewDecisionView[] = [];
  for (const envelope of asArray(reviews)) {
    const decoded = decodeEnvelope(envelope);
    if (!decoded) continue;
    const p = predicateOf(decoded);
    const view: ReviewDecisionView = {
      decision: pickString(p, 'decision', 'state', 'action') ?? 'unknown',
      by: pickString(p, 'reviewer', 'by', 'actor') ?? '',
      at: pickString(p, 'timestamp', 'decidedAt', 'at') ?? '',
      keyid: decoded.keyid,
    };
    const comment = pickString(p, 'comment', 'reason');
    if (comment !== undefined) view.comment = comment;
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

/** The ticket as shown in the queue; its state comes from the ticket, else the latest decision. */
export function ticketView(ticket: Loose, decisions: ReviewDecisionView[], fallback: { runbookId: string; executionId: string }): TicketView {
  const latest = decisions.length > 0 ? decisions[decisions.length - 1] : undefined;
  const ticketDecisions = asArray(ticket['decisions']).map(asObject);
  const lastTicketDecision = ticketDecisions.length > 0 ? ticketDecisions[ticketDecisions.length - 1] : undefined;
  const state =
    stateOfDecision(pickString(ticket, 'state', 'status')) ??
    stateOfDecision(latest?.decision) ??
    stateOfDecision(lastTicketDecision ? pickString(lastTicketDecision, 'decision', 'state') : undefined) ??
    'open';
  const view: TicketView = {
    executionId: pickString(ticket, 'executionId') ?? fallback.executionId,
    runbookId: pickString(ticket, 'runbookId') ?? fallback.runbookId,
    failedStep: pickString(ticket, 'failedStep', 'stepId') ?? '',
    failedProver: pickString(ticket, 'failedProver', 'prover') ?? '',
    reason: pickString(ticket, 'reason', 'message') ?? '',
    assignedTo: pickStrings(ticket, 'assignedTo', 'assignees', 'reviewers'),
    state,
  };
  const evidence = ticket['evidence'];
  if (typeof evidence === 'string') view.evidence = evidence;
  else if (evidence !== undefined) view.evidence = JSON.stringify(evidence);
  const url = pickString(ticket, 'pullRequestUrl', 'prUrl', 'url', 'decisionUrl');
  if (url !== undefined && /^https:\/\//.test(url)) view.decisionUrl = url;
  return view;
}
