// One step attestation's payload, checked on its own (FORMATS.md "Step attestation"): the in-toto
// statement, the pcq step predicate, its canonical form, its subjects (the files a user holds) and
// its binding to the manifest (runbook, version, digest, time). Used by verify-manifest.ts per step.
import { fromUtf8 } from './bytes.ts';
import { formatDigest, isDigest } from './digest.ts';
import type { Sha256 } from './hash.ts';
import { canonicalize, isCanonicalText } from './jcs.ts';
import { IN_TOTO_PAYLOAD_TYPE, STEP_PREDICATE_TYPE, validateStatement } from './statement.ts';
import { checkStepPredicate } from './step-predicate.ts';
import { outputsFileName, outputsFileText } from './subjects.ts';
import type { LinkFields } from './verify-links.ts';

type Raw = Record<string, unknown>;

/**
 * The subjects name the files a user holds (FORMATS.md "Step attestation"): the outputs file (or a
 * private step's commitment) first, then one `exports/<name>` per artifact, digest for digest. An
 * inline outputs value is hashed as its file (JCS and a newline), so the subject cannot name other
 * bytes than the predicate carries.
 */
function subjectMismatches(subjects: Raw[], p: Raw, runbookId: string, stepId: string, sha256: Sha256): string[] {
  const out: string[] = [];
  const outputs = p.outputs as Raw | null;
  const isPrivate = outputs !== null && typeof outputs === 'object' && outputs.private === true;
  const first = subjects[0]!;
  // A private step that never ran (outputs null) publishes no file either: its subject is the
  // `null` it commits to, under the private name (attest.ts signedData).
  const commitmentName = `${runbookId}/${stepId}`;
  const nullCommitment = outputs === null && first.name === commitmentName;
  const name = isPrivate || nullCommitment ? commitmentName : outputsFileName(stepId);
  if (first.name !== name) out.push(`subject name is "${String(first.name)}", expected "${name}"`);
  const digest = (first.digest as Raw).sha256;
  if (nullCommitment) {
    if (formatDigest(sha256('null')) !== `sha256:${String(digest)}`) out.push('subject digest is not sha256 of null');
  } else if (isPrivate) {
    if (digest !== String(outputs.digest).slice(7)) out.push('subject digest is not the outputs commitment');
  } else if (!isStandIn(outputs)) {
    if (formatDigest(sha256(outputsFileText(canonicalize(outputs)))) !== `sha256:${String(digest)}`) out.push(`subject digest is not sha256 of ${name}`);
  }
  const artifacts = Array.isArray(p.artifacts) ? (p.artifacts as Raw[]) : [];
  const rest = subjects.slice(1);
  if (rest.length !== artifacts.length) out.push(`${rest.length} artifact subjects for ${artifacts.length} artifacts`);
  else
    for (const [i, a] of artifacts.entries()) {
      const sub = rest[i]!;
      if (sub.name !== `exports/${String(a.name)}` || `sha256:${String((sub.digest as Raw).sha256)}` !== a.digest)
        out.push(`subject ${i + 1} is not artifact ${String(a.name)}`);
    }
  return out;
}

/** A large value attested as {digest, size} (attest.ts INLINE_LIMIT_BYTES). */
function isStandIn(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 2 && keys.includes('digest') && keys.includes('size') && isDigest((value as Raw).digest);
}

/** Decodes and checks a step payload; returns the predicate, or undefined after reporting why not. */
export function readPredicate(
  payloadType: string,
  payload: Uint8Array,
  stepId: string,
  m: Raw,
  sha256: Sha256,
  report: (message: string) => void,
  seen?: (statement: Record<string, unknown>) => void,
): LinkFields | undefined {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) return void report(`payloadType is "${payloadType}", expected ${IN_TOTO_PAYLOAD_TYPE}`);
  const json = fromUtf8(payload);
  if (json === undefined) return void report('payload is not UTF-8');
  let statement: unknown;
  try {
    statement = JSON.parse(json);
  } catch {
    return void report('payload is not JSON');
  }
  if (typeof statement === 'object' && statement !== null && !Array.isArray(statement)) seen?.(statement as Raw);
  const problems = validateStatement(statement).map((p) => `${p.error}: ${p.message}`);
  const st = statement as Raw;
  if (problems.length === 0 && st.predicateType !== STEP_PREDICATE_TYPE) problems.push(`predicateType is not ${STEP_PREDICATE_TYPE}`);
  if (problems.length === 0) problems.push(...checkStepPredicate(st.predicate));
  if (problems.length > 0) return void report(problems.join('; '));
  // Compared in place (isCanonicalText); only a mismatch pays for canonicalize(), to tell a value
  // that has no canonical form apart from a payload that is merely not in it.
  if (!isCanonicalText(statement, json)) {
    try {
      canonicalize(statement);
    } catch {
      return void report('payload is not canonicalisable JSON');
    }
    return void report('payload is not the RFC 8785 canonical form of its statement');
  }
  const p = st.predicate as Raw;
  const mismatches: string[] = subjectMismatches(st.subject as Raw[], p, String(m.runbookId), stepId, sha256);
  if (p.stepId !== stepId) mismatches.push(`predicate.stepId is "${String(p.stepId)}"`);
  if (p.runbookId !== m.runbookId) mismatches.push(`predicate.runbookId is "${String(p.runbookId)}", manifest says "${String(m.runbookId)}"`);
  if (p.runbookVersion !== m.version) mismatches.push(`predicate.runbookVersion is "${String(p.runbookVersion)}", manifest says "${String(m.version)}"`);
  if (p.runbookDigest !== m.runbookDigest) mismatches.push('predicate.runbookDigest differs from the manifest');
  if (p.timestamp !== m.executedAt) mismatches.push(`predicate.timestamp is "${String(p.timestamp)}", manifest executedAt is "${String(m.executedAt)}"`);
  if (mismatches.length > 0) return void report(mismatches.join('; '));
  // Only what the links need, so the rest of the statement (outputs…) is garbage at once.
  return {
    previousAttestationHash: p.previousAttestationHash,
    needs: p.needs as string[],
    parents: p.parents as string[],
    proofs: p.proofs,
    ...('skipped' in p ? { skipped: p.skipped } : {}),
    ...(p.spell !== undefined ? { spell: p.spell } : {}),
    ...(p.approval !== undefined ? { approval: p.approval } : {}),
  };
}
