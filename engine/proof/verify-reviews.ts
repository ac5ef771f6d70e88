// Review envelopes appended to a manifest (FORMATS.md `reviews`): each a DSSE envelope of an
// in-toto Statement v1 (predicateType https://pcq.dev/review/v1) whose subject digest is the
// manifest's Merkle root, signed by a trust-store key with role `reviewer` valid at its `at`.
import { fromUtf8 } from './bytes.ts';
import { readEnvelope, verifyEnvelopeSignature } from './dsse.ts';
import type { Ed25519Verify } from '../base/signer.ts';
import { IN_TOTO_PAYLOAD_TYPE, REVIEW_PREDICATE_TYPE, validateStatement } from './statement.ts';
import { tryDecodeStrKey } from './strkey.ts';
import { keyStatusAt, type TrustStore } from './trust.ts';
import type { PcqCode } from '../base/error-catalogue.ts';

type Report = (code: PcqCode, check: string, message: string, stepId?: string) => void;
type Pass = (code: PcqCode, check: string, message: string) => void;
type Raw = Record<string, unknown>;

const DECISIONS = ['approve', 'reject', 'request-info'];

function readReview(value: unknown, m: Raw): { problem: string } | { keyid: string; at: string; envelope: ReturnType<typeof readEnvelope> } {
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
  const subject = (st.subject as Raw[])[0] as { digest?: Record<string, unknown> };
  if (subject.digest?.sha256 !== (m.merkleRoot as string).slice(7) || p.merkleRoot !== m.merkleRoot) return { problem: 'it reviews another Merkle root' };
  if (p.manifestId !== m.manifestId || p.executionId !== m.executionId) return { problem: 'it names another manifest or execution' };
  if (typeof p.decision !== 'string' || !DECISIONS.includes(p.decision)) return { problem: `decision must be one of ${DECISIONS.join(', ')}` };
  if (typeof p.reviewer !== 'string' || typeof p.at !== 'string') return { problem: 'reviewer and at are required' };
  return { keyid: env.envelope.signatures[0]!.keyid, at: p.at, envelope: env };
}

export async function verifyReviews(reviews: unknown[], m: Raw, trust: TrustStore, verify: Ed25519Verify, fail: Report, pass: Pass): Promise<void> {
  let bad = 0;
  for (const [i, value] of reviews.entries()) {
    const review = readReview(value, m);
    if ('problem' in review) {
      bad++;
      fail('PCQ_REVIEW_INVALID', 'review', `review ${i}: ${review.problem}`);
      continue;
    }
    const status = keyStatusAt(trust, review.keyid, review.at, 'reviewer');
    if (!status.ok) {
      bad++;
      fail(status.code, 'review-key', `review ${i}: ${status.message}`);
      continue;
    }
    const key = tryDecodeStrKey('public', review.keyid);
    const env = review.envelope;
    const ok = key !== undefined && env.ok && (await verifyEnvelopeSignature(env.envelope, env.payload, 0, key, verify));
    if (!ok) {
      bad++;
      fail('PCQ_REVIEW_INVALID', 'review', `review ${i}: the signature does not verify with ${review.keyid}`);
    }
  }
  if (bad === 0) pass('PCQ_REVIEW_INVALID', 'review', `${reviews.length} review(s) verified`);
}
