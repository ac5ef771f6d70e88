// Review envelopes appended to a manifest (FORMATS.md `reviews`, "Review attestations"): each a
// DSSE envelope of an in-toto Statement v1 (predicateType https://pcq.dev/review/v1) whose subject
// is the manifest file as sealed (manifest.pcq with no reviews, by sha256 of its bytes). Each is checked for its shape and its one signature, then
// against the offline approval rules (review-rules.ts: signer bound to the reviewer or a trusted
// attesting runner, roster, not the actor, not a bot, dated after the run, one final decision, in
// order). Every broken rule is its own coded check; a review that passes says which kind it is.
import { fromUtf8 } from './bytes.ts';
import { MANIFEST_FILE, sealedManifestDigest } from './manifest.ts';
import { sha256Portable } from './hash.ts';
import { readEnvelope, verifyEnvelopeSignature } from './dsse.ts';
import type { Ed25519Verify } from '../base/signer.ts';
import {
  REVIEW_KINDS,
  reviewProblems,
  stateOfCounted,
  type SignedReviewState,
  type AttestedGithubFacts,
  type ReviewClaim,
  type ReviewKind,
  type ReviewRuleContext,
  type ReviewVerdictDecision,
} from './review-rules.ts';
import { IN_TOTO_PAYLOAD_TYPE, REVIEW_PREDICATE_TYPE, validateStatement } from './statement.ts';
import { tryDecodeStrKey } from './strkey.ts';
import type { TrustStore } from './trust.ts';
import type { PcqCode } from '../base/error-catalogue.ts';

type Report = (code: PcqCode, check: string, message: string, stepId?: string) => void;
type Pass = (code: PcqCode, check: string, message: string) => void;
type Raw = Record<string, unknown>;

const DECISIONS = ['approve', 'reject', 'request-info'];
const isRecord = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The GitHub facts a runner-attested review carries in `source`, or a problem. */
export function readGithubSource(source: Raw): AttestedGithubFacts | string {
  const ev = source.evaluation;
  const strings = ['repository', 'commitId', 'headSha', 'reviewerType'].filter((k) => typeof source[k] !== 'string' || source[k] === '');
  const ints = ['pullRequest', 'reviewId'].filter((k) => !Number.isSafeInteger(source[k]) || (source[k] as number) < 1);
  if (strings.length + ints.length > 0) return `source needs ${[...strings, ...ints].join(', ')}`;
  if (!isRecord(ev) || typeof ev.counts !== 'boolean' || typeof ev.decision !== 'string' || !Array.isArray(ev.reasons))
    return 'source.evaluation must be {counts, decision, reasons}';
  return {
    pullRequest: source.pullRequest as number,
    reviewId: source.reviewId as number,
    reviewerType: source.reviewerType as string,
    commitId: source.commitId as string,
    headSha: source.headSha as string,
    counts: ev.counts,
    decision: ev.decision,
  };
}

/** The predicate's claim (kind, decision, reviewer, at, GitHub facts), or a problem. */
export function readReviewClaim(p: Raw, keyid: string): ReviewClaim | { problem: string } {
  if (typeof p.decision !== 'string' || !DECISIONS.includes(p.decision)) return { problem: `decision must be one of ${DECISIONS.join(', ')}` };
  if (typeof p.reviewer !== 'string' || typeof p.at !== 'string') return { problem: 'reviewer and at are required' };
  if (typeof p.kind !== 'string' || !REVIEW_KINDS.includes(p.kind as ReviewKind)) return { problem: `kind must be one of ${REVIEW_KINDS.join(', ')}` };
  const source = p.source;
  const sourceKind = p.kind === 'reviewer-signed' ? 'local' : 'github';
  if (!isRecord(source) || source.kind !== sourceKind) return { problem: `a ${p.kind} review has source.kind ${sourceKind}` };
  const claim: ReviewClaim = { kind: p.kind as ReviewKind, keyid, decision: p.decision as ReviewVerdictDecision, reviewer: p.reviewer, at: p.at };
  if (p.comment !== undefined) {
    if (typeof p.comment !== 'string') return { problem: 'comment must be a string' };
    claim.comment = p.comment;
  }
  if (claim.kind === 'runner-attested-github') {
    const github = readGithubSource(source);
    if (typeof github === 'string') return { problem: github };
    claim.github = github;
  }
  return claim;
}

