// Verifying a `.pcq` manifest: the one implementation shared by `pcq verify` and the browser
// verifier (pure, async; ports: the trust store value, an Ed25519 verify function, SHA-256).
// It distrusts every byte and never throws: each failure becomes a coded check (FORMATS.md
// "Verification codes").
//
// It streams (issue 16, "a verifier that beats its peer"): the manifest is read twice as bytes
// (manifest-scan.ts), first for every field but the steps (the header, parsed and checked whole),
// then step by step, each step parsed, shape-checked, compared with the canonical layout, its
// envelope decoded, written into the manifest signature's message (manifest-message.ts), hashed
// (attestation hash and RFC 9162 leaf), its payload checked, its signature started, its links
// folded (ChainFold) and its Merkle leaf folded into an O(log n) frontier, then dropped. What is
// kept per step is its id, its attestation hash and a flag; signatures are verified in blocks of
// BLOCK steps, at most two blocks in flight. The report lists the checks in the order the
// whole-manifest verifier listed them, and a manifest that is not JSON, or not the schema's shape,
// is reported exactly as before, however far into the steps the problem lies.
import { fromBase64, fromHex, utf8 } from './bytes.ts';
import { formatDigest } from './digest.ts';
import { readEnvelope } from './dsse.ts';
import { sha256Portable, type Sha256, type Sha256Batch } from './hash.ts';
import { canonicalize } from './jcs.ts';
import { hasCanonicalLayout, hasCanonicalLayoutAt, notCanonicalError, parseManifestJson, sortKeysDeep } from './manifest.ts';
import { checkManifestShape, checkStepShape, type ShapeProblem } from './manifest-shape.ts';
import { ManifestMessage, leafHashAt, type MessageStep } from './manifest-message.ts';
import { ManifestTooLarge, bytesSource, scanManifest, sha256StreamPortable, streamSteps, type HashStream, type ManifestSource } from './manifest-scan.ts';
import { InclusionVerifier, MerkleFrontier, leafHash } from './merkle.ts';
import type { Ed25519Verify, Ed25519VerifyBatch, Ed25519VerifySync, SignatureItem } from '../base/signer.ts';
import { tryDecodeStrKey } from './strkey.ts';
import type { TrustStore } from './trust.ts';
import { checkRunnerAuthorization, keysRelied, type KeyRelied } from './verify-trust.ts';
import type { RunMode } from './authorization.ts';
import { verifyReviews } from './verify-reviews.ts';
import { ChainFold, type StepFacts } from './verify-links.ts';
import { checkGrantAndReceipts } from './verify-grant.ts';
import { checkRetryLink } from './verify-retry.ts';
import { verifySpells } from './verify-spells.ts';
import { checkPausedState, verifyApprovals } from './verify-approvals.ts';
import { checkTimeAnchor, type TimeAnchorOptions } from './verify-time-anchor.ts';
import { readPredicate } from './verify-step.ts';
import { HashArena } from './hash-arena.ts';
import type { StepJob, StepJobContext, StepJobOutcome, StepJobPort } from './verify-step-job.ts';
import type { PcqCode } from '../base/error-catalogue.ts';
import { sha512 as nobleSha512 } from '@noble/hashes/sha2.js';

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
type Fail = (code: PcqCode, check: string, message: string, stepId?: string) => void;
type Pass = (code: PcqCode, check: string, message: string) => void;

export interface VerifyOptions {
  /** Synchronous SHA-256 (Node: sha256Node; default: @noble/hashes). */
  sha256?: Sha256;
  /** Bulk SHA-256 for the two hashes per attestation (browser: WebCrypto); default: sha256 per step. */
  sha256Batch?: Sha256Batch;
  /** A block's step signatures as one batch (browser: its workers); default: `verify` per signature. */
  verifyBatch?: Ed25519VerifyBatch;
  /**
   * Without verifyBatch: the same verdict as `verify`, on this thread (Node: node:crypto's
   * synchronous verify), and `nextTurn`, a turn of the event loop that lets the `verify` port's
   * finished checks in (Node: setImmediate). With both, a block of step signatures is checked here
   * whenever the port is more than two blocks behind (BALANCE below); without them, as before.
   */
  verifySync?: Ed25519VerifySync;
  nextTurn?: () => Promise<void>;
  /**
   * A block's per-step checks as one batch (browser: its workers, verify-step-job.ts): for each step
   * with one runner signature, its signature, hashes, inclusion proof and payload. Not used with
   * `onStep` (which wants each decoded statement here).
   */
  stepJobs?: StepJobPort;
  /** Incremental SHA-256 and SHA-512 (Node: node:crypto's createHash); default: @noble/hashes. */
  sha256Stream?: () => HashStream;
  sha512Stream?: () => HashStream;
  /** The ombuds roster logins (policies/ombuds.yaml) the review rules check reviewers against.
   *  Without it a manifest that carries reviews fails PCQ_REVIEW_ROSTER_MISSING (fail closed). */
  roster?: readonly string[];
  /** The verifier's mode: outside dev a dev-overlay key counts as unknown (default dev). */
  mode?: RunMode;
  /** Wall clock (epoch ms): executedAt may not lie beyond it by more than AS_OF_SKEW_MS. */
  now?: number;
  /** The TSA trust and whether an anchor is required (proof/verify-time-anchor.ts). */
  timeAnchor?: TimeAnchorOptions;
  /** Each parsed step (and its decoded statement when the verifier decoded it), for a caller's own fold. */
  onStep?: (step: unknown, statement: Raw | undefined) => void;
  /** Also hash every byte of the manifest file (sha256), returned as `fileDigest`. */
  fileDigest?: boolean;
}

