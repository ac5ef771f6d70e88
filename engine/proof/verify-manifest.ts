// Verifying a `.pcq` manifest: the one implementation shared by `pcq verify` and the browser
// verifier (pure, async; ports: the trust store value, an Ed25519 verify function, SHA-256).
// It distrusts every byte and never throws: each failure becomes a coded check (FORMATS.md
// "Verification codes"). Signature checks are the cost, so they are all started as soon as the
// manifest has its schema shape and run (in Node on worker threads that the main thread joins once
// it is done — the batch port —, in a browser on WebCrypto's threads) while the main thread does
// everything else: the canonical-layout comparison, payloads, JCS and hashes, links, the Merkle
// tree (RFC 9162 §2.1) and the manifest signature's message. The report lists the checks in the
// same order as a sequential run would.
import { fromBase64, fromHex, fromUtf8 } from './bytes.ts';
import { formatDigest, isDigest } from './digest.ts';
import { outputsFileName, outputsFileText } from './subjects.ts';
import { readEnvelope, verifyEnvelopeSignature, type EnvelopeShape } from './dsse.ts';
import type { DsseEnvelope } from '../base/signed-records.ts';
import { sha256Portable, type Sha256, type Sha256Batch } from './hash.ts';
import { CanonicalJson, canonicalize, isCanonicalText } from './jcs.ts';
import { MANIFEST_PAYLOAD_TYPE, hasCanonicalLayout, notCanonicalError, parseManifestJson, sealedManifestDigest, signedPart } from './manifest.ts';
import { checkManifestShape } from './manifest-shape.ts';
import { merkleTreeIndex, verifyInclusion } from './merkle.ts';
import { paeHeader } from './pae.ts';
import type { Ed25519Verify, Ed25519VerifyBatch, SignatureItem } from '../base/signer.ts';
import { IN_TOTO_PAYLOAD_TYPE, STEP_PREDICATE_TYPE, validateStatement } from './statement.ts';
import { checkStepPredicate } from './step-predicate.ts';
import { tryDecodeStrKey } from './strkey.ts';
import type { TrustStore } from './trust.ts';
import { checkRunnerAuthorization, keysRelied, type KeyRelied } from './verify-trust.ts';
import type { RunMode } from './authorization.ts';
import { verifyReviews } from './verify-reviews.ts';
import { verifyStepLinks, type LinkFields, type StepFacts } from './verify-links.ts';
import { checkGrantAndReceipts } from './verify-grant.ts';
import { checkRetryLink } from './verify-retry.ts';
import { verifySpells } from './verify-spells.ts';
import { checkPausedState, verifyApprovals } from './verify-approvals.ts';
import { checkTimeAnchor, type TimeAnchorOptions } from './verify-time-anchor.ts';
import type { PcqCode } from '../base/error-catalogue.ts';

export interface VerifyCheck {
  code: PcqCode; // the code the check reports when it fails (FORMATS.md)
  check: string; // what was checked, e.g. "step-signature"
  stepId?: string;
  ok: boolean;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  checks: VerifyCheck[];
  /** Every key the verdict relied on (runner, reviewers) and the trust source that vouched for it. */
  keys?: KeyRelied[];
}

type Raw = Record<string, unknown>;
type RawStep = {
  stepId: string;
  attestation: DsseEnvelope;
  proofs: unknown;
  attestationHash: string;
  inclusionProof: { leafIndex: number; treeSize: number; hashes: string[] };
};
type Fail = (code: PcqCode, check: string, message: string, stepId?: string) => void;
type Pass = (code: PcqCode, check: string, message: string) => void;