function readReview(value: unknown, m: Raw, sealedDigest: string): { problem: string } | { claim: ReviewClaim; envelope: ReturnType<typeof readEnvelope> } {
  const env = readEnvelope(value);
  if (!env.ok) return { problem: `envelope ${env.problem}` };
  if (env.envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) return { problem: `payloadType is not ${IN_TOTO_PAYLOAD_TYPE}` };
  if (env.envelope.signatures.length !== 1) return { problem: 'a review carries exactly one signature' };
  const text = fromUtf8(env.payload);
  let st: Raw;
  try {
    st = JSON.parse(text ?? '') as Raw;
  } catch {
    return { problem: 'payload is not JSON' };
  }
  const problems = validateStatement(st);
  if (problems.length > 0) return { problem: problems.map((p) => p.error).join(', ') };
  if (st.predicateType !== REVIEW_PREDICATE_TYPE) return { problem: `predicateType is not ${REVIEW_PREDICATE_TYPE}` };
  const p = st.predicate as Raw;
  const subject = (st.subject as Raw[])[0] as { name?: unknown; digest?: Record<string, unknown> };
  if (p.merkleRoot !== m.merkleRoot) return { problem: 'it reviews another Merkle root' };
  if (subject.name !== MANIFEST_FILE || subject.digest?.sha256 !== sealedDigest.slice(7))
    return { problem: `its subject is not ${MANIFEST_FILE} as sealed (sha256 of the file with no reviews)` };
  if (p.manifestId !== m.manifestId || p.executionId !== m.executionId) return { problem: 'it names another manifest or execution' };
  const claim = readReviewClaim(p, env.envelope.signatures[0]!.keyid);
  if ('problem' in claim) return claim;
  return { claim, envelope: env };
}

export interface ReviewCheckContext {
  trust: TrustStore;
  roster?: readonly string[];
}

/** The claims whose envelope is well-formed and whose one signature verifies, by review index. */
async function signedClaims(reviews: unknown[], m: Raw, sealedDigest: string, verify: Ed25519Verify, fail: Report): Promise<Array<ReviewClaim | undefined>> {
  return Promise.all(
    reviews.map(async (value, i) => {
      const review = readReview(value, m, sealedDigest);
      if ('problem' in review) {
        fail('PCQ_REVIEW_INVALID', 'review', `review ${i}: ${review.problem}`);
        return undefined;
      }
      const key = tryDecodeStrKey('public', review.claim.keyid);
      const env = review.envelope;
      const ok = key !== undefined && env.ok && (await verifyEnvelopeSignature(env.envelope, env.payload, 0, key, verify));
      if (!ok) {
        fail('PCQ_REVIEW_INVALID', 'review', `review ${i}: the signature does not verify with ${review.claim.keyid}`);
        return undefined;
      }
      return review.claim;
    }),
  );
}

export function ruleContext(m: Raw, ctx: ReviewCheckContext): ReviewRuleContext {
  const out: ReviewRuleContext = { trust: ctx.trust, executedAt: String(m.executedAt), executedBy: String(m.executedBy), actor: String(m.actor) };
  if (ctx.roster !== undefined) out.roster = ctx.roster;
  return out;
}

export async function verifyReviews(
  reviews: unknown[],
  m: Raw,
  sealedDigest: string,
  ctx: ReviewCheckContext,
  verify: Ed25519Verify,
  fail: Report,
  pass: Pass,
): Promise<void> {
  const claims = await signedClaims(reviews, m, sealedDigest, verify, fail);
  const present = claims.filter((c): c is ReviewClaim => c !== undefined);
  const problems = reviewProblems(present, ruleContext(m, ctx));
  let k = 0;
  claims.forEach((claim, i) => {
    if (!claim) return;
    const own = problems[k++]!;
    for (const p of own) fail(p.code, 'review-rules', `review ${i} (${claim.decision} by ${claim.reviewer}, ${claim.kind}): ${p.message}`);
    if (own.length === 0) {
      const by = claim.kind === 'reviewer-signed' ? `signed by ${claim.reviewer}'s own key ${claim.keyid}` : `attested from GitHub by runner ${claim.keyid}`;
      pass('PCQ_REVIEW_INVALID', 'review', `review ${i}: ${claim.decision} by ${claim.reviewer} at ${claim.at}, ${claim.kind} (${by})`);
    }
  });
  if (reviews.length === 0) pass('PCQ_REVIEW_INVALID', 'review', 'no reviews');
}

/**
 * The decisions that count on a manifest and the review state they lead to: each review whose
 * envelope reads, whose signature verifies and which breaks no rule. This — never a ticket's text —
 * is the state `pcq review list`, the site and `pcq review` itself go by.
 */
export async function countedDecisions(
  m: Raw,
  ctx: ReviewCheckContext,
  verify: Ed25519Verify,
): Promise<{ counted: ReviewClaim[]; indices: number[]; state: SignedReviewState; ignored: number }> {
  const reviews = Array.isArray(m.reviews) ? m.reviews : [];
  if (typeof m.merkleRoot !== 'string' || reviews.length === 0) return { counted: [], indices: [], state: 'open', ignored: reviews.length };
  const all = await signedClaims(reviews, m, sealedManifestDigest(m, sha256Portable), verify, () => undefined);
  const at = all.flatMap((c, i) => (c ? [i] : []));
  const claims = at.map((i) => all[i]!);
  const problems = reviewProblems(claims, ruleContext(m, ctx));
  const kept = claims.flatMap((c, k) => (problems[k]!.length === 0 ? [k] : []));
  const counted = kept.map((k) => claims[k]!);
  return { counted, indices: kept.map((k) => at[k]!), state: stateOfCounted(counted), ignored: reviews.length - counted.length };
}
