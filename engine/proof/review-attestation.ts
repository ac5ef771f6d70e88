// Human review of a sealed run (an ombuds decision), recorded as its own DSSE envelope carrying an
// in-toto Statement v1 whose subject is the manifest file as sealed (manifest.pcq, no reviews). Reviews are appended after
// sealing, so the manifest signature never changes (FORMATS.md "Manifest", `reviews`).
// Two kinds (FORMATS.md "Review attestations"), named in the signed predicate:
//   reviewer-signed         `pcq review` on a reviewer's machine, signed by that reviewer's own key
//                           (role reviewer, trust entry `login:` = the reviewer);
//   runner-attested-github  the Action: the runner signs the GitHub review facts it checked
//                           (reviewer login and account type, review id, reviewed commit, the PR's
//                           head SHA, PR number, the approval-rule evaluation).
import { MANIFEST_FILE } from './manifest.ts';
import { PcqError } from '../base/errors.ts';
import { utf8 } from './bytes.ts';
import { isDigest } from './digest.ts';
import { signEnvelope } from './dsse.ts';
import type { DsseEnvelope } from '../base/signed-records.ts';
import { canonicalize } from './jcs.ts';
import type { Manifest } from '../base/signed-records.ts';
import type { Signer } from '../base/signer.ts';
import { IN_TOTO_PAYLOAD_TYPE, REVIEW_PREDICATE_TYPE, STATEMENT_TYPE } from './statement.ts';
import type { ReviewDecision, ReviewInput, ReviewKind, ReviewSource } from '../base/signed-records.ts';

export function reviewKindOf(source: ReviewSource): ReviewKind {
  return source.kind === 'github' ? 'runner-attested-github' : 'reviewer-signed';
}

export const REVIEW_DECISIONS: readonly ReviewDecision[] = ['approve', 'reject', 'request-info'];

export async function buildReviewEnvelope(review: ReviewInput, signer: Signer): Promise<DsseEnvelope> {
  if (!isDigest(review.merkleRoot) || !isDigest(review.manifestDigest)) {
    throw new PcqError({
      code: 'PCQ_REVIEW_INVALID',
      message: 'merkleRoot and manifestDigest must be sha256:<hex>',
      hint: "Pass the sealed manifest's merkleRoot and sealedManifestDigest.",
    });
  }
  if (!REVIEW_DECISIONS.includes(review.decision)) {
    throw new PcqError({
      code: 'PCQ_REVIEW_INVALID',
      message: `Unknown review decision "${String(review.decision)}"`,
      hint: `Use one of ${REVIEW_DECISIONS.join(', ')}.`,
    });
  }
  const predicate: Record<string, unknown> = {
    manifestId: review.manifestId,
    executionId: review.executionId,
    merkleRoot: review.merkleRoot,
    kind: reviewKindOf(review.source),
    decision: review.decision,
    reviewer: review.reviewer,
    source: review.source,
    at: review.at,
  };
  if (review.comment !== undefined) predicate.comment = review.comment;
  const statement = {
    _type: STATEMENT_TYPE,
    // The manifest file a user holds, as sealed (no reviews yet), by the sha256 of its bytes.
    subject: [{ name: MANIFEST_FILE, digest: { sha256: review.manifestDigest.slice(7) } }],
    predicateType: REVIEW_PREDICATE_TYPE,
    predicate,
  };
  return signEnvelope(IN_TOTO_PAYLOAD_TYPE, utf8(canonicalize(statement)), signer);
}

/** A copy of the manifest with the review appended; the signed part is untouched. */
export function appendReview(manifest: Manifest, envelope: DsseEnvelope): Manifest {
  return { ...manifest, reviews: [...(manifest.reviews ?? []), envelope] };
}
