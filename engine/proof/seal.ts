// Sealing a run: the RFC 9162 Merkle tree over the step attestations in chain order, an inclusion
// proof per step, and the manifest signature, a DSSE signature by the runner over
// JCS(manifest without signature and reviews) (FORMATS.md "Manifest"). The runner authorization
// granted before the run (proof/authorization.ts) is part of the signed body.
import { PcqError } from '../base/errors.ts';
import type { Proofs } from '../base/proofs.ts';
import { toBase64, toHex, utf8 } from './bytes.ts';
import { formatDigest } from './digest.ts';
import type { DsseEnvelope } from '../base/signed-records.ts';
import { sha256Portable, type Sha256 } from './hash.ts';
import { canonicalize } from './jcs.ts';
import { leafHash, merkleTree } from './merkle.ts';
import { pae } from './pae.ts';
import type { Signer } from '../base/signer.ts';
import type { RunnerAuthorization } from '../base/signed-records.ts';
import { normaliseProofs } from './step-predicate.ts';
import { MANIFEST_PAYLOAD_TYPE, rememberSignedText, signedPart } from './manifest.ts';
import type { Manifest, ManifestDataset, ManifestEffectsPolicy, ManifestPause, ManifestStep, RetryLink } from '../base/signed-records.ts';
import type { ManifestGrant, ManifestReceipts } from '../base/prepaid-vault.ts';

export interface SealInput {
  executionId: string;
  runbookId: string;
  version: string;
  runbookDigest: string;
  asOf: string;
  actor: string;
  inputs: Record<string, unknown>;
  /** The dataset files the run loaded (repository-relative paths); sealed sorted by path. */
  datasets?: readonly ManifestDataset[];
  /** The digest of the policies the run was checked against (FORMATS.md `policyDigest`). */
  policyDigest?: string;
  /** The effects policy decision made at preflight (run/effects-preflight.ts). */
  effectsPolicy?: ManifestEffectsPolicy;
  /** In chain order (topological, ties by stepId), as attested. */
  steps: Array<{ stepId: string; envelope: DsseEnvelope; hash: string; proofs: Proofs }>;
  signer: Signer;
  /** Who allowed the run: authorizeRunner's record for this signer at asOf. */
  authorization: RunnerAuthorization;
  /** The grant the run opened under and the vault's receipts (signed; absent for a run outside a vault, e.g. a replay). */
  grant?: { grant: ManifestGrant; receipts: ManifestReceipts };
  /** `pcq retry`: the failed execution this run re-runs (signed). */
  retryOf?: RetryLink;
  /** The run paused at this approval step (FORMATS.md "Approval steps"): sealed as `state: paused`. */
  pause?: ManifestPause;
  /** The approvers' signed decisions the run resumed on, in chain order. */
  approvals?: DsseEnvelope[];
  sha256?: Sha256;
}

/** Signs the manifest's signed part; returns the `base64:<sig>` value of `signature`. */
export async function signManifestCore(core: Record<string, unknown>, signer: Signer): Promise<string> {
  return signCanonicalCore(canonicalize(core), signer);
}

async function signCanonicalCore(text: string, signer: Signer): Promise<string> {
  const sig = await signer.sign(pae(MANIFEST_PAYLOAD_TYPE, utf8(text)));
  return 'base64:' + toBase64(sig);
}

export async function sealManifest(input: SealInput): Promise<Manifest> {
  const sha256 = input.sha256 ?? sha256Portable;
  if (input.authorization.keyid !== input.signer.keyid) {
    throw new PcqError({
      code: 'PCQ_SEAL_INVALID',
      message: `the runner authorization is for ${input.authorization.keyid}, not for the signer ${input.signer.keyid}`,
      hint: 'Seal with the signer that authorizeRunner checked.',
    });
  }
  const seen = new Set<string>();
  const leaves: Uint8Array[] = [];
  for (const step of input.steps) {
    if (seen.has(step.stepId)) {
      throw new PcqError({
        code: 'PCQ_DUPLICATE_STEP',
        message: `Step ${step.stepId} appears twice in the chain`,
        hint: 'Each step is attested once per run.',
      });
    }
    seen.add(step.stepId);
    const canonical = canonicalize(step.envelope);
    if (formatDigest(sha256(canonical)) !== step.hash) {
      throw new PcqError({
        code: 'PCQ_SEAL_INVALID',
        message: `The attestation hash given for step ${step.stepId} is not sha256(JCS(envelope))`,
        hint: "Pass attestStep's result unchanged.",
      });
    }
    leaves.push(leafHash(canonical, sha256));
  }
  const tree = merkleTree(leaves, sha256);
  const steps: ManifestStep[] = input.steps.map((step, i) => {
    const proof = tree.proofs[i]!;
    return {
      stepId: step.stepId,
      attestation: step.envelope,
      proofs: normaliseProofs(step.proofs),
      attestationHash: step.hash,
      inclusionProof: { leafIndex: proof.leafIndex, treeSize: proof.treeSize, hashes: proof.hashes.map(toHex) },
    };
  });
  const core = {
    manifestId: `pcq-${input.executionId}`,
    executionId: input.executionId,
    runbookId: input.runbookId,
    version: input.version,
    runbookDigest: input.runbookDigest,
    executedAt: input.asOf,
    executedBy: input.signer.keyid,
    actor: input.actor,
    authorization: input.authorization,
    inputs: input.inputs,
    datasets: sortedDatasets(input.datasets ?? []),
    ...(input.policyDigest !== undefined ? { policyDigest: input.policyDigest } : {}),
    ...(input.effectsPolicy ? { effectsPolicy: input.effectsPolicy } : {}),
    steps,
    merkleRoot: formatDigest(tree.root),
    ...(input.grant ? { grant: input.grant.grant, receipts: input.grant.receipts } : {}),
    ...(input.retryOf ? { retryOf: { executionId: input.retryOf.executionId, manifestDigest: input.retryOf.manifestDigest } } : {}),
    // Only runbooks with approval steps carry these, so every other manifest keeps its bytes.
    ...(input.pause ? { state: 'paused' as const, pause: input.pause } : {}),
    ...(input.approvals && input.approvals.length > 0 ? { approvals: input.approvals } : {}),
  };
  const signedText = canonicalize(signedPart(core));
  const signature = await signCanonicalCore(signedText, input.signer);
  const manifest: Manifest = { ...core, signature, reviews: [] };
  rememberSignedText(manifest, signedText);
  return manifest;
}

/** The datasets field as signed: one entry per path, sorted by path (code-unit order, as JCS). */
function sortedDatasets(datasets: readonly ManifestDataset[]): ManifestDataset[] {
  const sorted = datasets.map((d) => ({ path: d.path, digest: d.digest })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.path === sorted[i - 1]!.path) {
      throw new PcqError({ code: 'PCQ_SEAL_INVALID', message: `dataset file ${sorted[i]!.path} is listed twice`, hint: 'Pass each loaded dataset file once.' });
    }
  }
  return sorted;
}
