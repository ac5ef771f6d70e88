// docs/design.md §6, the ombuds approval rules, as ONE pure function shared by the GitHub backend (facts
// from a pull_request_review webhook + the PR's pushers and files) and the local CLI backend
// (author = pushers = the run's actor, headSha = the ticket digest, changedFiles = [ticketPath]).
// Security-critical: a review counts only when EVERY rule holds; each violated rule is reported,
// so a refused review is "recorded and ignored" with the reasons why.
import { PcqError } from '../base/errors.ts';
import type { PcqCode } from '../base/error-catalogue.ts';
import { foldLogin, isBot } from '../proof/review-rules.ts';

export interface ReviewFacts {
  review: {
    state: string; // GitHub: approved | changes_requested | commented | dismissed | pending (any case)
    user: { login: string; type: string }; // type "User" | "Bot" | "Organization"
    commit_id: string;
    submitted_at?: string | null;
  };
  pr: {
    author: string;
    pushers: string[]; // everyone who pushed a commit to the PR branch
    headSha: string; // the PR's CURRENT head SHA (not the one the review saw)
    changedFiles: string[];
    ticketPath: string; // attestations/reviews/<executionId>.yaml
  };
  /** Ombuds logins as of the PR's BASE commit, so a PR cannot add its own reviewer. */
  roster: string[];
}

export type ReviewDecisionKind = 'approve' | 'reject' | 'request-info';

export interface ReviewReason {
  code: PcqCode;
  message: string;
}

export interface ReviewEvaluation {
  /** True only when the review is a decision and every reviewer/PR rule holds. */
  counts: boolean;
  /** What the review expresses ('none' for dismissed/pending/unknown states), counted or not. */
  decision: ReviewDecisionKind | 'none';
  /** Every rule that failed; empty when the review counts. */
  reasons: ReviewReason[];
}

const DECISIONS: Record<string, ReviewDecisionKind> = {
  approved: 'approve',
  changes_requested: 'reject',
  commented: 'request-info',
};

/** GitHub logins are case-insensitive; compare them folded (the same rules `pcq verify` applies). */
const fold = foldLogin;
export { isBot };

export function evaluateReview(facts: ReviewFacts): ReviewEvaluation {
  const reasons: ReviewReason[] = [];
  const { review, pr } = facts;
  const state = typeof review.state === 'string' ? review.state.trim().toLowerCase() : '';
  const decision = Object.hasOwn(DECISIONS, state) ? DECISIONS[state]! : 'none';
  const reviewer = typeof review.user?.login === 'string' ? review.user.login : '';
  const who = fold(reviewer);

  if (decision === 'none') {
    reasons.push({ code: 'PCQ_REVIEW_NOT_APPROVED', message: `review state "${review.state}" is not a decision (approved, changes_requested or commented)` });
  }
  if (who === '') {
    reasons.push({ code: 'PCQ_REVIEW_NOT_ON_ROSTER', message: 'the review has no reviewer login' });
  } else if (!facts.roster.some((login) => fold(login) === who)) {
    reasons.push({ code: 'PCQ_REVIEW_NOT_ON_ROSTER', message: `${reviewer} is not on the ombuds roster at the PR's base commit` });
  }
  if (who !== '' && fold(pr.author) === who) {
    reasons.push({ code: 'PCQ_REVIEW_SELF_APPROVAL', message: `${reviewer} opened the PR and cannot decide it` });
  }
  if (who !== '' && pr.pushers.some((p) => fold(p) === who)) {
    reasons.push({ code: 'PCQ_REVIEW_PUSHER', message: `${reviewer} pushed to the PR and cannot decide it` });
  }
  if (typeof review.user?.type !== 'string' || isBot(review.user)) {
    reasons.push({ code: 'PCQ_REVIEW_BOT', message: `${reviewer || 'the reviewer'} is a bot (or has no account type); only people decide reviews` });
  }
  const reviewed = typeof review.commit_id === 'string' ? review.commit_id.trim().toLowerCase() : '';
  const head = typeof pr.headSha === 'string' ? pr.headSha.trim().toLowerCase() : '';
  if (reviewed === '' || head === '' || reviewed !== head) {
    reasons.push({
      code: 'PCQ_REVIEW_STALE_SHA',
      message: `the review is of commit ${review.commit_id || '(none)'}, but the PR head is ${pr.headSha || '(unknown)'}`,
    });
  }
  // Exact path strings, no normalisation: `a/../b` or `./b` is "another file", which only refuses.
  const ticket = pr.ticketPath;
  const others = pr.changedFiles.filter((f) => f !== ticket);
  if (typeof ticket !== 'string' || ticket === '' || !pr.changedFiles.includes(ticket)) {
    reasons.push({ code: 'PCQ_REVIEW_EXTRA_FILES', message: `the PR does not change its review ticket ${ticket || '(none)'}` });
  }
  if (others.length > 0) {
    const shown = others.slice(0, 5).join(', ') + (others.length > 5 ? `, … (${others.length - 5} more)` : '');
    reasons.push({ code: 'PCQ_REVIEW_EXTRA_FILES', message: `the PR changes files besides its ticket: ${shown}` });
  }
  return { counts: reasons.length === 0, decision, reasons };
}

