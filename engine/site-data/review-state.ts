// Human-review decisions and ticket states as the site shows them. A decision is a signed review
// statement appended to the manifest (FORMATS "reviews", predicateType https://pcq.dev/review/v1);
// the ticket (attestations/reviews/<executionId>.yaml) is the unsigned queue entry.
import { decodeEnvelope, predicateOf } from './decode-envelope.ts';
import { asArray, asObject, pickNumber, pickString, pickStrings, type Loose } from './loose-json.ts';
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

/**
 * The ticket as shown in the queue (engine/review/ticket.ts Ticket: assignedTo is one login, the
 * roster a list, decisions {reviewer, decision, comment, at, source, pullRequest?}). Its state is
 * the ticket's own (parseTicket checks it follows from its decisions), else the latest decision.
 */
export function ticketView(ticket: Loose, decisions: ReviewDecisionView[], fallback: { runbookId: string; executionId: string }): TicketView {
  const latest = decisions.length > 0 ? decisions[decisions.length - 1] : undefined;
  const ticketDecisions = asArray(ticket['decisions']).map(asObject);
  const lastTicketDecision = ticketDecisions.length > 0 ? ticketDecisions[ticketDecisions.length - 1] : undefined;
  const state =
    stateOfDecision(pickString(ticket, 'state')) ??
    stateOfDecision(lastTicketDecision ? pickString(lastTicketDecision, 'decision') : undefined) ??
    stateOfDecision(latest?.decision) ??
    'open';
  const view: TicketView = {
    executionId: pickString(ticket, 'executionId') ?? fallback.executionId,
    runbookId: pickString(ticket, 'runbookId') ?? fallback.runbookId,
    failedStep: pickString(ticket, 'failedStep') ?? '',
    failedProver: pickString(ticket, 'failedProver') ?? '',
    reason: pickString(ticket, 'reason') ?? '',
    assignedTo: pickStrings(ticket, 'assignedTo'),
    roster: pickStrings(ticket, 'roster'),
    state,
    decisions: ticketDecisions.map((d) => {
      const row: TicketView['decisions'][number] = {
        decision: pickString(d, 'decision') ?? '',
        reviewer: pickString(d, 'reviewer') ?? '',
        at: pickString(d, 'at') ?? '',
        comment: pickString(d, 'comment') ?? '',
        source: pickString(d, 'source') ?? '',
      };
      const pr = pickNumber(d, 'pullRequest');
      if (pr !== undefined) row.pullRequest = pr;
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
