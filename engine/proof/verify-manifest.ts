// Verifying a `.pcq` manifest: the one implementation shared by `pcq verify` and the browser
// verifier (pure, async; ports: the trust store value, an Ed25519 verify function, SHA-256).
// It distrusts every byte and never throws: each failure becomes a coded check (FORMATS.md
// "Verification codes"). Steps are verified in parallel (signature checks are the cost), then
// the Merkle root (RFC 9162 §2.1), the manifest signature and the reviews.
import { fromBase64, fromHex, fromUtf8, utf8 } from './bytes.ts';
import { formatDigest } from './digest.ts';
import { readEnvelope, verifyEnvelopeSignature, type DsseEnvelope } from './dsse.ts';
import { sha256Portable, type Sha256 } from './hash.ts';
import { canonicalize } from './jcs.ts';
import { MANIFEST_PAYLOAD_TYPE, parseManifestText, signedPart } from './manifest.ts';
import { checkManifestShape } from './manifest-shape.ts';
import { leafHash, merkleRoot, verifyInclusion } from './merkle.ts';
import { pae } from './pae.ts';
import type { Ed25519Verify } from './signer.ts';
import { IN_TOTO_PAYLOAD_TYPE, STEP_PREDICATE_TYPE, validateStatement } from './statement.ts';
import { checkStepPredicate } from './step-predicate.ts';
import { tryDecodeStrKey } from './strkey.ts';
import { keyStatusAt, type TrustStore } from './trust.ts';
import { verifyReviews } from './verify-reviews.ts';
import { verifyStepLinks, type StepFacts } from './verify-links.ts';

export interface VerifyCheck {
  code: string; // the code the check reports when it fails (FORMATS.md)
  check: string; // what was checked, e.g. "step-signature"
  stepId?: string;
  ok: boolean;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  checks: VerifyCheck[];
}

type Raw = Record<string, unknown>;
type RawStep = { stepId: string; attestation: DsseEnvelope; proofs: unknown; attestationHash: string; inclusionProof: { leafIndex: number; treeSize: number; hashes: string[] } };

export interface VerifyOptions {
  sha256?: Sha256;
}

export async function verifyManifest(text: string, trust: TrustStore, verify: Ed25519Verify, options: VerifyOptions = {}): Promise<VerifyReport> {
  const checks: VerifyCheck[] = [];
  try {
    await run(text, trust, verify, options.sha256 ?? sha256Portable, checks);
  } catch (err) {
    // Defence in depth: a verifier must answer, never crash (DESIGN §4).
    checks.push({ code: 'PCQ_MANIFEST_MALFORMED', check: 'manifest', ok: false, message: `verification stopped on unreadable input: ${(err as Error)?.message ?? String(err)}` });
  }
  return { ok: checks.length > 0 && checks.every((c) => c.ok), checks };
}