/** What the webhook cannot tell: who pushed, which files changed, the roster at base, the ticket. */
export interface WebhookExtraFacts {
  pushers: string[];
  changedFiles: string[];
  ticketPath: string;
  roster: string[];
  /** The PR's head SHA fetched now; defaults to the payload's (which may already be stale). */
  headSha?: string;
}

export interface WebhookReview extends ReviewFacts {
  source: { action: string; pullRequest: number; reviewId: number; commitId: string; baseSha: string; headRef: string; repository: string };
}

function malformed(path: string, expected: string): never {
  throw new PcqError({
    code: 'PCQ_WEBHOOK_MALFORMED',
    message: `pull_request_review payload: ${path} is missing or not ${expected}`,
    hint: 'Pass the event payload of a pull_request_review webhook (GITHUB_EVENT_PATH) unchanged.',
    details: { path },
  });
}

function field(obj: unknown, path: string): unknown {
  let here: unknown = obj;
  for (const part of path.split('.')) {
    if (here === null || typeof here !== 'object' || Array.isArray(here) || !Object.hasOwn(here, part)) return undefined;
    here = (here as Record<string, unknown>)[part];
  }
  return here;
}

function str(obj: unknown, path: string, pattern?: RegExp): string {
  const v = field(obj, path);
  if (typeof v !== 'string' || v === '' || (pattern && !pattern.test(v))) malformed(path, pattern ? `a string matching ${pattern}` : 'a non-empty string');
  return v;
}

function int(obj: unknown, path: string): number {
  const v = field(obj, path);
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) malformed(path, 'a positive integer');
  return v;
}

const SHA = /^[0-9a-fA-F]{40}(?:[0-9a-fA-F]{24})?$/; // SHA-1, or SHA-256 object ids

/** Reads exactly the parts of a GitHub `pull_request_review` webhook the rules need, validating
 *  each one; a malformed payload is PCQ_WEBHOOK_MALFORMED, never a crash. */
export function factsFromWebhook(payload: unknown, extra: WebhookExtraFacts): WebhookReview {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) malformed('(payload)', 'a JSON object');
  const action = str(payload, 'action');
  const submittedAt = field(payload, 'review.submitted_at');
  if (submittedAt !== undefined && submittedAt !== null && typeof submittedAt !== 'string') malformed('review.submitted_at', 'a string or null');
  const list = (name: string, v: unknown): string[] => {
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
      throw new PcqError({ code: 'PCQ_USAGE', message: `factsFromWebhook: ${name} must be a list of strings`, hint: 'This is a bug in the caller.' });
    }
    return v;
  };
  const payloadHead = str(payload, 'pull_request.head.sha', SHA);
  return {
    review: {
      state: str(payload, 'review.state'),
      user: { login: str(payload, 'review.user.login'), type: str(payload, 'review.user.type') },
      commit_id: str(payload, 'review.commit_id', SHA),
      submitted_at: (submittedAt as string | null | undefined) ?? null,
    },
    pr: {
      author: str(payload, 'pull_request.user.login'),
      pushers: list('pushers', extra.pushers),
      headSha: extra.headSha ?? payloadHead,
      changedFiles: list('changedFiles', extra.changedFiles),
      ticketPath: extra.ticketPath,
    },
    roster: list('roster', extra.roster),
    source: {
      action,
      pullRequest: int(payload, 'pull_request.number'),
      reviewId: int(payload, 'review.id'),
      commitId: str(payload, 'review.commit_id', SHA),
      baseSha: str(payload, 'pull_request.base.sha', SHA),
      headRef: str(payload, 'pull_request.head.ref'),
      repository: str(payload, 'repository.full_name'),
    },
  };
}
