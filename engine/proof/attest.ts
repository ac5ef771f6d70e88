// Step attestation: an in-toto Statement v1 with the pcq step predicate, JCS-encoded (RFC 8785),
// wrapped in a DSSE envelope signed by the runner key (FORMATS.md "Step attestation").
// Pure given the Signer: nothing run-specific (execution id, wall time, attempts) is signed, so a
// replay with the same inputs, asOf and key reproduces the identical envelope.
import { PcqError } from '../base/errors.ts';
import { utf8 } from './bytes.ts';
import { formatDigest, isDigest } from './digest.ts';
import { signEnvelope } from './dsse.ts';
import type { DsseEnvelope } from '../base/signed-records.ts';
import { sha256Portable, type Sha256 } from './hash.ts';
import { CanonicalJson, canonicalize } from './jcs.ts';
import type { Signer } from '../base/signer.ts';
import { IN_TOTO_PAYLOAD_TYPE, STATEMENT_TYPE, STEP_PREDICATE_TYPE } from './statement.ts';
import { outputsFileText, stepSubjects } from './subjects.ts';
import { normaliseProofs } from './step-predicate.ts';
import type { StepRecord } from '../base/signed-records.ts';
import { commitmentDigest, commitPrivate, deriveSalt, type PrivateCommitment, type PrivateOpening } from './private-commitment.ts';

/** Values whose canonical form exceeds this many UTF-8 bytes are attested as {digest, size}. */
export const INLINE_LIMIT_BYTES = 64 * 1024;

export interface ChainLinks {
  previousAttestationHash: string | null;
  /** The step's DAG dependencies (stepIds, in `needs` order) and their attestation hashes, same order. */
  needs: string[];
  parents: string[];
}

export interface RunContext {
  runbookId: string;
  runbookVersion: string;
  runbookDigest: string;
  asOf: string;
  /** The run's inputs: part of a private step's salt context (private-commitment.ts). */
  params?: unknown;
}

export interface Attestation {
  envelope: DsseEnvelope;
  /** sha256:<hex> of JCS(envelope): the attestation hash the chain and the manifest refer to. */
  hash: string;
  /** For a private step: the values and salt that open its commitments (kept private, sealed). */
  opening?: PrivateOpening;
}

/** UTF-8 length of a string without encoding it (surrogate pairs are 4 bytes, like TextEncoder). */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) bytes += c >= 0x800 && (c < 0xd800 || c > 0xdfff) ? 2 : 1;
  }
  return bytes; // a surrogate pair counts 1+1+1+1 = 4
}

/** Canonical text of a value, or of its {digest, size} stand-in when it is too large to inline. */
function inlineOrDigest(canonicalText: string, sha256: Sha256): CanonicalJson {
  const size = utf8Length(canonicalText);
  if (size <= INLINE_LIMIT_BYTES) return new CanonicalJson(canonicalText);
  return new CanonicalJson(canonicalize({ digest: formatDigest(sha256(canonicalText)), size }));
}

function invalid(message: string): PcqError {
  return new PcqError({ code: 'PCQ_ATTEST_INVALID', message, hint: 'This is a bug in the caller of attestStep; the step record must follow FORMATS.md.' });
}

export async function attestStep(
  record: StepRecord,
  chain: ChainLinks,
  run: RunContext,
  signer: Signer,
  sha256: Sha256 = sha256Portable,
): Promise<Attestation> {
  if (chain.previousAttestationHash !== null && !isDigest(chain.previousAttestationHash)) throw invalid('previousAttestationHash is not sha256:<hex>');
  if (chain.needs.length !== chain.parents.length)
    throw invalid(`step ${record.stepId} has ${chain.needs.length} needs but ${chain.parents.length} parent hashes`);
  if (!chain.parents.every(isDigest)) throw invalid(`step ${record.stepId} has a parent hash that is not sha256:<hex>`);
  if (!isDigest(run.runbookDigest)) throw invalid('runbookDigest is not sha256:<hex>');

  const signed = await signedData(record, run, signer, sha256);
  const statement = {
    _type: STATEMENT_TYPE,
    subject: stepSubjects(record, run, signed.subjectDigest),
    predicateType: STEP_PREDICATE_TYPE,
    predicate: {
      runbookId: run.runbookId,
      runbookVersion: run.runbookVersion,
      runbookDigest: run.runbookDigest,
      stepId: record.stepId,
      type: record.type,
      inputs: signed.inputs,
      outputs: signed.outputs,
      timestamp: run.asOf,
      previousAttestationHash: chain.previousAttestationHash,
      needs: chain.needs,
      parents: chain.parents,
      status: record.status,
      proofs: normaliseProofs(record.proofs),
      artifacts: record.artifacts ?? [],
      recordings: signed.recordings,
      // Only a step with `when:` (or under a skipped branch) carries these, so runbooks without
      // conditions keep their attestations and Merkle roots byte for byte.
      ...(record.condition ? { condition: { expr: record.condition.expr, value: record.condition.value } } : {}),
      ...(record.skipped ? { skipped: record.skipped } : {}),
      // Present only when a secret was masked, so runs with none keep their roots (FORMATS.md).
      ...(record.redactions !== undefined && record.redactions > 0 ? { redactions: record.redactions } : {}),
      ...(record.spell ? { spell: record.spell } : {}),
      // An approval step that resumed on a decision (FORMATS.md "Approval steps").
      ...(record.approval ? { approval: record.approval } : {}),
    },
  };
  const envelope = await signEnvelope(IN_TOTO_PAYLOAD_TYPE, utf8(canonicalize(statement)), signer);
  const attestation: Attestation = { envelope, hash: formatDigest(sha256(canonicalize(envelope))) };
  if (signed.opening) attestation.opening = signed.opening;
  return attestation;
}

interface SignedData {
  subjectDigest: string;
  inputs: CanonicalJson | PrivateCommitment;
  outputs: CanonicalJson | PrivateCommitment;
  recordings: string[];
  opening?: PrivateOpening;
}

/**
 * What the predicate says about the step's data: the values (or {digest, size} when large), or for
 * a private step salted commitments only, the subject digest being the outputs' commitment.
 */
async function signedData(record: StepRecord, run: RunContext, signer: Signer, sha256: Sha256): Promise<SignedData> {
  const recordings = record.recordings ?? [];
  if (record.private === true) {
    const salt = await deriveSalt(signer, { runbookDigest: run.runbookDigest, asOf: run.asOf, params: run.params ?? null, stepId: record.stepId }, sha256);
    // null (a step that never ran, a root's empty inputs) says nothing private: it stays null.
    const commit = (field: 'inputs' | 'outputs', value: unknown) =>
      value === null || value === undefined ? new CanonicalJson('null') : commitPrivate(field, salt, value, sha256);
    const outputs = commit('outputs', record.outputs);
    return {
      subjectDigest: outputs instanceof CanonicalJson ? formatDigest(sha256('null')) : outputs.digest,
      inputs: commit('inputs', record.inputs),
      outputs,
      recordings: recordings.map((key) => commitmentDigest('recordings', salt, key, sha256)),
      opening: { stepId: record.stepId, salt, inputs: record.inputs ?? null, outputs: record.outputs ?? null, recordings },
    };
  }
  const outputsText = canonicalize(record.outputs ?? null);
  const inputsText = canonicalize(record.inputs ?? null);
  return {
    subjectDigest: formatDigest(sha256(outputsFileText(outputsText))),
    inputs: inlineOrDigest(inputsText, sha256),
    outputs: inlineOrDigest(outputsText, sha256),
    recordings,
  };
}
