// Verifying a `.pcq` manifest: the one implementation shared by `pcq verify` and the browser
// verifier (pure, async; ports: the trust store value, an Ed25519 verify function, SHA-256).
// It distrusts every byte and never throws: each failure becomes a coded check (FORMATS.md
// "Verification codes"). Signature checks are the cost, so they are all started as soon as the
// manifest has its schema shape and run (on the libuv pool in Node, on WebCrypto's threads in a
// browser) while the main thread does everything else: the canonical-layout comparison, payloads,
// JCS and hashes, links, the Merkle tree (RFC 9162 §2.1) and the manifest signature's message.
// The report lists the checks in the same order as a sequential run would.
import { fromBase64, fromHex, fromUtf8, utf8 } from './bytes.ts';
import { formatDigest } from './digest.ts';
import { readEnvelope, verifyEnvelopeSignature, type DsseEnvelope, type EnvelopeShape } from './dsse.ts';
import { sha256Portable, type Sha256, type Sha256Batch } from './hash.ts';
import { CanonicalJson, canonicalize, isCanonicalText } from './jcs.ts';
import { MANIFEST_PAYLOAD_TYPE, hasCanonicalLayout, notCanonicalError, parseManifestJson, signedPart } from './manifest.ts';
import { checkManifestShape } from './manifest-shape.ts';
import { leafHash, merkleTreeIndex, verifyInclusion } from './merkle.ts';
import { paeHeader } from './pae.ts';
import type { Ed25519Verify } from './signer.ts';
import { IN_TOTO_PAYLOAD_TYPE, STEP_PREDICATE_TYPE, validateStatement } from './statement.ts';
import { checkStepPredicate } from './step-predicate.ts';
import { tryDecodeStrKey } from './strkey.ts';
import { keyStatusAt, type TrustStore } from './trust.ts';
import { verifyReviews } from './verify-reviews.ts';
import { verifyStepLinks, type LinkFields, type StepFacts } from './verify-links.ts';

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
type Fail = (code: string, check: string, message: string, stepId?: string) => void;
type Pass = (code: string, check: string, message: string) => void;

export interface VerifyOptions {
  /** Synchronous SHA-256 (Node: sha256Node; default: @noble/hashes). */
  sha256?: Sha256;
  /** Bulk SHA-256 for the two hashes per attestation (browser: WebCrypto); default: sha256 in a loop. */
  sha256Batch?: Sha256Batch;
}

export async function verifyManifest(text: string, trust: TrustStore, verify: Ed25519Verify, options: VerifyOptions = {}): Promise<VerifyReport> {
  const checks: VerifyCheck[] = [];
  try {
    await run(text, trust, verify, options.sha256 ?? sha256Portable, options.sha256Batch, checks);
  } catch (err) {
    // Defence in depth: a verifier must answer, never crash (DESIGN §4).
    checks.push({ code: 'PCQ_MANIFEST_MALFORMED', check: 'manifest', ok: false, message: `verification stopped on unreadable input: ${(err as Error)?.message ?? String(err)}` });
  }
  return { ok: checks.length > 0 && checks.every((c) => c.ok), checks };
}

function reporter(checks: VerifyCheck[]): { fail: Fail; pass: Pass } {
  return {
    fail: (code, check, message, stepId) => void checks.push(stepId === undefined ? { code, check, ok: false, message } : { code, check, stepId, ok: false, message }),
    pass: (code, check, message) => void checks.push({ code, check, ok: true, message }),
  };
}

/** A step's envelope, decoded once, and its signature check when it has the one runner signature. */
interface StartedStep {
  env: EnvelopeShape;
  signature: Promise<boolean> | undefined; // undefined: no single runner signature (reported later)
}

/**
 * Starts every step's signature verification (all in flight at once: the Node port queues them on
 * the libuv pool, WebCrypto on its own threads). Only called once the schema shape holds.
 */
function startSignatures(steps: RawStep[], executedBy: string, publicKey: Uint8Array, verify: Ed25519Verify): StartedStep[] {
  return steps.map((step) => {
    const env = readEnvelope(step.attestation);
    if (!env.ok) return { env, signature: undefined };
    const sigs = env.envelope.signatures;
    const single = sigs.length === 1 && sigs[0]!.keyid === executedBy;
    return { env, signature: single ? verifyEnvelopeSignature(env.envelope, env.payload, 0, publicKey, verify, { signed: env.signed }) : undefined };
  });
}

