// An ombuds decision on a blocked run, end to end (issue 4 §4), shared by `pcq review` and the
// GitHub Action (which passes the PR's facts). Everything is checked before anything is written:
// a refused decision — the run's own actor, someone off the roster, a bot, a stale or foreign
// ticket, a closed review, an untrusted signing key — throws a coded error and changes no file.
// A decision that counts is ONE change set, committed atomically by the execution store
// (store/execution-store.ts), so a crash leaves either no trace of it or all of it:
//   1. a signed human-review attestation appended to manifest.pcq (proof/review-attestation.ts):
//      locally `reviewer-signed` with the reviewer's own key, in the Action
//      `runner-attested-github` by the runner over the PR facts it checked; it must pass the same
//      offline rules `pcq verify` applies (review/signed-decisions.ts) or nothing is written; the
//      manifest signature is untouched;
//   2. the ticket's decisions and state, rewritten from the signed reviews (a hand edit of the
//      ticket is ignored, never believed: review/signed-decisions.ts, decision.ts applyDecision);
//   3. approve: private/withheld/* → exports/* and run.json/index verdict approved; reject: verdict
//      rejected, exports withheld for good; request-info: ticket stays open, verdict blocked;
//   4. the DSSE export and the verdict files recomputed (their content changed).
// Idempotent: the same decision by the same reviewer, retried (after a crash or not), finds it
// already recorded and changes nothing — no second review is ever appended.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PcqConfig } from '../runtime/config.ts';
import { PcqError, PcqErrors } from '../base/errors.ts';
import { loadTrustStore } from '../runtime/trust-store.ts';
import { executionPaths, reviewTicketPath, assertSafeSegment, type ExecutionPaths } from '../store/layout.ts';
import { ChangeSet } from '../store/change-set.ts';
import { commitChange, recoverStore, type CommittedChange } from '../store/execution-store.ts';
import { tryAcquireLock } from '../store/lock.ts';
import { parseManifestFile } from '../store/read-records.ts';
import { decodeEnvelopePayload } from '../proof/statement.ts';
import { appendReview, buildReviewEnvelope } from '../proof/review-attestation.ts';
import type { ReviewSource } from '../base/signed-records.ts';
import { assertReviewCounts, githubAttestedSource, signedReviewState, ticketWithSignedState } from './signed-decisions.ts';
import { sealedManifestDigest, serializeManifest } from '../proof/manifest.ts';
import { sha256Node } from '../proof/hash-node.ts';
import type { Manifest } from '../base/signed-records.ts';
import type { DsseEnvelope } from '../base/signed-records.ts';
import { exportDsse } from '../proof/export-dsse.ts';
import type { Signer } from '../base/signer.ts';
import type { TrustStore } from '../proof/trust.ts';
import { writeVerdictArtifacts } from '../verdict/write-verdict.ts';
import { parseScore, type Score } from '../verdict/score.ts';
import { evaluateReview, type ReviewDecisionKind, type ReviewFacts } from './approval-rules.ts';
import { applyDecision, type Decision } from './decision.ts';
import { loadRoster, rosterLogins, OMBUDS_FILE } from './roster.ts';
import { parseTicket, ticketPath, ticketToString, type Ticket } from './ticket.ts';
import { localReviewFacts, ticketDigest } from './local-facts.ts';
import { releaseExports, recordVerdict } from './release-exports.ts';
import { runnerAgeIdentity } from '../runtime/age-keys.ts';

export interface DecideReviewInput {
  config: Pick<PcqConfig, 'root' | 'attestationsDir' | 'mode'>;
  executionId: string;
  decision: ReviewDecisionKind;
  reviewer: string;
  comment?: string;
  /** {kind: 'local'}, or the PR a GitHub review is on; the attested facts come from `facts`. */
  source: { kind: 'local' } | GithubDecisionSource;
  /** local: the reviewer's own key (review/reviewer-key.ts); github: the runner key, which attests. */
  signer: Signer;
  /** Re-signs the verdict files (a runner or verdict key); default `signer` (the Action's runner). */
  verdictSigner?: Signer;
  /** GitHub PR facts (approval-rules.ts); replace the local facts when given. */
  facts?: ReviewFacts;
  /** Local backend: the ticket digest the reviewer looked at (default: the current one). */
  seenDigest?: string;
  trust?: TrustStore;
  now?: () => Date;
  /** Where RUNNER_SECRET is read from to open a sealed withheld export (default process.env). */
  env?: Record<string, string | undefined>;
}

export interface GithubDecisionSource {
  kind: 'github';
  repository: string;
  pullRequest: number;
  reviewId: number;
  commitId: string;
}

export interface DecideReviewResult {
  ticket: Ticket;
  ticketPath: string;
  verdict: Score['verdict'];
  released: string[];
  review: DsseEnvelope;
  score: Score;
  /** The decision was already recorded (a retry): nothing was written. */
  unchanged: boolean;
  /** What the store committed that may be published (public files only). */
  committed: CommittedChange;
}

