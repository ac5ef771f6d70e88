// The ombuds approval rules a verifier can check OFFLINE, from a manifest, the trust store and the
// roster alone (FORMATS.md "Review attestations"). Pure and browser-safe: `pcq verify`, the browser
// verifier, `pcq review` (before it writes) and the state the queue and the site show all use these
// functions, so a decision either counts everywhere or nowhere.
// The rules (the ombuds approval rules, as far as they are decidable without GitHub):
//   - the signer: a `reviewer-signed` decision is signed by a reviewer-role key bound to the
//     reviewer's login (trust entry `login:`) that pcq did not create by itself (never the run's own
//     runner key, never the auto-generated local runner key); a `runner-attested-github` decision
//     is signed by a trusted runner key that attests the GitHub facts it checked;
//   - the reviewer: on the roster, not the run's actor, not a bot;
//   - the time: dated at or after the run (`at` ≥ the manifest's executedAt, its asOf);
//   - the sequence: `at` never goes back, request-info may precede one final approve/reject, and
//     nothing follows a final decision.
import { keyStatusAt, type TrustStore, type TrustedKey } from './trust.ts';
import type { PcqCode } from '../base/error-catalogue.ts';
import type { ReviewKind } from '../base/signed-records.ts';

export type { ReviewKind };
export const REVIEW_KINDS: readonly ReviewKind[] = ['reviewer-signed', 'runner-attested-github'];
export type ReviewVerdictDecision = 'approve' | 'reject' | 'request-info';

/** One review as read from its (signature-checked) envelope. */
export interface ReviewClaim {
  kind: ReviewKind;
  keyid: string;
  decision: ReviewVerdictDecision;
  reviewer: string;
  at: string;
  comment?: string;
  /** runner-attested-github only: the GitHub facts the runner signed (see review-attestation.ts). */
  github?: AttestedGithubFacts;
}

export interface AttestedGithubFacts {
  pullRequest: number;
  reviewId: number;
  reviewerType: string;
  commitId: string;
  headSha: string;
  counts: boolean;
  decision: string;
}

export interface ReviewRuleContext {
  trust: TrustStore;
  /** The manifest's executedAt (the run's asOf), executedBy (runner key) and actor. */
  executedAt: string;
  executedBy: string;
  actor: string;
  /** Roster logins; undefined when the verifier was given none (then every review fails closed). */
  roster?: readonly string[];
}

export interface ReviewProblem {
  code: PcqCode;
  message: string;
}

/** GitHub logins are case-insensitive; compare them folded. */
export const foldLogin = (login: string): string => login.trim().toLowerCase();

/** A bot account: GitHub type Bot, or a login with the `[bot]` suffix GitHub gives app accounts. */
export function isBot(user: { login: string; type?: string }): boolean {
  return (user.type !== undefined && foldLogin(user.type) === 'bot') || foldLogin(user.login).endsWith('[bot]');
}

/** Every spelling of a run's actor: a CLI actor "local:<user>" is also plain "<user>". */
export function actorIdentities(actor: string): string[] {
  return actor.startsWith('local:') ? [actor, actor.slice('local:'.length)] : [actor];
}

/** The key entry that binds `keyid` to `login` as a reviewer at `at`, or why there is none. */
export function reviewerBinding(
  trust: TrustStore,
  keyid: string,
  login: string,
  at: string,
): { ok: true; key: TrustedKey } | { ok: false; code: PcqCode; message: string } {
  const status = keyStatusAt(trust, keyid, at, 'reviewer');
  if (!status.ok) return status;
  const bound = trust.keys.filter((k) => k.publicKey === keyid && k.roles.includes('reviewer') && k.origin !== 'local-runner');
  const entry = bound.find((k) => k.login !== undefined && foldLogin(k.login) === foldLogin(login));
  if (!entry) {
    const logins = bound.map((k) => k.login).filter((l): l is string => l !== undefined);
    return {
      ok: false,
      code: 'PCQ_REVIEW_KEY_NOT_BOUND',
      message: `${keyid} is not bound to ${login} (${logins.length > 0 ? `it is the key of ${logins.join(', ')}` : 'its trust entry names no login'}); a reviewer signs only with their own key`,
    };
  }
  return { ok: true, key: entry };
}

function signerProblem(claim: ReviewClaim, ctx: ReviewRuleContext): ReviewProblem | undefined {
  if (claim.kind === 'runner-attested-github') {
    const status = keyStatusAt(ctx.trust, claim.keyid, claim.at, 'runner');
    return status.ok ? undefined : { code: status.code, message: `the attesting runner key: ${status.message}` };
  }
  if (claim.keyid === ctx.executedBy) {
    return {
      code: 'PCQ_REVIEW_KEY_NOT_BOUND',
      message: `it is signed by the run's own runner key ${claim.keyid}; the runner never signs on a reviewer's behalf`,
    };
  }
  const binding = reviewerBinding(ctx.trust, claim.keyid, claim.reviewer, claim.at);
  return binding.ok ? undefined : { code: binding.code, message: binding.message };
}