async function run(text: string, trust: TrustStore, verify: Ed25519Verify, sha256: Sha256, sha256Batch: Sha256Batch | undefined, checks: VerifyCheck[]): Promise<void> {
  const { fail, pass } = reporter(checks);

  if (typeof text !== 'string') return void fail('PCQ_MANIFEST_MALFORMED', 'manifest', 'the manifest is not text');
  let parsed: unknown;
  try {
    parsed = parseManifestJson(text);
  } catch (err) {
    return void fail('PCQ_MANIFEST_MALFORMED', 'json', (err as Error).message);
  }
  // The shape is computed first (and reported after the layout, as always) so that the signature
  // checks can start before the layout comparison and run alongside it.
  const shape = checkManifestShape(parsed);
  const m = parsed as Raw;
  const publicKey = shape.length === 0 ? tryDecodeStrKey('public', m.executedBy) : undefined;
  const started = publicKey ? startSignatures(m.steps as RawStep[], m.executedBy as string, publicKey, verify) : undefined;

  let canonical: boolean;
  try {
    canonical = hasCanonicalLayout(parsed, text);
  } catch (err) {
    return void fail('PCQ_MANIFEST_MALFORMED', 'json', (err as Error).message); // e.g. nesting too deep to walk
  }
  if (canonical) pass('PCQ_MANIFEST_NOT_CANONICAL', 'canonical-bytes', 'the file is in canonical layout');
  else fail('PCQ_MANIFEST_NOT_CANONICAL', 'canonical-bytes', notCanonicalError().message); // keep checking so every problem is reported

  if (shape.length > 0) {
    for (const p of shape.slice(0, 50)) fail('PCQ_SCHEMA_INVALID', 'schema', `${p.path || '/'} ${p.message}`);
    return;
  }
  pass('PCQ_SCHEMA_INVALID', 'schema', 'the manifest matches manifest.schema.json');
  const steps = m.steps as RawStep[];
  const executedBy = m.executedBy as string;
  const executedAt = m.executedAt as string;

  // The runner key: trusted as runner, unrevoked, valid at executedAt.
  const status = keyStatusAt(trust, executedBy, executedAt, 'runner');
  if (status.ok) pass('PCQ_KEY_UNKNOWN', 'runner-key', `${executedBy} (${status.key.name}) is a trusted runner at ${executedAt}`);
  else fail(status.code, 'runner-key', status.message);
  if (!publicKey || !started) return void fail('PCQ_SCHEMA_INVALID', 'runner-key', 'executedBy is not a valid G… strkey (checksum)');

  // Per step: envelope shape, the single runner signature, JCS(envelope) (computed once: it is the
  // attestation hash's input, the Merkle leaf and part of the manifest signature's message), payload.
  // Each step's canonical texts are hashed or encoded before the next step, so that 35 MB of
  // strings never outlive their step (they would otherwise be copied by every young-generation GC).
  const facts: StepFacts[] = [];
  const leafOf: Array<Uint8Array | undefined> = new Array(steps.length).fill(undefined);
  const toHash: Array<{ step: number; input: Uint8Array }> = []; // [0x00 ‖ JCS(envelope)] for sha256Batch
  const message = new ManifestMessage(m);
  for (const [i, step] of steps.entries()) {
    const fact: StepFacts = { index: i, stepId: step.stepId, claimedHash: step.attestationHash, hash: undefined, predicate: undefined };
    facts.push(fact);
    const env = started[i]!.env;
    if (!env.ok) {
      message.addStep(step);
      fail('PCQ_PAYLOAD_INVALID', 'step-envelope', `attestation ${env.problem}`, step.stepId);
      continue;
    }
    if (started[i]!.signature === undefined) {
      fail('PCQ_SIGNATURE_INVALID', 'step-signature', `attestation must carry exactly one signature by the runner ${executedBy}`, step.stepId);
    }
    let envelopeJcs: string | undefined;
    try {
      envelopeJcs = canonicalize(step.attestation);
    } catch {
      fail('PCQ_PAYLOAD_INVALID', 'step-envelope', 'attestation is not canonicalisable JSON (RFC 8785)', step.stepId);
    }
    if (envelopeJcs === undefined) message.addStep(step);
    else {
      message.addStep(step, envelopeJcs);
      if (sha256Batch) toHash.push({ step: i, input: utf8('\u0000' + envelopeJcs) });
      else {
        fact.hash = formatDigest(sha256(envelopeJcs));
        leafOf[i] = leafHash(envelopeJcs, sha256);
      }
    }
    fact.predicate = readPredicate(env.envelope.payloadType, env.payload, step.stepId, m, (msg) => fail('PCQ_PAYLOAD_INVALID', 'step-payload', msg, step.stepId));
  }
  if (sha256Batch && toHash.length > 0) {
    // Attestation hash sha256(JCS) and RFC 9162 leaf hash sha256(0x00 ‖ JCS) from one encoding.
    const digests = await sha256Batch([...toHash.map((h) => h.input.subarray(1)), ...toHash.map((h) => h.input)]);
    toHash.forEach((h, k) => {
      facts[h.step]!.hash = formatDigest(digests[k]!);
      leafOf[h.step] = digests[toHash.length + k]!;
    });
  }

  // The manifest signature's check starts now, so it runs while the links and the tree are checked.
  const manifestSignature = message.verify(publicKey, verify);

  // Links and Merkle checks are gathered aside and reported after the step signatures.
  const later: VerifyCheck[] = [];
  const aside = reporter(later);
  verifyStepLinks(steps, facts, aside.fail, aside.pass);
  checkMerkle(m, steps, facts, leafOf, sha256, aside.fail, aside.pass);

  const signatureResults = await Promise.all(started.map((s) => s.signature ?? true));
  let badSignatures = 0;
  signatureResults.forEach((ok, i) => {
    if (!ok) {
      badSignatures++;
      fail('PCQ_SIGNATURE_INVALID', 'step-signature', 'the attestation signature does not verify with the runner key', steps[i]!.stepId);
    }
  });
  if (badSignatures === 0) pass('PCQ_SIGNATURE_INVALID', 'step-signature', `${steps.length} step signatures verified`);
  checks.push(...later);

  if (await manifestSignature) pass('PCQ_MANIFEST_SIGNATURE_INVALID', 'manifest-signature', `manifest signed by ${executedBy}`);
  else fail('PCQ_MANIFEST_SIGNATURE_INVALID', 'manifest-signature', 'the manifest signature does not verify with the runner key');

  await verifyReviews(m.reviews as unknown[], m, trust, verify, fail, pass);
}