/** What the streaming verifier read besides the report: the manifest's fields but its steps (`steps: []`). */
export interface VerifiedManifest {
  report: VerifyReport;
  header?: Raw;
  fileDigest?: Uint8Array;
}

/** Steps per block: hashed, and their signatures verified, together. */
const BLOCK = 128;
/**
 * With step jobs (the browser), blocks of 64, the first of 16: the worker has nothing to check until
 * the first block is read, and the last block's jobs are joined after the last step is read, so
 * smaller blocks shorten both ends of the pipeline (a block of 128 is ~1/8 of a 1,000-step read).
 */
const JOB_BLOCK = 64;
const FIRST_JOB_BLOCK = 16;

export async function verifyManifest(text: string, trust: TrustStore, verify: Ed25519Verify, options: VerifyOptions = {}): Promise<VerifyReport> {
  if (typeof text !== 'string') return done([{ code: 'PCQ_MANIFEST_MALFORMED', check: 'manifest', ok: false, message: 'the manifest is not text' }], []);
  return (await verifyManifestSource(bytesSource(utf8(text)), trust, verify, options)).report;
}

function done(checks: VerifyCheck[], keys: KeyRelied[]): VerifyReport {
  return { ok: checks.length > 0 && checks.every((c) => c.ok), checks, ...(keys.length > 0 ? { keys } : {}) };
}

/** verifyManifest over bytes read as a stream (a file: verify-node.ts verifyManifestFile). */
export async function verifyManifestSource(
  source: ManifestSource,
  trust: TrustStore,
  verify: Ed25519Verify,
  options: VerifyOptions = {},
): Promise<VerifiedManifest> {
  const v = new StreamingVerification(source, trust, verify, options);
  try {
    await v.run();
  } catch (err) {
    // Defence in depth: a verifier must answer, never crash (docs/design.md §4).
    v.checks.push({
      code: 'PCQ_MANIFEST_MALFORMED',
      check: 'manifest',
      ok: false,
      message: `verification stopped on unreadable input: ${(err as Error)?.message ?? String(err)}`,
    });
  }
  return { report: done(v.checks, v.keys), ...(v.header ? { header: v.header } : {}), ...(v.fileDigest ? { fileDigest: v.fileDigest } : {}) };
}

function reporter(checks: VerifyCheck[]): { fail: Fail; pass: Pass } {
  return {
    fail: (code, check, message, stepId) =>
      void checks.push(stepId === undefined ? { code, check, ok: false, message } : { code, check, stepId, ok: false, message }),
    pass: (code, check, message) => void checks.push({ code, check, ok: true, message }),
  };
}

const isRecord = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The input is not JSON (or beyond the bounds): reported alone, as JSON.parse of the whole reported it. */
class NotJson extends Error {}

/** A step's signature between its step and its block: to start (batch port), or started. */
interface QueuedSignature {
  stepId: string;
  signature?: Pending['signature'];
  verdict?: Promise<boolean>;
  known?: boolean;
}

/** A parsed step on its way through a block. */
interface Pending {
  index: number;
  step: MessageStep;
  fact: StepFacts;
  leaf?: Uint8Array;
  toHash?: Uint8Array; // [0x00 ‖ JCS(envelope)] for sha256Batch
  approvalLeaf?: Uint8Array | Error;
  // The step's own failed checks, added to the report when the step is folded (in step order).
  checks: VerifyCheck[];
  job?: StepJob; // checked by options.stepJobs; its outcome arrives with the block
  inclusionOk?: boolean; // from the job's outcome
  // What the signature check reads (PAE bytes, signatures[0].sig): not the envelope, which would stay alive until it is verified.
  signature?: { signed: Uint8Array; sig: string };
  known?: boolean; // the signature's verdict, from a job
}