export interface VerifyOptions {
  /** Synchronous SHA-256 (Node: sha256Node; default: @noble/hashes). */
  sha256?: Sha256;
  /** Bulk SHA-256 for the two hashes per attestation (browser: WebCrypto); default: sha256 in a loop. */
  sha256Batch?: Sha256Batch;
  /** The step signatures as one batch (Node: nodeVerifyBatch); default: `verify` per signature. */
  verifyBatch?: Ed25519VerifyBatch;
  /** The ombuds roster logins (policies/ombuds.yaml) the review rules check reviewers against.
   *  Without it a manifest that carries reviews fails PCQ_REVIEW_ROSTER_MISSING (fail closed). */
  roster?: readonly string[];
  /** The verifier's mode: outside dev a dev-overlay key counts as unknown (default dev). */
  mode?: RunMode;
  /** Wall clock (epoch ms): executedAt may not lie beyond it by more than AS_OF_SKEW_MS. */
  now?: number;
  /** The TSA trust and whether an anchor is required (proof/verify-time-anchor.ts). */
  timeAnchor?: TimeAnchorOptions;
}

export async function verifyManifest(text: string, trust: TrustStore, verify: Ed25519Verify, options: VerifyOptions = {}): Promise<VerifyReport> {
  const checks: VerifyCheck[] = [];
  const keys: KeyRelied[] = [];
  try {
    await run(text, trust, verify, options, checks, keys);
  } catch (err) {
    // Defence in depth: a verifier must answer, never crash (docs/design.md §4).
    checks.push({
      code: 'PCQ_MANIFEST_MALFORMED',
      check: 'manifest',
      ok: false,
      message: `verification stopped on unreadable input: ${(err as Error)?.message ?? String(err)}`,
    });
  }
  return { ok: checks.length > 0 && checks.every((c) => c.ok), checks, ...(keys.length > 0 ? { keys } : {}) };
}

function reporter(checks: VerifyCheck[]): { fail: Fail; pass: Pass } {
  return {
    fail: (code, check, message, stepId) =>
      void checks.push(stepId === undefined ? { code, check, ok: false, message } : { code, check, stepId, ok: false, message }),
    pass: (code, check, message) => void checks.push({ code, check, ok: true, message }),
  };
}

/** A step's envelope, decoded once, and whether it has the one runner signature to check. */
interface StartedStep {
  env: EnvelopeShape;
  single: boolean; // false: no single runner signature (reported later)
}

interface StartedSignatures {
  steps: StartedStep[];
  /** Per step: its signature verified, or true when there was none to check (reported elsewhere). */
  results: Promise<boolean[]>;
  /** The caller has nothing else to do: let it take part in the checks (a batch port's help). */
  help(): void;
}

/**
 * Starts every step's signature verification (all in flight at once: the Node batch port on a
 * worker thread, the per-signature port on the libuv pool or WebCrypto's threads). Only called once
 * the schema shape holds. Same verdict per step as verifyEnvelopeSignature(…, 0, publicKey, verify).
 */
function startSignatures(
  steps: RawStep[],
  executedBy: string,
  publicKey: Uint8Array,
  verify: Ed25519Verify,
  verifyBatch: Ed25519VerifyBatch | undefined,
): StartedSignatures {
  const started = steps.map((step): StartedStep => {
    const env = readEnvelope(step.attestation);
    if (!env.ok) return { env, single: false };
    const sigs = env.envelope.signatures;
    return { env, single: sigs.length === 1 && sigs[0]!.keyid === executedBy };
  });
  if (!verifyBatch) {
    const pending = started.map((s) =>
      s.single && s.env.ok ? verifyEnvelopeSignature(s.env.envelope, s.env.payload, 0, publicKey, verify, { signed: s.env.signed }) : true,
    );
    return { steps: started, results: Promise.all(pending), help: () => undefined };
  }
  const items: SignatureItem[] = [];
  const itemOf: number[] = new Array(started.length).fill(-1);
  const decided: boolean[] = new Array(started.length).fill(true);
  started.forEach((s, i) => {
    if (!s.single || !s.env.ok) return;
    const signature = fromBase64(s.env.envelope.signatures[0]!.sig); // as verifyEnvelopeSignature decodes it
    if (!signature) decided[i] = false;
    else {
      itemOf[i] = items.length;
      items.push({ message: s.env.signed, signature });
    }
  });
  const batch = verifyBatch(publicKey, items);
  return { steps: started, results: batch.results.then((r) => decided.map((d, i) => (itemOf[i]! < 0 ? d : r[itemOf[i]!] === true))), help: () => batch.help() };
}