async function readText(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
}

function decisionOf(input: DecideReviewInput, at: string): Decision {
  const base = { executionId: input.executionId, reviewer: input.reviewer, decision: input.decision, comment: input.comment ?? '', at };
  if (input.source.kind === 'local') return { ...base, source: 'local' };
  const { pullRequest, reviewId, commitId } = input.source;
  if (typeof pullRequest !== 'number' || typeof reviewId !== 'number' || typeof commitId !== 'string' || input.facts === undefined) {
    throw new PcqError({
      code: 'PCQ_USAGE',
      message: 'a github decision source needs pullRequest, reviewId (numbers) and commitId',
      hint: 'Pass the source from factsFromWebhook().source, and the PR facts.',
    });
  }
  return { ...base, source: 'github', pullRequest, reviewId, commitId };
}

/** Loads and cross-checks the ticket and the run it names; throws when they do not belong together. */
async function loadReview(input: DecideReviewInput): Promise<{ ticket: Ticket; ticketText: string; path: string; paths: ExecutionPaths; manifest: Manifest }> {
  assertSafeSegment('executionId', input.executionId);
  const path = reviewTicketPath(input.config.attestationsDir, input.executionId);
  const ticketText = await readText(path);
  if (ticketText === undefined) {
    throw new PcqError({
      code: 'PCQ_REVIEW_NOT_FOUND',
      message: `no ombuds review for execution ${input.executionId} (${ticketPath(input.executionId)} does not exist)`,
      hint: 'Only a blocked run has a review; list them with `pcq review list`.',
    });
  }
  const ticket = parseTicket(ticketText, ticketPath(input.executionId));
  const wrong = (message: string) =>
    new PcqError({ code: 'PCQ_REVIEW_WRONG_EXECUTION', message, hint: 'Decide the ticket of the execution you reviewed; never copy or edit tickets by hand.' });
  if (ticket.executionId !== input.executionId) throw wrong(`${ticketPath(input.executionId)} is the ticket of execution ${ticket.executionId}`);
  const paths = executionPaths(input.config.attestationsDir, ticket.runbookId, ticket.executionId);
  const manifestText = await readText(paths.manifest);
  if (manifestText === undefined) throw wrong(`the run of review ${input.executionId} has no manifest at ${paths.manifest}`);
  const manifest = parseManifestFile(manifestText, paths.manifest);
  if (manifest.executionId !== ticket.executionId || manifest.merkleRoot !== ticket.merkleRoot || manifest.manifestId !== ticket.manifestId) {
    throw wrong(`the ticket reviews Merkle root ${ticket.merkleRoot}, but the manifest of ${input.executionId} has ${manifest.merkleRoot}`);
  }
  return { ticket, ticketText, path, paths, manifest };
}

/**
 * One decision at a time per ticket: two ombuds deciding at once must not both see it open. The
 * lock of a process that was killed is taken over (store/lock.ts), so it never blocks a retry.
 */