async function run(text: string, trust: TrustStore, verify: Ed25519Verify, sha256: Sha256, checks: VerifyCheck[]): Promise<void> {
  const fail = (code: string, check: string, message: string, stepId?: string) => checks.push(stepId === undefined ? { code, check, ok: false, message } : { code, check, stepId, ok: false, message });
  const pass = (code: string, check: string, message: string) => checks.push({ code, check, ok: true, message });

  if (typeof text !== 'string') return void fail('PCQ_MANIFEST_MALFORMED', 'manifest', 'the manifest is not text');
  let parsed: unknown;
  try {
    parsed = parseManifestText(text);
    pass('PCQ_MANIFEST_NOT_CANONICAL', 'canonical-bytes', 'the file is in canonical layout');
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'PCQ_MANIFEST_MALFORMED';
    fail(code, code === 'PCQ_MANIFEST_MALFORMED' ? 'json' : 'canonical-bytes', (err as Error).message);
    if (code === 'PCQ_MANIFEST_MALFORMED') return;
    parsed = JSON.parse(text); // not canonical but JSON: keep checking so every problem is reported
  }
  const shape = checkManifestShape(parsed);
  if (shape.length > 0) {
    for (const p of shape.slice(0, 50)) fail('PCQ_SCHEMA_INVALID', 'schema', `${p.path || '/'} ${p.message}`);
    return;
  }
  pass('PCQ_SCHEMA_INVALID', 'schema', 'the manifest matches manifest.schema.json');
  const m = parsed as Raw;
  const steps = m.steps as RawStep[];
  const executedBy = m.executedBy as string;
  const executedAt = m.executedAt as string;

  // The runner key: trusted as runner, unrevoked, valid at executedAt.
  const status = keyStatusAt(trust, executedBy, executedAt, 'runner');
  if (status.ok) pass('PCQ_KEY_UNKNOWN', 'runner-key', `${executedBy} (${status.key.name}) is a trusted runner at ${executedAt}`);
  else fail(status.code, 'runner-key', status.message);
  const publicKey = tryDecodeStrKey('public', executedBy);
  if (!publicKey) return void fail('PCQ_SCHEMA_INVALID', 'runner-key', 'executedBy is not a valid G… strkey (checksum)');

  // Per step: envelope shape, signature (in parallel), payload, hash; then the links between steps.
  const facts: StepFacts[] = [];
  const signatureChecks: Array<Promise<boolean>> = [];
  for (const [i, step] of steps.entries()) {
    const fact: StepFacts = { index: i, stepId: step.stepId, claimedHash: step.attestationHash, canonical: undefined, hash: undefined, predicate: undefined };
    facts.push(fact);
    const env = readEnvelope(step.attestation);
    if (!env.ok) {
      fail('PCQ_PAYLOAD_INVALID', 'step-envelope', `attestation ${env.problem}`, step.stepId);
      signatureChecks.push(Promise.resolve(true));
      continue;
    }
    const sigs = env.envelope.signatures;
    if (sigs.length !== 1 || sigs[0]!.keyid !== executedBy) {
      fail('PCQ_SIGNATURE_INVALID', 'step-signature', `attestation must carry exactly one signature by the runner ${executedBy}`, step.stepId);
      signatureChecks.push(Promise.resolve(true));
    } else {
      signatureChecks.push(verifyEnvelopeSignature(env.envelope, env.payload, 0, publicKey, verify));
    }
    try {
      fact.canonical = canonicalize(step.attestation);
      fact.hash = formatDigest(sha256(fact.canonical));
    } catch {
      fail('PCQ_PAYLOAD_INVALID', 'step-envelope', 'attestation is not canonicalisable JSON (RFC 8785)', step.stepId);
    }
    fact.predicate = readPredicate(env.envelope.payloadType, env.payload, step.stepId, m, (msg) => fail('PCQ_PAYLOAD_INVALID', 'step-payload', msg, step.stepId));
  }
  const signatureResults = await Promise.all(signatureChecks);
  let badSignatures = 0;
  signatureResults.forEach((ok, i) => {
    if (!ok) {
      badSignatures++;
      fail('PCQ_SIGNATURE_INVALID', 'step-signature', 'the attestation signature does not verify with the runner key', steps[i]!.stepId);
    }
  });
  if (badSignatures === 0) pass('PCQ_SIGNATURE_INVALID', 'step-signature', `${steps.length} step signatures verified`);

  verifyStepLinks(steps, facts, fail, pass);

  // Inclusion proofs and the Merkle root over JCS(envelope) leaves in chain order.
  const root = fromHex((m.merkleRoot as string).slice(7))!;
  const leaves: Uint8Array[] = [];
  let badProofs = 0;
  for (const [i, fact] of facts.entries()) {
    if (fact.canonical === undefined) continue;
    const leaf = leafHash(fact.canonical, sha256);
    leaves.push(leaf);
    const ip = steps[i]!.inclusionProof;
    const ok = ip.leafIndex === i && ip.treeSize === steps.length && verifyInclusion(ip.leafIndex, ip.treeSize, leaf, ip.hashes.map((h) => fromHex(h)!), root, sha256);
    if (!ok) {
      badProofs++;
      fail('PCQ_INCLUSION_PROOF_INVALID', 'inclusion-proof', `the inclusion proof does not place this attestation at leaf ${i} of ${steps.length} under merkleRoot`, fact.stepId);
    }
  }
  if (badProofs === 0) pass('PCQ_INCLUSION_PROOF_INVALID', 'inclusion-proof', `${steps.length} inclusion proofs verified`);
  const computed = leaves.length === steps.length ? formatDigest(merkleRoot(leaves, sha256)) : undefined;
  if (computed === m.merkleRoot) pass('PCQ_MERKLE_ROOT_MISMATCH', 'merkle-root', `merkleRoot ${computed} recomputed from ${steps.length} attestations`);
  else fail('PCQ_MERKLE_ROOT_MISMATCH', 'merkle-root', `merkleRoot is ${m.merkleRoot as string}, the attestations give ${computed ?? 'no root (unreadable attestations)'}`);

  // The manifest signature over JCS(manifest without signature and reviews).
  const sig = fromBase64((m.signature as string).slice('base64:'.length));
  let manifestOk = false;
  if (sig) {
    try {
      manifestOk = await verify(publicKey, pae(MANIFEST_PAYLOAD_TYPE, utf8(canonicalize(signedPart(m)))), sig);
    } catch {
      manifestOk = false;
    }
  }
  if (manifestOk) pass('PCQ_MANIFEST_SIGNATURE_INVALID', 'manifest-signature', `manifest signed by ${executedBy}`);
  else fail('PCQ_MANIFEST_SIGNATURE_INVALID', 'manifest-signature', 'the manifest signature does not verify with the runner key');

  await verifyReviews(m.reviews as unknown[], m, trust, verify, fail, pass);
}