// A raw NUL never occurs in JCS output (JSON.stringify escapes U+0000), so it can mark where the
// steps go in the canonical text of the rest of the manifest.
const STEPS_MARK = '\u0000';

/**
 * The manifest signature's message, PAE(MANIFEST_PAYLOAD_TYPE, JCS(manifest without signature and
 * reviews)), assembled from per-step UTF-8 pieces: each step's JCS is encoded as soon as its
 * envelope's JCS is known (a CanonicalJson is embedded verbatim, so the text is identical), and the
 * 35 MB string of the whole is never built. Any piece without a canonical form makes the signature
 * fail, as canonicalize() throwing on the whole manifest did.
 */
class ManifestMessage {
  private readonly pieces: Uint8Array[] = [];
  private broken = false;
  private readonly manifest: Raw;

  constructor(manifest: Raw) {
    this.manifest = manifest;
  }

  addStep(step: RawStep, envelopeJcs?: string): void {
    if (this.broken) return;
    try {
      this.pieces.push(utf8(canonicalize(envelopeJcs === undefined ? step : { ...step, attestation: new CanonicalJson(envelopeJcs) })));
    } catch {
      this.broken = true;
      this.pieces.length = 0;
    }
  }

  /** Starts the signature check; never rejects. */
  verify(publicKey: Uint8Array, verify: Ed25519Verify): Promise<boolean> {
    const sig = fromBase64((this.manifest.signature as string).slice('base64:'.length));
    if (!sig || this.broken) return Promise.resolve(false);
    let rest: string;
    try {
      rest = canonicalize({ ...signedPart(this.manifest), steps: new CanonicalJson(STEPS_MARK) });
    } catch {
      return Promise.resolve(false);
    }
    const at = rest.indexOf(STEPS_MARK);
    const before = utf8(rest.slice(0, at) + '[');
    const after = utf8(']' + rest.slice(at + STEPS_MARK.length));
    let length = before.length + after.length + Math.max(0, this.pieces.length - 1);
    for (const piece of this.pieces) length += piece.length;
    const header = paeHeader(MANIFEST_PAYLOAD_TYPE, length);
    const out = new Uint8Array(header.length + length);
    out.set(header, 0);
    let offset = header.length;
    out.set(before, offset);
    offset += before.length;
    this.pieces.forEach((piece, k) => {
      if (k > 0) out[offset++] = 0x2c; // ,
      out.set(piece, offset);
      offset += piece.length;
    });
    out.set(after, offset);
    this.pieces.length = 0;
    return verify(publicKey, out, sig).catch(() => false);
  }
}