class StreamingVerification {
  readonly checks: VerifyCheck[] = [];
  readonly keys: KeyRelied[] = [];
  header: Raw | undefined;
  fileDigest: Uint8Array | undefined;
  private readonly source: ManifestSource;
  private readonly trust: TrustStore;
  private readonly verify: Ed25519Verify;
  private readonly options: VerifyOptions;
  private readonly sha256: Sha256;
  // The report's sections, assembled at the end in the whole-manifest verifier's order.
  private canonical = true;
  private readonly shape: { before: ShapeProblem[]; steps: ShapeProblem[]; after: ShapeProblem[] } = { before: [], steps: [], after: [] };
  private shapeBroken = false;
  private readonly stepChecks: VerifyCheck[] = [];
  private readonly badSignatures: string[] = [];
  private readonly merkleChecks: VerifyCheck[] = [];
  private readonly chain = new ChainFold();
  private readonly frontier: MerkleFrontier; // over every attestation's leaf (approval roots; the root when all are readable)
  private allLeaves = true;
  private frontierError: Error | undefined;
  private badProofs = 0;
  private inclusion: InclusionVerifier | undefined;
  private hashing:
    | { block: Pending[]; digests: Promise<Uint8Array[]> | undefined; jobs: Promise<StepJobOutcome[]> | undefined; help: () => void; arena: HashArena }
    | undefined;
  private jobContext: StepJobContext | undefined;
  private earlySignature: Promise<boolean> | undefined;
  private blocks = 0; // blocks handed to settle()
  private arena = new HashArena(); // the current block's toHash copies
  private signatureQueue: QueuedSignature[] = [];
  private readonly approvalFacts: StepFacts[] = [];
  private readonly pausedRoots = new Map<number, Uint8Array | Error>();
  private readonly spellFacts: Array<{ stepId: string; predicate: unknown }> = [];
  private readonly inFlight: Array<{ ids: string[]; results: Promise<boolean[]>; help: () => void; settled: boolean }> = [];
  private onThisThread = false; // the next block's signatures are checked with verifySync (BALANCE)
  private message: ManifestMessage | undefined;
  private publicKey: Uint8Array | undefined;
  private readonly sealed: SealedSerialization[] = [];
  private sealedHash: HashStream | undefined;
  private anchoredParts: string[] | undefined;
  private stepCount = 0;
  private stepsRegion: { start: number; end: number } | undefined;

  constructor(source: ManifestSource, trust: TrustStore, verify: Ed25519Verify, options: VerifyOptions) {
    this.source = source;
    this.trust = trust;
    this.verify = verify;
    this.options = options;
    this.sha256 = options.sha256 ?? sha256Portable;
    this.frontier = new MerkleFrontier(this.sha256);
  }

  async run(): Promise<void> {
    try {
      await this.read();
    } catch (err) {
      if (!(err instanceof NotJson)) throw err;
      this.checks.length = 0;
      this.header = undefined;
      return void this.checks.push({ code: 'PCQ_MANIFEST_MALFORMED', check: 'json', ok: false, message: err.message });
    }
    await this.report();
  }