/** Decodes and checks a step payload; returns the predicate, or undefined after reporting why not. */
function readPredicate(payloadType: string, payload: Uint8Array, stepId: string, m: Raw, report: (message: string) => void): Raw | undefined {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) return void report(`payloadType is "${payloadType}", expected ${IN_TOTO_PAYLOAD_TYPE}`);
  const json = fromUtf8(payload);
  if (json === undefined) return void report('payload is not UTF-8');
  let statement: unknown;
  try {
    statement = JSON.parse(json);
  } catch {
    return void report('payload is not JSON');
  }
  const problems = validateStatement(statement).map((p) => `${p.error}: ${p.message}`);
  const st = statement as Raw;
  if (problems.length === 0 && st.predicateType !== STEP_PREDICATE_TYPE) problems.push(`predicateType is not ${STEP_PREDICATE_TYPE}`);
  if (problems.length === 0) problems.push(...checkStepPredicate(st.predicate));
  if (problems.length > 0) return void report(problems.join('; '));
  try {
    if (canonicalize(statement) !== json) return void report('payload is not the RFC 8785 canonical form of its statement');
  } catch {
    return void report('payload is not canonicalisable JSON');
  }
  const p = st.predicate as Raw;
  const subject = (st.subject as Raw[])[0]!;
  const mismatches: string[] = [];
  if (p.stepId !== stepId) mismatches.push(`predicate.stepId is "${String(p.stepId)}"`);
  if (p.runbookId !== m.runbookId) mismatches.push(`predicate.runbookId is "${String(p.runbookId)}", manifest says "${String(m.runbookId)}"`);
  if (p.runbookVersion !== m.version) mismatches.push(`predicate.runbookVersion is "${String(p.runbookVersion)}", manifest says "${String(m.version)}"`);
  if (p.runbookDigest !== m.runbookDigest) mismatches.push('predicate.runbookDigest differs from the manifest');
  if (p.timestamp !== m.executedAt) mismatches.push(`predicate.timestamp is "${String(p.timestamp)}", manifest executedAt is "${String(m.executedAt)}"`);
  if (subject.name !== `${String(m.runbookId)}/${stepId}`) mismatches.push(`subject name is "${String(subject.name)}"`);
  if (mismatches.length > 0) return void report(mismatches.join('; '));
  return p;
}
