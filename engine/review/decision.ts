// An ombuds decision (approve / reject / request-info) and the ticket state transition it causes.
// A decision comes from a counted PR review (source github: PR number, review id, reviewed commit)
// or from `pcq review` on the CLI (source local); evaluateReview (approval-rules.ts) decides
// whether it counts BEFORE it gets here — this file only moves the ticket's state.
//   open | info-requested --approve--> approved (final)
//   open | info-requested --reject---> rejected (final)
//   open | info-requested --request-info--> info-requested (still open)
import { PcqError, type PcqIssue } from '../base/errors.ts';
import type { ReviewDecisionKind } from './approval-rules.ts';

interface DecisionBase {
  executionId: string;
  reviewer: string;
  decision: ReviewDecisionKind;
  comment: string;
  at: string; // ISO-8601 UTC
}

export type Decision = (DecisionBase & { source: 'local' }) | (DecisionBase & { source: 'github'; pullRequest: number; reviewId: number; commitId: string });

// The states live here, with the transitions, so that ticket.ts (the file format) builds on this
// file and not the other way round (no import cycle inside review/, engine/README.md "Layers").
export type TicketState = 'open' | 'approved' | 'rejected' | 'info-requested';
export const TICKET_STATES: readonly TicketState[] = ['open', 'approved', 'rejected', 'info-requested'];

/** What applyDecision reads and changes of a ticket (review/ticket.ts's Ticket). */
interface Decidable {
  executionId: string;
  state: TicketState;
  decisions: Decision[];
}

export const DECISION_KINDS: readonly ReviewDecisionKind[] = ['approve', 'reject', 'request-info'];
const NEXT_STATE: Record<ReviewDecisionKind, TicketState> = { approve: 'approved', reject: 'rejected', 'request-info': 'info-requested' };
export const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;
const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64}|sha256:[0-9a-f]{64})$/;

export function isClosed(state: TicketState): boolean {
  return state === 'approved' || state === 'rejected';
}

/** Applies one decision; refuses a closed ticket or another execution's decision. Pure. */
export function applyDecision<T extends Decidable>(ticket: T, decision: Decision): T {
  if (decision.executionId !== ticket.executionId) {
    throw new PcqError({
      code: 'PCQ_REVIEW_WRONG_EXECUTION',
      message: `the decision is for execution ${decision.executionId}, but this ticket is for ${ticket.executionId}`,
      hint: 'Decide the ticket attestations/reviews/<executionId>.yaml of the execution you reviewed.',
    });
  }
  if (isClosed(ticket.state)) {
    throw new PcqError({
      code: 'PCQ_REVIEW_CLOSED',
      message: `review ${ticket.executionId} is already ${ticket.state}; the ${decision.decision} by ${decision.reviewer} was not applied`,
      hint: 'A decided review is final. Re-run the runbook to get a new execution and a new review.',
    });
  }
  return { ...ticket, state: NEXT_STATE[decision.decision], decisions: [...ticket.decisions, decision] };
}

/** The state a ticket's decision history leads to from `open` (tickets are checked against it). */
export function stateAfter(decisions: readonly Decision[]): TicketState {
  let state: TicketState = 'open';
  for (const d of decisions) {
    if (isClosed(state)) return state;
    state = NEXT_STATE[d.decision];
  }
  return state;
}

/** Validates a decision read from a ticket file; returns it, or pushes issues and returns undefined. */
export function readDecision(
  value: unknown,
  where: string,
  issues: PcqIssue[],
  at: (path: Array<string | number>) => PcqIssue['location'],
): Decision | undefined {
  const before = issues.length;
  const bad = (key: string, message: string, hint: string) => {
    const issue: PcqIssue = { code: 'PCQ_TICKET_INVALID', message: `${where}: ${message}`, hint };
    const location = at([key]);
    if (location) issue.location = location;
    issues.push(issue);
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    bad('', 'a decision must be a mapping', 'Write each decision as `- {reviewer, decision, comment, at, source}`.');
    return undefined;
  }
  const v = value as Record<string, unknown>;
  const known = new Set(['executionId', 'reviewer', 'decision', 'comment', 'at', 'source', 'pullRequest', 'reviewId', 'commitId']);
  for (const key of Object.keys(v)) if (!known.has(key)) bad(key, `unknown field "${key}"`, `Use only ${[...known].join(', ')}.`);
  const text = (key: string, allowEmpty = false) => {
    const x = v[key];
    if (typeof x !== 'string' || (!allowEmpty && x.trim() === '')) bad(key, `\`${key}\` must be a ${allowEmpty ? '' : 'non-empty '}string`, `Add \`${key}\`.`);
    return typeof x === 'string' ? x : '';
  };
  const base = {
    executionId: text('executionId'),
    reviewer: text('reviewer'),
    decision: text('decision') as ReviewDecisionKind,
    comment: text('comment', true),
    at: text('at'),
  };
  if (base.decision && !DECISION_KINDS.includes(base.decision))
    bad('decision', `decision "${base.decision}" is not one of ${DECISION_KINDS.join(', ')}`, 'Use approve, reject or request-info.');
  if (base.at && !ISO_INSTANT.test(base.at)) bad('at', `\`at\` "${base.at}" is not an ISO-8601 UTC time`, 'Write e.g. 2026-01-05T10:00:00Z.');
  let decision: Decision | undefined;
  if (v.source === 'local') {
    for (const k of ['pullRequest', 'reviewId', 'commitId']) if (k in v) bad(k, `a local decision has no \`${k}\``, 'Remove it, or set `source: github`.');
    decision = { ...base, source: 'local' };
  } else if (v.source === 'github') {
    const num = (k: 'pullRequest' | 'reviewId') => {
      if (typeof v[k] !== 'number' || !Number.isSafeInteger(v[k]) || (v[k] as number) < 1)
        bad(k, `\`${k}\` must be a positive integer`, `Add \`${k}\` from the PR review.`);
      return v[k] as number;
    };
    const commitId = text('commitId');
    if (commitId && !SHA.test(commitId)) bad('commitId', `\`commitId\` "${commitId}" is not a commit SHA`, "Use the reviewed commit's full lower-case SHA.");
    decision = { ...base, source: 'github', pullRequest: num('pullRequest'), reviewId: num('reviewId'), commitId };
  } else {
    bad('source', '`source` must be `local` or `github`', 'Say where the decision was made.');
  }
  return issues.length === before ? decision : undefined;
}

/** Fields in a fixed order for the ticket file (so the bytes are deterministic). */
export function decisionFields(d: Decision): Record<string, unknown> {
  const base = { executionId: d.executionId, reviewer: d.reviewer, decision: d.decision, comment: d.comment, at: d.at, source: d.source };
  return d.source === 'github' ? { ...base, pullRequest: d.pullRequest, reviewId: d.reviewId, commitId: d.commitId } : base;
}