  /** Both passes; throws NotJson where JSON.parse of the whole would have refused it. */
  private async read(): Promise<void> {
    const digest = this.options.fileDigest ? (this.options.sha256Stream ?? sha256StreamPortable)() : undefined;
    let scan;
    try {
      scan = await scanManifest(this.source, digest ? { digest } : {});
    } catch (err) {
      if (err instanceof SyntaxError || err instanceof ManifestTooLarge) throw new NotJson(`The manifest is not JSON: ${err.message}`);
      throw err;
    }
    this.fileDigest = scan.digest;
    let parsed: unknown;
    try {
      parsed = parseManifestJson(scan.header);
      this.canonical = hasCanonicalLayout(parsed, scan.header);
    } catch (err) {
      throw new NotJson((err as Error).message); // not JSON, or nesting too deep to walk
    }
    for (const p of checkManifestShape(parsed)) (p.path.startsWith('/reviews') ? this.shape.after : this.shape.before).push(p);
    this.shapeBroken = this.shape.before.length + this.shape.after.length > 0;
    const m = isRecord(parsed) ? parsed : undefined;
    if (m) this.header = m;
    const region = m && Array.isArray(m.steps) ? scan.stepRegions.at(-1) : undefined;
    // A repeated "steps" key (JSON.parse keeps the last): the others need only be JSON.
    for (const r of scan.stepRegions) if (r !== region) for await (const st of this.steps(r)) this.parse(st.text, st.index);
    if (!m || !region) return;
    this.stepsRegion = region;
    if (region.elements === 0 && region.end - region.start !== 2) this.canonical = false; // "[ ]"
    this.publicKey = this.shapeBroken ? undefined : tryDecodeStrKey('public', m.executedBy);
    if (this.publicKey) {
      this.message = new ManifestMessage(
        m,
        { steps: region.end - region.start - region.whitespace },
        this.publicKey,
        this.options.sha512Stream ?? (() => nobleSha512.create()),
      );
    }
    const root = fromHex(String(m.merkleRoot).slice(7));
    if (this.publicKey && this.options.stepJobs && !this.options.onStep && root) {
      const header = { runbookId: m.runbookId, version: m.version, runbookDigest: m.runbookDigest, executedAt: m.executedAt };
      this.jobContext = { publicKey: this.publicKey, merkleRoot: root, header };
    }
    if (!this.shapeBroken && Array.isArray(m.reviews) && m.reviews.length > 0) {
      const hash = (this.options.sha256Stream ?? sha256StreamPortable)();
      this.sealedHash = hash;
      this.sealed.push(new SealedSerialization(m, [], (t) => void hash.update(utf8(t))));
    }
    // The bytes an RFC 3161 anchor stamps go to pkijs whole (it re-checks the imprint against them):
    // an anchored manifest's sealed text is held, an unanchored one's never is.
    if (!this.shapeBroken && m.timeAnchor !== undefined) {
      const parts: string[] = [];
      this.anchoredParts = parts;
      this.sealed.push(new SealedSerialization(m, ['timeAnchor'], (t) => void parts.push(t)));
    }
    let block: Pending[] = [];
    for await (const st of this.steps(region)) {
      const step = this.parse(st.text, st.index);
      let canonical: boolean;
      try {
        canonical = st.canonicalSpacing && hasCanonicalLayoutAt(step, st.text, 2);
      } catch (err) {
        throw new NotJson((err as Error).message);
      }
      if (!canonical) this.canonical = false;
      this.stepCount++;
      const problems = checkStepShape(step, st.index);
      if (problems.length > 0) {
        this.shapeBroken = true;
        if (this.shape.steps.length < 50) this.shape.steps.push(...problems);
      }
      for (const sealed of this.sealed) sealed.step(st.index, canonical ? st.text : undefined, step);
      if (this.shapeBroken || !this.publicKey) {
        this.options.onStep?.(step, undefined);
        continue;
      }
      const pending = this.readStep(st.index, step as MessageStep, m);
      if (this.options.sha256Batch || this.jobContext) {
        block.push(pending);
        if (block.length >= (!this.jobContext ? BLOCK : this.blocks === 0 ? FIRST_JOB_BLOCK : JOB_BLOCK)) {
          this.blocks++;
          await this.settle(block, m, region.elements);
          block = [];
        }
      } else {
        // Hashed already: folded at once, so nothing of the step outlives it but its signature's bytes.
        this.fold(pending, m, region.elements);
        if (this.signatureQueue.length >= BLOCK) await this.startSignatures();
      }
    }
    if (!this.shapeBroken && this.publicKey) {
      // Every step is written into the message once read: with step jobs (the browser), its check
      // starts now, on a worker, while this thread joins the last blocks' jobs, rather than after them.
      if (this.jobContext && this.message) {
        this.earlySignature = this.manifestSignature(m);
        this.earlySignature.catch(() => undefined); // joined in report(); observed meanwhile
      }
      await this.settle(block, m, region.elements);
      await this.settle([], m, region.elements); // the last block's hashes
    }
    for (const sealed of this.sealed) sealed.end();
  }

  private async *steps(region: { start: number; end: number }): AsyncGenerator<{ index: number; text: string; canonicalSpacing: boolean }> {
    try {
      yield* streamSteps(this.source, region);
    } catch (err) {
      if (err instanceof SyntaxError || err instanceof ManifestTooLarge) throw new NotJson(`The manifest is not JSON: ${err.message}`);
      throw err;
    }
  }

