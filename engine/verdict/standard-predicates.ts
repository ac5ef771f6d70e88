// Published predicates beside pcq's own (FORMATS.md "Standard predicates"), written with the verdict
// files and signed by the verdict key (the runner key), as DSSE envelopes of in-toto Statements v1:
// - verdict.vsa.json: the verdict as a SLSA Verification Summary Attestation
//   (https://slsa.dev/verification_summary/v1, slsa.dev/spec/v1.0/verification_summary: verifier,
//   timeVerified, resourceUri, policy, inputAttestations, verificationResult, verifiedLevels,
//   slsaVersion; extension fields are URIs, as its parsing rules allow).
// - reviews.human-review.jsonl: each ombuds decision in the manifest as an in-toto human review
//   (https://in-toto.io/attestation/human-review/v0.1: result pass|fail, reviewLink, timestamp), the
//   one published predicate for "a person reviewed this artifact and decided". It restates a decision
//   the reviewer (or, for GitHub, the runner) already signed with pcq's own review predicate.
// Both are pure functions of score.json and the manifest, so `pcq verify` recomputes them and
// compares (verify-standard-predicates.ts); nothing in them is new evidence.
import type { Signer } from '../base/signer.ts';
import type { DsseEnvelope } from '../base/signed-records.ts';
import { signEnvelope } from '../proof/dsse.ts';
import { utf8 } from '../proof/bytes.ts';
import { canonicalize } from '../proof/jcs.ts';
import { sha256Portable } from '../proof/hash.ts';
import { digestOf } from '../proof/digest.ts';
import { IN_TOTO_PAYLOAD_TYPE, STATEMENT_TYPE, decodeEnvelopePayload, type Statement } from '../proof/statement.ts';
import type { Score } from './score.ts';

export const VSA_PREDICATE_TYPE = 'https://slsa.dev/verification_summary/v1';
export const HUMAN_REVIEW_PREDICATE_TYPE = 'https://in-toto.io/attestation/human-review/v0.1';
export const VSA_FILE = 'verdict.vsa.json';
export const HUMAN_REVIEW_FILE = 'reviews.human-review.jsonl';
/** pcq's verifier identity and verdict rule (FORMATS.md "Verdict files"): names, not download locations. */
export const PCQ_VERIFIER_ID = 'https://pcq.dev/verifier/v1';
export const PCQ_VERDICT_POLICY = 'https://pcq.dev/policy/verdict/v1';

const hex = (digest: string): string => digest.slice('sha256:'.length);
/** A custom SlsaResult (e.g. PCQ_VERDICT_PASS): a VSA level name, not an error code, so not in the catalogue. */
const verdictLevel = (verdict: string): string => ['PCQ', 'VERDICT', verdict.toUpperCase()].join('_');

interface ManifestView {
  runbookId: string;
  executionId: string;
  executedAt: string;
  policyDigest?: string;
  reviews: unknown[];
}

/** The verdict as a VSA: PASSED for pass/approved, FAILED otherwise; timeVerified = the last decision, else the run. */
export function vsaStatement(score: Score, manifest: ManifestView): Statement {
  const passed = score.verdict === 'pass' || score.verdict === 'approved';
  const last = score.decisions.at(-1)?.at;
  return {
    _type: STATEMENT_TYPE,
    subject: [
      { name: 'manifest.pcq', digest: { sha256: hex(score.manifestDigest) } },
      { name: score.evidence.file, digest: { sha256: hex(score.evidence.digest) } },
    ],
    predicateType: VSA_PREDICATE_TYPE,
    predicate: {
      verifier: { id: PCQ_VERIFIER_ID },
      timeVerified: last ?? manifest.executedAt,
      resourceUri: `urn:pcq:execution:${manifest.runbookId}:${manifest.executionId}`,
      policy: { uri: PCQ_VERDICT_POLICY, ...(manifest.policyDigest !== undefined ? { digest: { sha256: hex(manifest.policyDigest) } } : {}) },
      inputAttestations: [{ uri: 'manifest.pcq', digest: { sha256: hex(score.manifestDigest) } }],
      verificationResult: passed ? 'PASSED' : 'FAILED',
      // SLSA_* levels name SLSA tracks pcq does not assess; custom values must not start with SLSA_.
      verifiedLevels: passed ? [verdictLevel(score.verdict)] : ['FAILED'],
      slsaVersion: '1.0',
      'https://pcq.dev/vsa/verdict': score.verdict,
    },
  };
}

type ReviewStatement = Statement<{ decision: string; reviewer: string; at: string; source: Record<string, unknown> }>;

function reviewLink(source: Record<string, unknown>): string | undefined {
  if (source.kind !== 'github' || typeof source.repository !== 'string') return undefined;
  return `https://github.com/${source.repository}/pull/${String(source.pullRequest)}#pullrequestreview-${String(source.reviewId)}`;
}

/** One human-review statement per review envelope of the manifest, in order. */
export function humanReviewStatements(manifest: ManifestView): Statement[] {
  return manifest.reviews.map((envelope) => {
    const review = decodeEnvelopePayload(envelope) as ReviewStatement | undefined;
    const p = review?.predicate;
    const link = p !== undefined ? reviewLink(p.source ?? {}) : undefined;
    const result = p?.decision === 'approve' ? 'pass' : p?.decision === 'reject' ? 'fail' : undefined;
    return {
      _type: STATEMENT_TYPE,
      subject: review?.subject ?? [],
      predicateType: HUMAN_REVIEW_PREDICATE_TYPE,
      predicate: {
        ...(result !== undefined ? { result } : {}),
        ...(link !== undefined ? { reviewLink: link } : {}),
        ...(p?.at !== undefined ? { timestamp: p.at } : {}),
        'https://pcq.dev/review/decision': p?.decision,
        'https://pcq.dev/review/reviewer': p?.reviewer,
        'https://pcq.dev/review/attestation': digestOf(utf8(canonicalize(envelope)), sha256Portable),
      },
    };
  });
}

export async function signStatement(statement: Statement, signer: Signer): Promise<DsseEnvelope> {
  return signEnvelope(IN_TOTO_PAYLOAD_TYPE, utf8(canonicalize(statement)), signer);
}

/** The two files' bytes (the human-review file only when the manifest holds decisions). */
export async function standardPredicateFiles(score: Score, manifest: ManifestView, signer: Signer): Promise<{ vsa: string; humanReview?: string }> {
  const vsa = JSON.stringify(await signStatement(vsaStatement(score, manifest), signer), null, 2) + '\n';
  const reviews = humanReviewStatements(manifest);
  if (reviews.length === 0) return { vsa };
  const lines = await Promise.all(reviews.map(async (s) => JSON.stringify(await signStatement(s, signer))));
  return { vsa, humanReview: lines.join('\n') + '\n' };
}
