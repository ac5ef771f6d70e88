// The local backend's facts for evaluateReview (docs/design.md §6, approval-rules.ts), so the CLI is held
// to the same pure rules as a GitHub PR review:
//   author = the run's actor, pushers = the actor in every spelling (the person who asked for the
//            run cannot decide it; a CLI actor "local:<user>" is also plain "<user>", and the
//            author is that plain login so the refusal says PCQ_REVIEW_SELF_APPROVAL);
//   headSha = the ticket's CURRENT digest, commit_id = the digest the reviewer saw (default: the
//            current one), so a decision taken on an outdated ticket is stale;
//   changedFiles = [ticketPath]; roster = policies/ombuds.yaml as it stands now.
import { createHash } from 'node:crypto';
import type { ReviewDecisionKind, ReviewFacts } from './approval-rules.ts';
import { actorIdentities } from '../proof/review-rules.ts';

const STATE: Record<ReviewDecisionKind, string> = { approve: 'approved', reject: 'changes_requested', 'request-info': 'commented' };

export function ticketDigest(ticketBytes: Uint8Array | string): string {
  return 'sha256:' + createHash('sha256').update(ticketBytes).digest('hex');
}

export { actorIdentities };

export interface LocalFactsInput {
  decision: ReviewDecisionKind;
  reviewer: string;
  actor: string;
  currentDigest: string;
  seenDigest?: string;
  ticketPath: string;
  roster: string[];
}

export function localReviewFacts(input: LocalFactsInput): ReviewFacts {
  return {
    review: {
      state: STATE[input.decision],
      user: { login: input.reviewer, type: input.reviewer.toLowerCase().endsWith('[bot]') ? 'Bot' : 'User' },
      commit_id: input.seenDigest ?? input.currentDigest,
    },
    pr: {
      author: actorIdentities(input.actor).at(-1)!,
      pushers: actorIdentities(input.actor),
      headSha: input.currentDigest,
      changedFiles: [input.ticketPath],
      ticketPath: input.ticketPath,
    },
    roster: input.roster,
  };
}
