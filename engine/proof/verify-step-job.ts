// The checks of one step that need nothing but the step itself and a few manifest fields, bundled
// so a browser verifier can run them on any thread (issue 16: the page's main thread did all of
// them and was the bottleneck; its workers only verified signatures). For a step whose envelope
// was read and whose one signature is the runner's, verify-manifest.ts hands over
//   - the PAE bytes and the signature (Ed25519, the same strictness gate and port as before),
//   - 0x00 ‖ JCS(envelope) (attestation hash sha256(JCS) and RFC 9162 leaf sha256(0x00 ‖ JCS)),
//   - the inclusion proof (RFC 9162 §2.1.3.2 against the published root), and
//   - the payload (readPredicate, verify-step.ts: the statement, predicate, subjects and binding).
// What depends on other steps (the chain links, the Merkle root, approvals, the manifest signature)
// stays with the caller, which folds the outcomes in step order. Same functions as the sequential
// path, so the same verdicts (verify-batch.test.ts compares every report).
import type { Sha256 } from './hash.ts';
import { InclusionVerifier } from './merkle.ts';
import { fromHex } from './bytes.ts';
import { readPredicate } from './verify-step.ts';
import type { LinkFields } from './verify-links.ts';

/** The manifest fields readPredicate binds a step to, and what the inclusion proofs are checked against. */
export interface StepJobContext {
  publicKey: Uint8Array;
  merkleRoot: Uint8Array;
  /** The fields readPredicate reads of the manifest. */
  header: { runbookId: unknown; version: unknown; runbookDigest: unknown; executedAt: unknown };
}

export interface StepJob {
  stepId: string;
  payloadType: string;
  /** PAE(payloadType, payload): the signed bytes; the payload is its tail from payloadOffset. */
  signed: Uint8Array;
  payloadOffset: number;
  /** The 64-byte signature, or undefined when signatures[0].sig was not canonical base64 (invalid). */
  signature: Uint8Array | undefined;
  /** 0x00 ‖ JCS(envelope). */
  leafInput: Uint8Array;
  inclusion: { leafIndex: number; treeSize: number; hashes: string[] };
}

export interface StepJobOutcome {
  signature: boolean;
  /** sha256(JCS(envelope)) and the leaf hash. */
  hash: Uint8Array;
  leaf: Uint8Array;
  /** The proof places the leaf under merkleRoot (leafIndex and treeSize are the caller's to compare). */
  inclusion: boolean;
  /** The payload's fields the links need, or why the payload failed (readPredicate's report, joined). */
  predicate: LinkFields | undefined;
  payloadProblems: string[];
}

/** A block of jobs in progress, as a signature batch (base/signer.ts SignatureBatch). */
export interface StepJobBatch {
  /** One outcome per job, in job order; never rejects. */
  results: Promise<StepJobOutcome[]>;
  /** The caller's thread is idle until the results: it may check jobs no other thread has taken. */
  help(): void;
}

export type StepJobPort = (context: StepJobContext, jobs: readonly StepJob[]) => StepJobBatch;

/** What a thread checks jobs with. */
export interface StepJobTools {
  /** Ed25519 over (publicKey, message, signature) behind the strictness gate; false on any error. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean>;
  /** Asynchronous SHA-256 (WebCrypto digest). */
  digest(data: Uint8Array): Promise<Uint8Array>;
  /** Synchronous SHA-256 (subject digests, audit-path nodes). */
  sha256: Sha256;
}

/** A thread's checker: one inclusion verifier per context (it remembers the previous path). */
export function stepJobChecker(context: StepJobContext, tools: StepJobTools): (job: StepJob) => Promise<StepJobOutcome> {
  const inclusion = new InclusionVerifier(context.merkleRoot, tools.sha256);
  return async (job) => {
    const hashing = Promise.all([tools.digest(job.leafInput.subarray(1)), tools.digest(job.leafInput)]);
    const signature = job.signature ? tools.verify(context.publicKey, job.signed, job.signature).catch(() => false) : Promise.resolve(false);
    const payloadProblems: string[] = [];
    const predicate = readPredicate(
      job.payloadType,
      job.signed.subarray(job.payloadOffset),
      job.stepId,
      context.header,
      tools.sha256,
      (msg) => void payloadProblems.push(msg),
    );
    const [hash, leaf] = await hashing;
    const ip = job.inclusion;
    return {
      signature: (await signature) === true,
      hash,
      leaf,
      inclusion: inclusion.verify(ip.leafIndex, ip.treeSize, leaf, ip.hashes, fromHex),
      predicate,
      payloadProblems,
    };
  };
}
