// An approval step's decision (FORMATS.md "Approval steps"): a DSSE envelope carrying an in-toto
// Statement v1 whose subject is the PAUSED manifest file (manifest.pcq as sealed when the run
// paused) and whose predicate says which step, what was decided, by whom, when, and the inputs the
// approver supplied. Two kinds, as for ombuds reviews (FORMATS.md "Review attestations"):
//   reviewer-signed         `pcq approve`: signed by the approver's own reviewer key, never by the
//                           runner (the predicate has no `kind`, or `kind: reviewer-signed`);
//   runner-attested-github  the Action, on a review of the pause pull request: the runner signs the
//                           GitHub review facts it checked (predicate `kind` and `source`, the same
//                           source object an ombuds review attests), never a decision in the
//                           reviewer's name.
// The final manifest carries it in `approvals` and the approval step's attestation names its digest.
// Pure and browser-safe: `pcq approve` and the Action build it, `pcq verify` and the browser read it.
import { canonicalize } from './jcs.ts';
import { utf8 } from './bytes.ts';
import { signEnvelope } from './dsse.ts';
import { digestOfJson, isDigest } from './digest.ts';
import { MANIFEST_FILE } from './manifest.ts';
import { IN_TOTO_PAYLOAD_TYPE, STATEMENT_TYPE, decodeEnvelopePayload } from './statement.ts';
import type { ApprovalOutcome, DsseEnvelope, GithubReviewSource, Manifest, ReviewKind } from '../base/signed-records.ts';
import type { AttestedGithubFacts } from './review-rules.ts';
import { readGithubSource } from './verify-reviews.ts';
import type { Signer } from '../base/signer.ts';
import { sha256Portable, type Sha256 } from './hash.ts';

export const APPROVAL_PREDICATE_TYPE = 'https://pcq.dev/approval/v1';

export interface ApprovalDecisionInput {
  executionId: string;
  runbookId: string;
  stepId: string;
  /** The paused manifest's merkleRoot and sealed-file digest: what the approver looked at. */
  pausedMerkleRoot: string;
  pausedManifestDigest: string;
  decision: 'approve' | 'reject';
  reviewer: string;
  /** Who could decide, as the paused manifest's `pause.approvers` said. */
  approvers: string[];
  inputs: Record<string, unknown>;
  /** Wall clock of the decision (ISO-8601 UTC); at or after the run's asOf (review rules). */
  at: string;
  comment?: string;
  /** The Action: the pause PR review the runner checked (runner-attested-github); absent: reviewer-signed. */
  source?: GithubReviewSource;
}

/** The decision as read from an envelope's predicate (shape checked; the signature is checked by the caller). */
export interface ApprovalDecision extends Omit<ApprovalDecisionInput, 'pausedManifestDigest' | 'source'> {
  keyid: string;
  kind: ReviewKind;
  /** runner-attested-github: the GitHub facts the runner signed. */
  github?: AttestedGithubFacts;
}

const FIELDS = ['executionId', 'runbookId', 'stepId', 'pausedMerkleRoot', 'decision', 'reviewer', 'approvers', 'inputs', 'at'];

export async function buildApprovalEnvelope(input: ApprovalDecisionInput, signer: Signer): Promise<DsseEnvelope> {
  const { pausedManifestDigest, comment, source, ...rest } = input;
  // A reviewer-signed decision keeps the predicate `pcq approve` has always signed (no `kind`).
  const github = source ? { kind: 'runner-attested-github' as const, source } : {};
  const statement = {
    _type: STATEMENT_TYPE,
    subject: [{ name: MANIFEST_FILE, digest: { sha256: pausedManifestDigest.slice('sha256:'.length) } }],
    predicateType: APPROVAL_PREDICATE_TYPE,
    predicate: { ...rest, ...github, ...(comment !== undefined ? { comment } : {}) },
  };
  return signEnvelope(IN_TOTO_PAYLOAD_TYPE, utf8(canonicalize(statement)), signer);
}

/** The GitHub facts a runner-attested decision signs, as the review rules read them. */
export function attestedFactsOf(source: GithubReviewSource): AttestedGithubFacts {
  const { pullRequest, reviewId, reviewerType, commitId, headSha, evaluation } = source;
  return { pullRequest, reviewId, reviewerType, commitId, headSha, counts: evaluation.counts, decision: evaluation.decision };
}