async function withTicketLock<T>(input: DecideReviewInput, fn: () => Promise<T>): Promise<T> {
  const ticket = reviewTicketPath(input.config.attestationsDir, assertSafeSegment('executionId', input.executionId));
  if ((await readFile(ticket).catch(() => undefined)) === undefined) return fn(); // no ticket: fn reports PCQ_REVIEW_NOT_FOUND
  const lock = await tryAcquireLock(ticket + '.lock');
  if (!lock) {
    throw new PcqError({
      code: 'PCQ_REVIEW_LOCKED',
      message: `review ${input.executionId} is being decided by another running pcq process`,
      hint: 'Try again in a moment.',
    });
  }
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

export async function decideReview(input: DecideReviewInput): Promise<DecideReviewResult> {
  await recoverStore(input.config.attestationsDir); // finish a decision a killed process committed
  return withTicketLock(input, () => decideLocked(input));
}

interface ReviewPredicateFacts {
  decision?: unknown;
  reviewer?: unknown;
  comment?: unknown;
}

/**
 * The review already in the signed manifest that this input repeats (never the ticket's text):
 * a final decision by the same reviewer anywhere, a request for information when it is the last
 * review and says the same. Repeating it writes nothing.
 */
function alreadyRecorded(input: DecideReviewInput, manifest: Manifest): DsseEnvelope | undefined {
  const same = (who: unknown) => typeof who === 'string' && who.toLowerCase() === input.reviewer.toLowerCase();
  const facts = (r: DsseEnvelope) => (decodeEnvelopePayload(r)?.predicate ?? {}) as ReviewPredicateFacts;
  if (input.decision === 'request-info') {
    const last = manifest.reviews.at(-1);
    const p = last ? facts(last) : {};
    return last && p.decision === 'request-info' && same(p.reviewer) && (p.comment ?? '') === (input.comment ?? '') ? last : undefined;
  }
  return manifest.reviews.find((r) => facts(r).decision === input.decision && same(facts(r).reviewer));
}

async function unchangedResult(ticket: Ticket, path: string, paths: ExecutionPaths, review: DsseEnvelope): Promise<DecideReviewResult> {
  const score = parseScore(await readFile(paths.score, 'utf8'));
  return {
    ticket,
    ticketPath: path,
    verdict: score.verdict,
    released: [],
    review,
    score,
    unchanged: true,
    committed: { publicPaths: [], removedPaths: [], indexChanged: false },
  };
}

async function decideLocked(input: DecideReviewInput): Promise<DecideReviewResult> {
  const { ticket, ticketText, path, paths, manifest } = await loadReview(input);
  const repeated = alreadyRecorded(input, manifest);
  if (repeated) return unchangedResult(ticket, path, paths, repeated);
  const relTicket = ticketPath(ticket.executionId);
  const roster = await loadRoster(join(input.config.root, OMBUDS_FILE));
  const facts =
    input.facts ??
    localReviewFacts({
      decision: input.decision,
      reviewer: input.reviewer,
      actor: manifest.actor,
      currentDigest: ticketDigest(ticketText),
      ...(input.seenDigest !== undefined ? { seenDigest: input.seenDigest } : {}),
      ticketPath: relTicket,
      roster: rosterLogins(roster),
    });
  if (facts.pr.ticketPath !== relTicket) {
    throw new PcqError({
      code: 'PCQ_REVIEW_WRONG_EXECUTION',
      message: `the review is for ${facts.pr.ticketPath}, not ${relTicket}`,
      hint: 'A review PR decides exactly the ticket it was opened for.',
    });
  }
  if (facts.review.user.login.toLowerCase() !== input.reviewer.toLowerCase()) {
    throw new PcqError({
      code: 'PCQ_USAGE',
      message: `the review is by ${facts.review.user.login}, not ${input.reviewer}`,
      hint: 'Pass the reviewer named in the facts.',
    });
  }
  const evaluation = evaluateReview(facts);
  if (evaluation.decision !== 'none' && evaluation.decision !== input.decision) {
    throw new PcqError({
      code: 'PCQ_USAGE',
      message: `the review expresses ${evaluation.decision}, not ${input.decision}`,
      hint: 'Pass the decision the review expresses.',
    });
  }
  if (!evaluation.counts) {
    throw new PcqErrors(
      evaluation.reasons.map((r) => ({
        code: r.code,
        message: `${input.decision} of ${input.executionId} by ${input.reviewer} refused: ${r.message}`,
        hint: 'Nothing was changed. Only a roster ombuds who did not ask for the run decides its review (docs/design.md §6).',
      })),
    );
  }
  const at = (input.now ?? (() => new Date()))().toISOString();
  const trust = input.trust ?? (await loadTrustStore({ root: input.config.root, includeLocal: input.config.mode === 'dev' }));
  const signedCtx = { trust, roster: rosterLogins(roster) };
  // The state is the signed reviews', never the ticket's text (a hand-edited ticket locks no one out).
  const signed = await signedReviewState(manifest, signedCtx);
  const decided = applyDecision(ticketWithSignedState(ticket, signed.counted), decisionOf(input, at)); // throws PCQ_REVIEW_CLOSED: still nothing written
  const source: ReviewSource = input.source.kind === 'local' ? { kind: 'local' } : githubAttestedSource(input.source, facts, evaluation);

  const review = await buildReviewEnvelope(
    {
      merkleRoot: manifest.merkleRoot,
      manifestDigest: sealedManifestDigest(manifest, sha256Node),
      manifestId: manifest.manifestId,
      executionId: manifest.executionId,
      decision: input.decision,
      reviewer: input.reviewer,
      ...(input.comment !== undefined ? { comment: input.comment } : {}),
      source,
      at,
    },
    input.signer,
  );
  assertReviewCounts(manifest, signed.counted, review, signedCtx); // the rules `pcq verify` applies
  const reviewed = appendReview(manifest, review);
  const change = new ChangeSet(input.config.attestationsDir);
  change.put(paths.manifest, serializeManifest(reviewed));
  change.put(path, ticketToString(decided));
  const released =
    input.decision === 'approve' ? await releaseExports(paths, change, reviewed, () => runnerAgeIdentity(input.config.root, input.env ?? process.env)) : [];
  const verdict = input.decision === 'approve' ? 'approved' : input.decision === 'reject' ? 'rejected' : 'blocked';
  await recordVerdict(paths, verdict, change);
  change.setIndex({ kind: 'patch', executionId: manifest.executionId, fields: { verdict } });
  const dsse = exportDsse(reviewed as unknown as Record<string, unknown>);
  change.put(paths.dsse, dsse.jsonl);
  change.putJson(join(paths.dir, 'keys.json'), dsse.keys);
  const files = await writeVerdictArtifacts(paths, input.verdictSigner ?? input.signer, change);
  const committed = await commitChange(change);
  return { ticket: decided, ticketPath: path, verdict: files.score.verdict, released, review, score: files.score, unchanged: false, committed };
}