/**
 * Inclusion proofs and the Merkle root over JCS(envelope) leaves in chain order. The tree is built
 * once; when its root is the published one, each proof is checked by comparison with the tree's
 * path (merkleTreeIndex: equivalent to the RFC 9162 §2.1.3.2 walk; the schema already pinned every
 * path hash to 64 lowercase hex). Otherwise each proof gets the §2.1.3.2 walk against the published
 * root, so a manifest with a wrong root or unreadable attestations is reported exactly as before.
 */
function checkMerkle(m: Raw, steps: RawStep[], facts: StepFacts[], leafOf: Array<Uint8Array | undefined>, sha256: Sha256, fail: Fail, pass: Pass): void {
  const published = m.merkleRoot as string;
  const leaves = leafOf.filter((l): l is Uint8Array => l !== undefined);
  const tree = leaves.length === steps.length ? merkleTreeIndex(leaves, sha256) : undefined;
  const computed = tree ? formatDigest(tree.root) : undefined;
  const root = fromHex(published.slice(7))!;
  let badProofs = 0;
  for (const [i, fact] of facts.entries()) {
    const leaf = leafOf[i];
    if (leaf === undefined) continue;
    const ip = steps[i]!.inclusionProof;
    const placed = ip.leafIndex === i && ip.treeSize === steps.length;
    const ok = placed && (computed === published
      ? tree!.matchesAuditPath(i, ip.hashes)
      : verifyInclusion(ip.leafIndex, ip.treeSize, leaf, ip.hashes.map((h) => fromHex(h)!), root, sha256));
    if (!ok) {
      badProofs++;
      fail('PCQ_INCLUSION_PROOF_INVALID', 'inclusion-proof', `the inclusion proof does not place this attestation at leaf ${i} of ${steps.length} under merkleRoot`, fact.stepId);
    }
  }
  if (badProofs === 0) pass('PCQ_INCLUSION_PROOF_INVALID', 'inclusion-proof', `${steps.length} inclusion proofs verified`);
  if (computed === published) pass('PCQ_MERKLE_ROOT_MISMATCH', 'merkle-root', `merkleRoot ${computed} recomputed from ${steps.length} attestations`);
  else fail('PCQ_MERKLE_ROOT_MISMATCH', 'merkle-root', `merkleRoot is ${published}, the attestations give ${computed ?? 'no root (unreadable attestations)'}`);
}

/** Decodes and checks a step payload; returns the predicate, or undefined after reporting why not. */
function readPredicate(payloadType: string, payload: Uint8Array, stepId: string, m: Raw, report: (message: string) => void): LinkFields | undefined {
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
  const subject = (st.subject as Raw[])[0]!;
  const mismatches: string[] = [];
  if (p.stepId !== stepId) mismatches.push(`predicate.stepId is "${String(p.stepId)}"`);
  if (p.runbookId !== m.runbookId) mismatches.push(`predicate.runbookId is "${String(p.runbookId)}", manifest says "${String(m.runbookId)}"`);
  if (p.runbookVersion !== m.version) mismatches.push(`predicate.runbookVersion is "${String(p.runbookVersion)}", manifest says "${String(m.version)}"`);
  if (p.runbookDigest !== m.runbookDigest) mismatches.push('predicate.runbookDigest differs from the manifest');
  if (p.timestamp !== m.executedAt) mismatches.push(`predicate.timestamp is "${String(p.timestamp)}", manifest executedAt is "${String(m.executedAt)}"`);
  if (subject.name !== `${String(m.runbookId)}/${stepId}`) mismatches.push(`subject name is "${String(subject.name)}"`);
  if (mismatches.length > 0) return void report(mismatches.join('; '));
  // Only what the links need, so the rest of the statement (outputs…) is garbage at once.
  return { previousAttestationHash: p.previousAttestationHash, needs: p.needs as string[], parents: p.parents as string[], proofs: p.proofs };
}