/** sha256(JCS(envelope)): how an approval step's attestation names its decision. */
export function approvalEnvelopeDigest(envelope: unknown, sha256: Sha256 = sha256Portable): string {
  return digestOfJson(envelope, sha256);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a decision envelope's statement; a problem string when it is not one. Hostile input: never throws. */
export function readApprovalDecision(envelope: unknown): ApprovalDecision | { problem: string } {
  if (!isRecord(envelope) || envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE || !Array.isArray(envelope.signatures) || envelope.signatures.length !== 1) {
    return { problem: 'it is not a DSSE envelope with exactly one signature' };
  }
  const sig = envelope.signatures[0] as unknown;
  if (!isRecord(sig) || typeof sig.keyid !== 'string') return { problem: 'its signature names no keyid' };
  const statement = decodeEnvelopePayload(envelope);
  if (!statement || statement.predicateType !== APPROVAL_PREDICATE_TYPE || !isRecord(statement.predicate)) {
    return { problem: `its payload is not a ${APPROVAL_PREDICATE_TYPE} statement` };
  }
  const p = statement.predicate;
  const missing = FIELDS.filter((f) => !(f in p));
  if (missing.length > 0) return { problem: `its predicate lacks ${missing.join(', ')}` };
  const strings = ['executionId', 'runbookId', 'stepId', 'reviewer', 'at'].every((f) => typeof p[f] === 'string');
  const approvers = Array.isArray(p.approvers) && p.approvers.every((a) => typeof a === 'string');
  if (!strings || !approvers || !isRecord(p.inputs) || !isDigest(p.pausedMerkleRoot) || (p.decision !== 'approve' && p.decision !== 'reject')) {
    return { problem: 'its predicate fields have the wrong types' };
  }
  if ('comment' in p && typeof p.comment !== 'string') return { problem: 'its comment is not a string' };
  const kind = p.kind ?? 'reviewer-signed';
  if (kind !== 'reviewer-signed' && kind !== 'runner-attested-github')
    return { problem: `its kind ${String(kind)} is not reviewer-signed or runner-attested-github` };
  let github: AttestedGithubFacts | undefined;
  if (kind === 'runner-attested-github') {
    const read = isRecord(p.source) && p.source.kind === 'github' ? readGithubSource(p.source) : 'a runner-attested-github decision has source.kind github';
    if (typeof read === 'string') return { problem: `its GitHub source: ${read}` };
    github = read;
  } else if ('source' in p) return { problem: 'a reviewer-signed decision carries no source' };
  return {
    kind,
    ...(github ? { github } : {}),
    executionId: p.executionId as string,
    runbookId: p.runbookId as string,
    stepId: p.stepId as string,
    pausedMerkleRoot: p.pausedMerkleRoot as string,
    decision: p.decision,
    reviewer: p.reviewer as string,
    approvers: p.approvers as string[],
    inputs: p.inputs,
    at: p.at as string,
    ...(typeof p.comment === 'string' ? { comment: p.comment } : {}),
    keyid: sig.keyid,
  };
}

/**
 * The decisions a sealed manifest recorded, by approval stepId: each approval step's signed outcome
 * with the envelope it names. A replay (and a second resume) runs on these and never asks again.
 * Steps whose envelope is missing are left out (the verifier reports them).
 */
export function recordedApprovals(manifest: Pick<Manifest, 'steps' | 'approvals'>): Map<string, { outcome: ApprovalOutcome; envelope: DsseEnvelope }> {
  const envelopes = new Map((manifest.approvals ?? []).map((e) => [approvalEnvelopeDigest(e), e]));
  const out = new Map<string, { outcome: ApprovalOutcome; envelope: DsseEnvelope }>();
  for (const step of manifest.steps) {
    const approval = (decodeEnvelopePayload(step.attestation)?.predicate as { approval?: ApprovalOutcome } | undefined)?.approval;
    const envelope = approval ? envelopes.get(approval.envelopeDigest) : undefined;
    if (approval && envelope) out.set(step.stepId, { outcome: approval, envelope });
  }
  return out;
}