  private parse(text: string, index: number): unknown {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new NotJson(`The manifest is not JSON: ${(err as Error).message} (in steps[${index}])`);
    }
  }

  private stepFail(p: Pending, code: PcqCode, check: string, message: string, stepId: string): void {
    p.checks.push({ code, check, stepId, ok: false, message });
  }

  /**
   * A step with the schema's shape: its envelope, the one runner signature, JCS(envelope) (written
   * straight into the manifest signature's message and hashed in place there: the attestation
   * hash's input and the Merkle leaf), its payload.
   */
  private readStep(index: number, step: MessageStep, m: Raw): Pending {
    const fact: StepFacts = { index, stepId: step.stepId, claimedHash: step.attestationHash, hash: undefined, predicate: undefined };
    const p: Pending = { index, step, fact, checks: [] };
    const env = readEnvelope(step.attestation);
    const message = this.message!;
    if (!env.ok) {
      message.addStep(step);
      this.stepFail(p, 'PCQ_PAYLOAD_INVALID', 'step-envelope', `attestation ${env.problem}`, step.stepId);
      p.approvalLeaf = this.leafOrError(step.attestation);
      this.options.onStep?.(step, undefined);
      return p;
    }
    const sigs = env.envelope.signatures;
    const single = sigs.length === 1 && sigs[0]!.keyid === m.executedBy;
    if (!single)
      this.stepFail(
        p,
        'PCQ_SIGNATURE_INVALID',
        'step-signature',
        `attestation must carry exactly one signature by the runner ${String(m.executedBy)}`,
        step.stepId,
      );
    const span = message.addReadStep(step, env.envelope);
    if (!span) {
      this.stepFail(p, 'PCQ_PAYLOAD_INVALID', 'step-envelope', 'attestation is not canonicalisable JSON (RFC 8785)', step.stepId);
      p.approvalLeaf = this.leafOrError(step.attestation);
    } else if (single && this.jobContext) {
      // Signature, hashes, inclusion proof and payload: checked as a job (folded with the block).
      const leafInput = this.arena.copy(span.bytes.subarray(span.start - 1, span.end));
      leafInput[0] = 0;
      const payloadType = env.envelope.payloadType;
      p.job = {
        stepId: step.stepId,
        payloadType,
        signed: env.signed,
        payloadOffset: env.signed.length - env.payload.length,
        signature: fromBase64(sigs[0]!.sig), // as verifyEnvelopeSignature decodes it
        leafInput,
        inclusion: step.inclusionProof,
      };
      return p;
    } else if (this.options.sha256Batch) {
      const input = this.arena.copy(span.bytes.subarray(span.start - 1, span.end));
      input[0] = 0;
      p.toHash = input;
    } else {
      fact.hash = formatDigest(this.sha256(span.bytes.subarray(span.start, span.end)));
      p.leaf = leafHashAt(span, this.sha256);
    }
    let statement: Raw | undefined;
    fact.predicate = readPredicate(
      env.envelope.payloadType,
      env.payload,
      step.stepId,
      m,
      this.sha256,
      (msg) => this.stepFail(p, 'PCQ_PAYLOAD_INVALID', 'step-payload', msg, step.stepId),
      (s) => (statement = s),
    );
    this.options.onStep?.(step, statement);
    if (single) p.signature = { signed: env.signed, sig: sigs[0]!.sig };
    return p;
  }

  /** The leaf an approval's paused root counts for an attestation that was not read, or why there is none. */
  private leafOrError(attestation: unknown): Uint8Array | Error {
    try {
      return leafHash(canonicalize(attestation), this.sha256);
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  /**
   * A block: its hashes (batched) started, then the block before it (whose hashes were started one
   * block earlier, so the batch ran while this block was read) folded in order, its signatures
   * started. An empty block settles the one still hashing.
   */
  private async settle(block: Pending[], m: Raw, total: number): Promise<void> {
    const previous = this.hashing;
    this.hashing = undefined;
    if (block.length > 0) {
      const batch = this.options.sha256Batch;
      const hashed = block.filter((p) => p.toHash !== undefined);
      // Attestation hash sha256(JCS) and RFC 9162 leaf hash sha256(0x00 ‖ JCS) from one encoding.
      const digests = batch && hashed.length > 0 ? batch([...hashed.map((p) => p.toHash!.subarray(1)), ...hashed.map((p) => p.toHash!)]) : undefined;
      digests?.catch(() => undefined); // observed when joined; a rejection must not go unhandled meanwhile
      const withJobs = block.filter((p) => p.job !== undefined);
      const jobs =
        withJobs.length > 0
          ? this.options.stepJobs!(
              this.jobContext!,
              withJobs.map((p) => p.job!),
            )
          : undefined;
      this.hashing = { block, digests, jobs: jobs?.results, help: jobs ? () => jobs.help() : () => undefined, arena: this.arena };
      this.arena = new HashArena();
    }
    if (previous) {
      if (previous.jobs) {
        previous.help(); // this thread has read the next block: it joins the checks it is waiting for
        const outcomes = await previous.jobs;
        previous.block.filter((p) => p.job !== undefined).forEach((p, k) => this.applyJob(p, outcomes[k]!));
      }
      await this.foldBlock(previous.block, previous.digests, m, total);
      previous.arena.release(); // the batch has settled: nothing reads its inputs any more
    }
  }

  /** A job's outcome into its step, as readStep and fold would have found it. */
  private applyJob(p: Pending, outcome: StepJobOutcome): void {
    p.fact.hash = formatDigest(outcome.hash);
    p.leaf = outcome.leaf;
    p.fact.predicate = outcome.predicate;
    for (const msg of outcome.payloadProblems) this.stepFail(p, 'PCQ_PAYLOAD_INVALID', 'step-payload', msg, p.fact.stepId);
    p.inclusionOk = outcome.inclusion;
    p.job = undefined;
    p.known = outcome.signature;
  }

  private async foldBlock(block: Pending[], pending: Promise<Uint8Array[]> | undefined, m: Raw, total: number): Promise<void> {
    if (pending) {
      const digests = await pending;
      const hashed = block.filter((p) => p.toHash !== undefined);
      hashed.forEach((p, k) => {
        p.fact.hash = formatDigest(digests[k]!);
        p.leaf = digests[hashed.length + k]!;
        p.toHash = undefined;
      });
    }
    for (const p of block) this.fold(p, m, total);
    await this.startSignatures();
  }

  /** One step into the chain, the Merkle frontier and the inclusion proofs; its signature queued. */
  private fold(p: Pending, m: Raw, total: number): void {
    this.stepChecks.push(...p.checks);
    const queued: QueuedSignature = { stepId: p.fact.stepId };
    if (p.known !== undefined) queued.known = p.known;
    // Without a batch port each signature is started at once: a port that copies the message as it
    // starts (node:crypto's verify job does) lets the step's bytes die young, instead of waiting in
    // the queue long enough to be promoted to the old generation. The queue then holds its verdict.
    if (p.known !== undefined) queued.verdict = Promise.resolve(p.known);
    else if (p.signature && this.options.verifyBatch) queued.signature = p.signature;
    else if (p.signature && this.onThisThread) queued.verdict = Promise.resolve(signatureVerdictHere(this.options.verifySync!, this.publicKey!, p.signature));
    else if (p.signature) queued.verdict = signatureVerdict(this.verify, this.publicKey!, p.signature);
    this.signatureQueue.push(queued);
    this.inclusion ??= new InclusionVerifier(fromHex(String(m.merkleRoot).slice(7))!, this.sha256);
    this.chain.add(p.fact, p.step.proofs);
    const predicate = p.fact.predicate;
    if (predicate?.spell !== undefined) this.spellFacts.push({ stepId: p.fact.stepId, predicate });
    if (isRecord(predicate?.approval)) {
      this.approvalFacts.push(p.fact);
      this.pausedRoots.set(p.index, this.frontierError ?? this.frontier.root());
    }
    const leaf = p.leaf ?? p.approvalLeaf;
    if (leaf instanceof Uint8Array) this.frontier.add(leaf);
    else this.frontierError ??= leaf;
    if (p.leaf === undefined) return void (this.allLeaves = false);
    // RFC 9162 §2.1.3.2 against the published root; when the tree's own root is that root this
    // is the same verdict as comparing the proof with the tree's audit path.
    const ip = p.step.inclusionProof;
    const placed = ip.leafIndex === p.index && ip.treeSize === total;
    if (!placed || !(p.inclusionOk ?? this.inclusion.verify(ip.leafIndex, ip.treeSize, p.leaf, ip.hashes, fromHex))) {
      this.badProofs++;
      this.merkleChecks.push({
        code: 'PCQ_INCLUSION_PROOF_INVALID',
        check: 'inclusion-proof',
        stepId: p.fact.stepId,
        ok: false,
        message: `the inclusion proof does not place this attestation at leaf ${p.index} of ${total} under merkleRoot`,
      });
    }
  }

  /** Starts the queued signatures as one block; at most two blocks in flight, the older joined before reading on. */
  private async startSignatures(): Promise<void> {
    const block = this.signatureQueue;
    if (block.length === 0) return;
    this.signatureQueue = [];
    this.startBlock(block);
    if (this.options.verifySync && this.options.nextTurn && !this.options.verifyBatch) return this.balance();
    while (this.inFlight.length > 2) await this.drainOne();
  }

  /**
   * BALANCE: rather than wait for a port that is behind (Node: the libuv pool, one thread on a
   * two-core machine, sharing its core with the collector and whatever else runs), this thread
   * checks the next block's signatures itself, then hands blocks to the port again once it has
   * caught up. One event-loop turn per block (128 steps) lets the port's finished checks in; a block
   * the port still holds is waited for only when four are outstanding (the port keeps a copy of
   * each message it has not checked, so memory stays bounded). Which thread computed a verdict
   * does not change it: verifySync is the port's check (ed25519.test.ts), and the blocks are read
   * in order either way (verify-balance.test.ts: the same report with the port behind).
   */
  private async balance(): Promise<void> {
    await this.options.nextTurn!();
    while (this.inFlight.length > 0 && this.inFlight[0]!.settled) await this.drainOne();
    this.onThisThread = this.inFlight.length > 2;
    while (this.inFlight.length > 4) await this.drainOne();
  }

  private startBlock(block: QueuedSignature[]): void {
    const ids = block.map((p) => p.stepId);
    const publicKey = this.publicKey!;
    const verifyBatch = this.options.verifyBatch;
    if (!verifyBatch) {
      const pending = block.map((p) => p.verdict ?? true);
      const entry = { ids, results: Promise.all(pending), help: () => undefined, settled: false };
      void entry.results.then(() => (entry.settled = true));
      this.inFlight.push(entry);
      return;
    }
    const items: SignatureItem[] = [];
    const itemOf: number[] = new Array(block.length).fill(-1);
    const decided: boolean[] = new Array(block.length).fill(true);
    block.forEach((p, i) => {
      if (p.known !== undefined) decided[i] = p.known;
      if (!p.signature) return;
      const signature = fromBase64(p.signature.sig); // as verifyEnvelopeSignature decodes it
      if (!signature) decided[i] = false;
      else {
        itemOf[i] = items.length;
        items.push({ message: p.signature.signed, signature });
      }
    });
    const batch = verifyBatch(publicKey, items);
    this.inFlight.push({
      ids,
      results: batch.results.then((r) => decided.map((d, i) => (itemOf[i]! < 0 ? d : r[itemOf[i]!] === true))),
      help: () => batch.help(),
      settled: false,
    });
  }

  private async drainOne(): Promise<void> {
    const oldest = this.inFlight.shift()!;
    oldest.help();
    const results = await oldest.results;
    results.forEach((ok, i) => {
      if (!ok) this.badSignatures.push(oldest.ids[i]!);
    });
  }

  /** The checks, in the order the whole-manifest verifier reported them. */
  private async report(): Promise<void> {
    const { fail, pass } = reporter(this.checks);
    if (this.canonical) pass('PCQ_MANIFEST_NOT_CANONICAL', 'canonical-bytes', 'the file is in canonical layout');
    else fail('PCQ_MANIFEST_NOT_CANONICAL', 'canonical-bytes', notCanonicalError().message); // keep checking so every problem is reported
    if (this.shapeBroken) {
      const problems = [...this.shape.before, ...this.shape.steps, ...this.shape.after];
      for (const p of problems.slice(0, 50)) fail('PCQ_SCHEMA_INVALID', 'schema', `${p.path || '/'} ${p.message}`);
      return;
    }
    pass('PCQ_SCHEMA_INVALID', 'schema', 'the manifest matches manifest.schema.json');
    const m = this.header!;
    const executedBy = m.executedBy as string;
    // The runner key and the signed authorization record: proof/authorization.ts, the same check
    // that `pcq run` made before the run started.
    checkRunnerAuthorization(m, this.trust, this.options, fail, pass);
    // Who authorized the run, with what budget, and what it cost (the grant and the vault receipts).
    checkGrantAndReceipts(m, fail, pass);
    // A retry names the failed run it re-runs (proof/verify-retry.ts).
    checkRetryLink(m, fail, pass);
    this.keys.push(...keysRelied(m, this.trust, this.options.mode ?? 'dev'));
    if (!this.publicKey || !this.message) return void fail('PCQ_SCHEMA_INVALID', 'runner-key', 'executedBy is not a valid G… strkey (checksum)');
    this.checks.push(...this.stepChecks);

    // The manifest signature's check starts now, so it runs while the step signatures are joined.
    const manifestSignature = this.earlySignature ?? this.manifestSignature(m);
    await this.startSignatures();
    while (this.inFlight.length > 0) await this.drainOne();
    for (const stepId of this.badSignatures)
      fail('PCQ_SIGNATURE_INVALID', 'step-signature', 'the attestation signature does not verify with the runner key', stepId);
    if (this.badSignatures.length === 0) pass('PCQ_SIGNATURE_INVALID', 'step-signature', `${this.stepCount} step signatures verified`);

    this.chain.report(fail, pass);
    verifySpells(m, this.spellFacts, fail, pass);
    this.checks.push(...this.merkleChecks);
    const n = this.stepCount;
    if (this.badProofs === 0) pass('PCQ_INCLUSION_PROOF_INVALID', 'inclusion-proof', `${n} inclusion proofs verified`);
    const published = m.merkleRoot as string;
    const computed = this.allLeaves ? formatDigest(this.frontier.root()) : undefined;
    if (computed === published) pass('PCQ_MERKLE_ROOT_MISMATCH', 'merkle-root', `merkleRoot ${computed} recomputed from ${n} attestations`);
    else
      fail('PCQ_MERKLE_ROOT_MISMATCH', 'merkle-root', `merkleRoot is ${published}, the attestations give ${computed ?? 'no root (unreadable attestations)'}`);

    const manifestSigned = await manifestSignature;
    if (manifestSigned) pass('PCQ_MANIFEST_SIGNATURE_INVALID', 'manifest-signature', `manifest signed by ${executedBy}`);
    // policyDigest is inside the signed part: shown so a reader can compare it with their policies/ (FORMATS.md).
    if (manifestSigned && 'policyDigest' in m) pass('PCQ_MANIFEST_SIGNATURE_INVALID', 'policy-digest', `policies signed as ${String(m.policyDigest)}`);
    if (!manifestSigned) fail('PCQ_MANIFEST_SIGNATURE_INVALID', 'manifest-signature', 'the manifest signature does not verify with the runner key');

    // A review's subject is the manifest file as sealed (reviews: []), by the sha256 of its bytes.
    const reviews = m.reviews as unknown[];
    const sealedDigest = this.sealedHash ? formatDigest(this.sealedHash.digest()) : '';
    const reviewContext = this.options.roster !== undefined ? { trust: this.trust, roster: this.options.roster } : { trust: this.trust };
    await verifyReviews(reviews, m, sealedDigest, reviewContext, this.verify, fail, pass);
    // Approval steps and the paused state (FORMATS.md "Approval steps").
    const pausedRoot = (index: number): Uint8Array => {
      const r = this.pausedRoots.get(index)!;
      if (r instanceof Error) throw r;
      return r;
    };
    await verifyApprovals(m, this.approvalFacts, pausedRoot, reviewContext, this.verify, this.sha256, fail, pass);
    checkPausedState(m, { count: n, has: (id) => this.chain.has(id) }, fail, pass);
    // The RFC 3161 time anchor: when the sealed manifest existed, by a TSA (proof/verify-time-anchor.ts).
    await checkTimeAnchor(m, this.options.timeAnchor ?? {}, fail, pass, this.anchoredParts?.join(''));
  }

  /** The manifest signature; a streamed body whose length was mis-announced is written again (a third read). */
  private async manifestSignature(m: Raw): Promise<boolean> {
    const message = this.message!;
    const ok = await message.finish(this.verify);
    if (message.replayLength === undefined) return ok;
    const again = new ManifestMessage(m, { body: message.replayLength }, this.publicKey!, this.options.sha512Stream ?? (() => nobleSha512.create()));
    for await (const st of streamSteps(this.source, this.stepsRegion!)) again.addStep(JSON.parse(st.text));
    return again.finish(this.verify);
  }
}

/**
 * verifyEnvelopeSignature(envelope, payload, 0, key, verify, {signed}) for an envelope readEnvelope
 * accepted, from the only two things it reads: the PAE bytes and signatures[0].sig.
 */
function signatureVerdict(verify: Ed25519Verify, publicKey: Uint8Array, s: { signed: Uint8Array; sig: string }): Promise<boolean> {
  const sig = fromBase64(s.sig);
  if (!sig) return Promise.resolve(false);
  try {
    return Promise.resolve(verify(publicKey, s.signed, sig)).catch(() => false);
  } catch {
    return Promise.resolve(false);
  }
}

/** signatureVerdict's verdict computed with the synchronous port (the same decode, the same rules). */
function signatureVerdictHere(verifySync: Ed25519VerifySync, publicKey: Uint8Array, s: { signed: Uint8Array; sig: string }): boolean {
  const sig = fromBase64(s.sig);
  if (!sig) return false;
  try {
    return verifySync(publicKey, s.signed, sig) === true;
  } catch {
    return false;
  }
}

/**
 * The manifest file as sealed, serializeManifest({...m, reviews: []}) (minus `omit`), written step
 * by step into a sink: a step in canonical layout is its own text, any other its canonical
 * serialization. Its sha256 is what a review names; without `timeAnchor`, what an anchor stamps.
 */
class SealedSerialization {
  private readonly sink: (text: string) => void;
  private readonly suffix: string;
  private count = 0;

  constructor(m: Raw, omit: readonly string[], sink: (text: string) => void) {
    this.sink = sink;
    const rest = Object.fromEntries(Object.entries(m).filter(([k]) => !omit.includes(k)));
    const text = JSON.stringify(sortKeysDeep({ ...rest, reviews: [], steps: STEPS_MARK }), null, 2) + '\n';
    const mark = text.indexOf(`\n  "steps": ${JSON.stringify(STEPS_MARK)}`) + `\n  "steps": `.length;
    sink(text.slice(0, mark));
    this.suffix = text.slice(mark + JSON.stringify(STEPS_MARK).length);
  }

  step(index: number, canonicalText: string | undefined, step: unknown): void {
    this.count++;
    const text = canonicalText ?? JSON.stringify(sortKeysDeep(step), null, 2).replaceAll('\n', '\n    ');
    this.sink((index === 0 ? '[\n    ' : ',\n    ') + text);
  }

  end(): void {
    this.sink((this.count === 0 ? '[]' : '\n  ]') + this.suffix);
  }
}

const STEPS_MARK = '\u0000steps';