function githubProblems(claim: ReviewClaim): ReviewProblem[] {
  const gh = claim.github;
  if (claim.kind !== 'runner-attested-github') return [];
  if (!gh) return [{ code: 'PCQ_REVIEW_INVALID', message: 'a runner-attested-github review carries the GitHub facts the runner checked' }];
  const out: ReviewProblem[] = [];
  if (foldLogin(gh.commitId) !== foldLogin(gh.headSha))
    out.push({ code: 'PCQ_REVIEW_STALE_SHA', message: `the attested review is of commit ${gh.commitId}, but the PR head was ${gh.headSha}` });
  if (!gh.counts || gh.decision !== claim.decision)
    out.push({
      code: 'PCQ_REVIEW_INVALID',
      message: `the runner attests a review that did not count as ${claim.decision} (evaluation: ${gh.counts ? 'counts' : 'refused'}, ${gh.decision})`,
    });
  return out;
}

/** The rules about one review on its own (signer, reviewer, time). */
export function singleReviewProblems(claim: ReviewClaim, ctx: ReviewRuleContext): ReviewProblem[] {
  const out: ReviewProblem[] = [];
  const signer = signerProblem(claim, ctx);
  if (signer) out.push(signer);
  const who = foldLogin(claim.reviewer);
  if (ctx.roster === undefined)
    out.push({ code: 'PCQ_REVIEW_ROSTER_MISSING', message: `no ombuds roster was given, so ${claim.reviewer}'s membership cannot be checked` });
  else if (who === '' || !ctx.roster.some((l) => foldLogin(l) === who))
    out.push({ code: 'PCQ_REVIEW_NOT_ON_ROSTER', message: `${claim.reviewer || 'the reviewer'} is not on the ombuds roster` });
  if (actorIdentities(ctx.actor).some((a) => foldLogin(a) === who))
    out.push({ code: 'PCQ_REVIEW_SELF_APPROVAL', message: `${claim.reviewer} is the run's actor and cannot decide its review` });
  if (isBot({ login: claim.reviewer, ...(claim.github ? { type: claim.github.reviewerType } : {}) }))
    out.push({ code: 'PCQ_REVIEW_BOT', message: `${claim.reviewer} is a bot; only people decide reviews` });
  const at = Date.parse(claim.at);
  const ran = Date.parse(ctx.executedAt);
  if (Number.isNaN(at) || Number.isNaN(ran) || at < ran)
    out.push({ code: 'PCQ_REVIEW_BEFORE_RUN', message: `it is dated ${claim.at}, before the run (${ctx.executedAt})` });
  out.push(...githubProblems(claim));
  return out;
}

/**
 * Every review's problems, index by index: its own rules, then its place in the sequence among the
 * reviews that count on their own (a forged review cannot push a genuine one out of order).
 */
export function reviewProblems(claims: readonly ReviewClaim[], ctx: ReviewRuleContext): ReviewProblem[][] {
  const problems = claims.map((c) => singleReviewProblems(c, ctx));
  let previous: ReviewClaim | undefined;
  let final: ReviewClaim | undefined;
  claims.forEach((claim, i) => {
    if (problems[i]!.length > 0) return;
    const own = problems[i]!;
    if (final && claim.decision !== 'request-info')
      own.push({
        code: 'PCQ_REVIEW_FINAL_REPEATED',
        message: `a second final decision (${claim.decision} by ${claim.reviewer}) after ${final.decision} by ${final.reviewer}; a decided review is final`,
      });
    else if (final)
      own.push({ code: 'PCQ_REVIEW_OUT_OF_ORDER', message: `${claim.decision} by ${claim.reviewer} follows the final ${final.decision} by ${final.reviewer}` });
    else if (previous && Date.parse(claim.at) < Date.parse(previous.at))
      own.push({ code: 'PCQ_REVIEW_OUT_OF_ORDER', message: `it is dated ${claim.at}, before the decision listed ahead of it (${previous.at})` });
    if (own.length > 0) return;
    previous = claim;
    if (claim.decision !== 'request-info') final = claim;
  });
  return problems;
}

export type SignedReviewState = 'open' | 'approved' | 'rejected' | 'info-requested';

/** The state counted decisions lead to: the last one decides (nothing counts after a final one). */
export function stateOfCounted(counted: readonly ReviewClaim[]): SignedReviewState {
  const last = counted.at(-1);
  if (!last) return 'open';
  return last.decision === 'approve' ? 'approved' : last.decision === 'reject' ? 'rejected' : 'info-requested';
}

/** The reviews that count, in order: each one that breaks no rule. */
export function countedReviews<T extends ReviewClaim>(claims: readonly T[], ctx: ReviewRuleContext): T[] {
  const problems = reviewProblems(claims, ctx);
  return claims.filter((_, i) => problems[i]!.length === 0);
}