async function run(text: string, trust: TrustStore, verify: Ed25519Verify, options: VerifyOptions, checks: VerifyCheck[], keys: KeyRelied[]): Promise<void> {
  const { fail, pass } = reporter(checks);
  const sha256 = options.sha256 ?? sha256Portable;
  const sha256Batch = options.sha256Batch;

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
  const started = publicKey ? startSignatures(m.steps as RawStep[], m.executedBy as string, publicKey, verify, options.verifyBatch) : undefined;

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

  // The runner key and the signed authorization record: proof/authorization.ts, the same check
  // that `pcq run` made before the run started.
  checkRunnerAuthorization(m, trust, options, fail, pass);
  // Who authorized the run, with what budget, and what it cost (the grant and the vault receipts).
  checkGrantAndReceipts(m, fail, pass);
  // A retry names the failed run it re-runs (proof/verify-retry.ts).
  checkRetryLink(m, fail, pass);
  keys.push(...keysRelied(m, trust, options.mode ?? 'dev'));
  if (!publicKey || !started) return void fail('PCQ_SCHEMA_INVALID', 'runner-key', 'executedBy is not a valid G… strkey (checksum)');

  // Per step: envelope shape, the single runner signature, JCS(envelope) (encoded once, straight
  // into the manifest signature's message, and hashed in place there: it is the attestation hash's
  // input and the Merkle leaf), payload. No per-step canonical string outlives its step, so 35 MB of
  // text is never copied by young-generation GCs.
  const facts: StepFacts[] = [];
  const leafOf: Array<Uint8Array | undefined> = new Array(steps.length).fill(undefined);
  const toHash: Array<{ step: number; input: Uint8Array }> = []; // [0x00 ‖ JCS(envelope)] for sha256Batch
  const message = new ManifestMessage(m, text.length);
  for (const [i, step] of steps.entries()) {
    const fact: StepFacts = { index: i, stepId: step.stepId, claimedHash: step.attestationHash, hash: undefined, predicate: undefined };
    facts.push(fact);
    const env = started.steps[i]!.env;
    if (!env.ok) {
      message.addStep(step);
      fail('PCQ_PAYLOAD_INVALID', 'step-envelope', `attestation ${env.problem}`, step.stepId);
      continue;
    }
    if (!started.steps[i]!.single) {
      fail('PCQ_SIGNATURE_INVALID', 'step-signature', `attestation must carry exactly one signature by the runner ${executedBy}`, step.stepId);
    }
    const span = message.addReadStep(step, env.envelope);
    if (!span) {
      fail('PCQ_PAYLOAD_INVALID', 'step-envelope', 'attestation is not canonicalisable JSON (RFC 8785)', step.stepId);
    } else if (sha256Batch) {
      const input = message.bytes.slice(span.start - 1, span.end);
      input[0] = 0;
      toHash.push({ step: i, input });
    } else {
      fact.hash = formatDigest(sha256(message.bytes.subarray(span.start, span.end)));
      leafOf[i] = message.leafHashAt(span, sha256);
    }
    fact.predicate = readPredicate(env.envelope.payloadType, env.payload, step.stepId, m, sha256, (msg) =>
      fail('PCQ_PAYLOAD_INVALID', 'step-payload', msg, step.stepId),
    );
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
  verifySpells(m, facts, aside.fail, aside.pass);
  checkMerkle(m, steps, facts, leafOf, sha256, aside.fail, aside.pass);

  started.help(); // nothing else to do here until the signatures are in
  const signatureResults = await started.results;
  let badSignatures = 0;
  signatureResults.forEach((ok, i) => {
    if (!ok) {
      badSignatures++;
      fail('PCQ_SIGNATURE_INVALID', 'step-signature', 'the attestation signature does not verify with the runner key', steps[i]!.stepId);
    }
  });
  if (badSignatures === 0) pass('PCQ_SIGNATURE_INVALID', 'step-signature', `${steps.length} step signatures verified`);
  checks.push(...later);

  const manifestSigned = await manifestSignature;
  if (manifestSigned) pass('PCQ_MANIFEST_SIGNATURE_INVALID', 'manifest-signature', `manifest signed by ${executedBy}`);
  // policyDigest is inside the signed part: shown so a reader can compare it with their policies/ (FORMATS.md).
  if (manifestSigned && 'policyDigest' in m) pass('PCQ_MANIFEST_SIGNATURE_INVALID', 'policy-digest', `policies signed as ${String(m.policyDigest)}`);
  if (!manifestSigned) fail('PCQ_MANIFEST_SIGNATURE_INVALID', 'manifest-signature', 'the manifest signature does not verify with the runner key');

  // A review's subject is the manifest file as sealed (reviews: []), by the sha256 of its bytes.
  const reviews = m.reviews as unknown[];
  const sealedDigest = reviews.length > 0 ? sealedManifestDigest(m, sha256) : '';
  const reviewContext = options.roster !== undefined ? { trust, roster: options.roster } : { trust };
  await verifyReviews(reviews, m, sealedDigest, reviewContext, verify, fail, pass);
  // Approval steps and the paused state (FORMATS.md "Approval steps").
  await verifyApprovals(m, facts, reviewContext, verify, sha256, fail, pass);
  checkPausedState(m, fail, pass);
  // The RFC 3161 time anchor: when the sealed manifest existed, by a TSA (proof/verify-time-anchor.ts).
  await checkTimeAnchor(m, options.timeAnchor ?? {}, fail, pass);
}

// A raw NUL never occurs in JCS output (JSON.stringify escapes U+0000), so it can mark where the
// steps go in the canonical text of the rest of the manifest.
const STEPS_MARK = '\u0000';
// Room before the body for the PAE header ("DSSEv1 34 application/vnd.pcq.manifest+json <n> "),
// written last, once the body's length is known.
const HEADER_ROOM = 64;
const encoder = new TextEncoder();

/**
 * The manifest signature's message, PAE(MANIFEST_PAYLOAD_TYPE, JCS(manifest without signature and
 * reviews)), written as UTF-8 into one growing buffer step by step; the 35 MB string of the whole is
 * never built. A step whose envelope was read (readEnvelope: exactly payloadType, payload and
 * signatures, payload canonical base64, per the schema shape) is written member by member in RFC 8785
 * order, so that JCS(envelope) lies in the buffer as one span and is hashed there. Any piece without
 * a canonical form makes the signature fail, as canonicalize() throwing on the whole manifest did.
 */
class ManifestMessage {
  bytes: Uint8Array;
  private at = HEADER_ROOM;
  private broken = false;
  private steps = 0;
  private readonly manifest: Raw;
  private readonly after: string = '';

  constructor(manifest: Raw, sizeHint: number) {
    this.manifest = manifest;
    this.bytes = new Uint8Array(HEADER_ROOM + sizeHint + 1024);
    let rest: string;
    try {
      rest = canonicalize({ ...signedPart(manifest), steps: new CanonicalJson(STEPS_MARK) });
    } catch {
      this.broken = true;
      return;
    }
    const mark = rest.indexOf(STEPS_MARK);
    this.write(rest.slice(0, mark) + '[');
    this.after = ']' + rest.slice(mark + STEPS_MARK.length);
  }

  private write(text: string): void {
    if (this.bytes.length - this.at < text.length * 3) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.at + text.length * 3));
      grown.set(this.bytes.subarray(0, this.at), 0);
      this.bytes = grown;
    }
    this.at += encoder.encodeInto(text, this.bytes.subarray(this.at)).written;
  }

  private separator(): void {
    if (this.steps++ > 0) this.write(',');
  }

  /** Any step: its JCS as canonicalize() gives it. */
  addStep(step: RawStep): void {
    if (this.broken) return;
    try {
      const jcs = canonicalize(step);
      this.separator();
      this.write(jcs);
    } catch {
      this.broken = true;
    }
  }

  /**
   * A step whose envelope readEnvelope accepted: writes JCS(step) and returns where JCS(envelope)
   * is in `bytes` (valid until the next write), or undefined when the envelope has no canonical
   * form. The members are written in RFC 8785 order (attestation < attestationHash <
   * inclusionProof < proofs < stepId; payload < payloadType < signatures), the schema shape having
   * pinned them to exactly these; the payload, canonical base64, needs no escaping.
   */
  addReadStep(step: RawStep, envelope: DsseEnvelope): { start: number; end: number } | undefined {
    let envelopeTail: string;
    try {
      envelopeTail = '","payloadType":' + canonicalize(envelope.payloadType) + ',"signatures":' + canonicalize(envelope.signatures) + '}';
    } catch {
      this.broken = true; // canonicalize(step) would throw as well
      return undefined;
    }
    let stepTail: string | undefined;
    try {
      // attestationHash (sha256:<hex>) and the audit path (64 hex each) are pinned by the schema
      // shape to characters JSON never escapes, leafIndex and treeSize to integers.
      const ip = step.inclusionProof;
      stepTail =
        ',"attestationHash":"' +
        step.attestationHash +
        '","inclusionProof":{"hashes":' +
        (ip.hashes.length === 0 ? '[]' : '["' + ip.hashes.join('","') + '"]') +
        ',"leafIndex":' +
        String(ip.leafIndex) +
        ',"treeSize":' +
        String(ip.treeSize) +
        '},"proofs":' +
        canonicalize(step.proofs) +
        ',"stepId":' +
        canonicalize(step.stepId) +
        '}';
    } catch {
      this.broken = true; // the message fails; the envelope is still hashed below
    }
    this.separator();
    this.write('{"attestation":');
    const start = this.at;
    this.write('{"payload":"');
    this.write(envelope.payload);
    this.write(envelopeTail);
    const end = this.at;
    if (stepTail !== undefined) this.write(stepTail);
    return { start, end };
  }

  /**
   * RFC 9162 leaf hash SHA-256(0x00 ‖ JCS(envelope)) of a span, hashed in place: the byte before
   * the span (the ':' of "attestation":) holds the 0x00 prefix for the one call.
   */
  leafHashAt(span: { start: number; end: number }, sha256: Sha256): Uint8Array {
    const saved = this.bytes[span.start - 1]!;
    this.bytes[span.start - 1] = 0;
    try {
      return sha256(this.bytes.subarray(span.start - 1, span.end));
    } finally {
      this.bytes[span.start - 1] = saved;
    }
  }

  /** Starts the signature check; never rejects. */
  verify(publicKey: Uint8Array, verify: Ed25519Verify): Promise<boolean> {
    const sig = fromBase64((this.manifest.signature as string).slice('base64:'.length));
    if (!sig || this.broken) return Promise.resolve(false);
    this.write(this.after);
    const header = paeHeader(MANIFEST_PAYLOAD_TYPE, this.at - HEADER_ROOM);
    this.bytes.set(header, HEADER_ROOM - header.length);
    const out = this.bytes.subarray(HEADER_ROOM - header.length, this.at);
    this.bytes = new Uint8Array(0);
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
    const ok =
      placed &&
      (computed === published
        ? tree!.matchesAuditPath(i, ip.hashes)
        : verifyInclusion(
            ip.leafIndex,
            ip.treeSize,
            leaf,
            ip.hashes.map((h) => fromHex(h)!),
            root,
            sha256,
          ));
    if (!ok) {
      badProofs++;
      fail(
        'PCQ_INCLUSION_PROOF_INVALID',
        'inclusion-proof',
        `the inclusion proof does not place this attestation at leaf ${i} of ${steps.length} under merkleRoot`,
        fact.stepId,
      );
    }
  }
  if (badProofs === 0) pass('PCQ_INCLUSION_PROOF_INVALID', 'inclusion-proof', `${steps.length} inclusion proofs verified`);
  if (computed === published) pass('PCQ_MERKLE_ROOT_MISMATCH', 'merkle-root', `merkleRoot ${computed} recomputed from ${steps.length} attestations`);
  else fail('PCQ_MERKLE_ROOT_MISMATCH', 'merkle-root', `merkleRoot is ${published}, the attestations give ${computed ?? 'no root (unreadable attestations)'}`);
}

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
function readPredicate(
  payloadType: string,
  payload: Uint8Array,
  stepId: string,
  m: Raw,
  sha256: Sha256,
  report: (message: string) => void,
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
