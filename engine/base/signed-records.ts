// The signed records pcq writes and verifies: DSSE envelopes, the step record and step predicate,
// the manifest and its step entries, review inputs (FORMATS.md). Types only, in the base layer so
// that every layer (proof/, run/, review/, verdict/, site-data/) names them from one place.
import type { ArtifactRef } from './step-ports.ts';
import type { Proofs } from './proofs.ts';
import type { ManifestGrant, ManifestReceipts } from './prepaid-vault.ts';

export interface DsseSignature {
  keyid: string;
  sig: string;
}

export interface DsseEnvelope {
  payloadType: string;
  payload: string;
  signatures: DsseSignature[];
}

export type StepStatus = 'succeeded' | 'failed' | 'skipped';

/** Why a branch was not taken (run/conditions.ts): its `when:` was false, or every parent was skipped. */
export type SkipCause = 'condition-false' | 'parents-skipped';

/** A `when:` condition as evaluated by the run. */
export interface EvaluatedCondition {
  expr: string;
  value: boolean;
}

/** What a step's branch decision adds to its record and predicate (both fields optional, signed when present). */
export interface BranchOutcome {
  condition?: EvaluatedCondition;
  skipped?: SkipCause;
}

/**
 * What a spell step's predicate records about the spell it ran (engine/FORMATS.md "Spells"): which
 * bundle (id@version and bundle digest), who vouched for it (publisher key and the signature result,
 * or the explicit --allow-unsigned opt-out), and the effects decision made at preflight.
 */
export interface SpellAttestation {
  id: string;
  version: string;
  bundleDigest: string;
  runtime: 'host' | 'docker';
  signature: {
    result: 'verified' | 'unsigned-allowed';
    publisher: string | null;
    keyId: string | null;
    publicKey: string | null;
    allowUnsigned: boolean;
  };
  effects: {
    decision: 'allowed' | 'denied';
    policyDigest: string | null;
    declared: Array<{ type: string; target: string; mutates: boolean }>;
  };
}

/**
 * An approval step's signed decision (FORMATS.md "Approval steps"): what the approver decided, who,
 * with which key, the inputs they supplied, and the digest of the reviewer-signed decision envelope
 * the manifest carries in `approvals`. The runner signs this inside the step's attestation.
 */
export interface ApprovalOutcome {
  decision: 'approve' | 'reject';
  reviewer: string;
  keyid: string;
  inputs: Record<string, unknown>;
  /** sha256(JCS(decision envelope)) of the envelope in the manifest's `approvals`. */
  envelopeDigest: string;
  /** The Merkle root of the paused manifest the approver decided on. */
  pausedMerkleRoot: string;
}

/** Where a paused run stopped (manifest `pause`, signed): the approval step that waits and who may decide it. */
export interface ManifestPause {
  stepId: string;
  message: string;
  approvers: string[];
}

export interface StepPredicate {
  runbookId: string;
  runbookVersion: string;
  runbookDigest: string;
  stepId: string;
  type: string;
  inputs: unknown;
  outputs: unknown;
  timestamp: string;
  previousAttestationHash: string | null;
  /** stepIds of the step's DAG dependencies, so a verifier can check `parents` without the runbook. */
  needs: string[];
  parents: string[];
  status: StepStatus;
  proofs: { preconditions: unknown[]; postconditions: unknown[] };
  artifacts: ArtifactRef[];
  recordings: string[];
  /** The step's `when:` and its value, when it was evaluated (FORMATS.md "Conditional steps"). */
  condition?: EvaluatedCondition;
  /** Present exactly when a branch skipped the step (status is then "skipped"). */
  skipped?: SkipCause;
  /** Spell steps only. */
  spell?: SpellAttestation;
  /** Approval steps only: the decision (FORMATS.md "Approval steps"). */
  approval?: ApprovalOutcome;
}

export interface StepRecord {
  stepId: string;
  type: string;
  status: StepStatus;
  inputs: unknown;
  outputs: unknown;
  proofs: Proofs;
  artifacts: ArtifactRef[];
  recordings: string[]; // sha256(JCS(recording)) per external exchange, request and response (runtime/http-port.ts recordingDigest)
  /** Registered secrets masked in the step's data and recordings (base/secrets.ts); absent or 0 when none. */
  redactions?: number;
  /** A private step (model/private-steps.ts): inputs, outputs and recording keys are signed as salted commitments. */
  private?: boolean;
  condition?: EvaluatedCondition;
  skipped?: SkipCause;
  /** A spell step: the spell it ran and the checks made before the run (signed in the predicate). */
  spell?: SpellAttestation;
  /** An approval step: the decision it resumed on (signed in the predicate). */
  approval?: ApprovalOutcome;
}

export interface ManifestInclusionProof {
  leafIndex: number;
  treeSize: number;
  hashes: string[]; // lowercase hex, RFC 9162 audit path
}

export interface ManifestStep {
  stepId: string;
  attestation: DsseEnvelope;
  proofs: { preconditions: unknown[]; postconditions: unknown[] };
  attestationHash: string;
  inclusionProof: ManifestInclusionProof;
}

/** A dataset file the run loaded, bound by digest (FORMATS.md `datasets`). */
export interface ManifestDataset {
  path: string; // repository-relative, forward slashes
  digest: string; // sha256:<hex> of the file's bytes
}

/**
 * The runner authorization granted before the run started (proof/authorization.ts), signed into
 * the manifest: the trust entry that vouched for the runner key, its window, the time and the mode.
 */
export interface RunnerAuthorization {
  keyid: string; // = executedBy
  keyName: string;
  source: string; // the trust file that vouched: policies/trust.yaml or .pcq/trust.local.yaml
  devOverlay: boolean;
  origin?: 'local-runner' | 'local-reviewer';
  role: 'runner';
  status: 'active' | 'retired';
  validFrom: string | null;
  validUntil: string | null;
  checkedAt: string; // = asOf (= executedAt)
  mode: 'dev' | 'staging' | 'prod';
}

/**
 * The effects policy decision made before the run (seed 004 §13): the policy file and the digest of
 * its normalised content (null: no policy file, everything allowed), and every effect the plan
 * declared, each with the step that declares it. A run that was denied never reaches a manifest.
 */
export interface ManifestEffectsPolicy {
  decision: 'allowed';
  policyFile: string | null;
  policyDigest: string | null;
  effects: Array<{ stepId: string; type: string; target: string; mutates: boolean; source: 'spell' | 'builtin' }>;
}

export interface Manifest {
  manifestId: string;
  executionId: string;
  runbookId: string;
  version: string;
  runbookDigest: string;
  executedAt: string;
  executedBy: string;
  actor: string;
  /** Who allowed the run; signed. */
  authorization: RunnerAuthorization;
  inputs: Record<string, unknown>;
  /** Every dataset file the run loaded, sorted by path; [] when it loaded none. Absent only in manifests sealed before it existed. */
  datasets?: ManifestDataset[];
  /** sha256 over every file under policies/ (runtime/policy-digest.ts); signed. Absent only in manifests sealed before it existed. */
  policyDigest?: string;
  /** The effects policy decision; absent in manifests sealed before it existed. */
  effectsPolicy?: ManifestEffectsPolicy;
  steps: ManifestStep[];
  merkleRoot: string;
  /** The grant the run opened under (base/prepaid-vault.ts); signed. Absent in manifests sealed before grants existed. */
  grant?: ManifestGrant;
  /** The vault's open_run and finalize_run receipts; signed, present with `grant` (a paused run: open only). */
  receipts?: ManifestReceipts;
  /** `pcq retry`: the failed execution this run re-runs (FORMATS.md "Retries"); signed. */
  retryOf?: RetryLink;
  /** `paused`: the run waits for an approval (`pause` says where); absent: the run ended. Signed. */
  state?: 'paused';
  pause?: ManifestPause;
  /** The reviewer-signed decisions of the run's approval steps, in chain order. Signed. */
  approvals?: DsseEnvelope[];
  signature: string; // "base64:<sig>"
  /** RFC 3161 evidence of when the sealed manifest existed (FORMATS.md "Time anchor"); unsigned, added after sealing. */
  timeAnchor?: TimeAnchor;
  reviews: DsseEnvelope[];
}

/** `timeAnchor`: a TSA's TimeStampToken over the sha256 of the manifest file as sealed (proof/time-anchor-imprint). */
export interface TimeAnchor {
  format: 'rfc3161';
  /** Standard base64 of the DER TimeStampToken (CMS ContentInfo of SignedData over a TSTInfo). */
  token: string;
}

export type ReviewDecision = 'approve' | 'reject' | 'request-info';

/** reviewer-signed: `pcq review`, signed by the reviewer's own key; runner-attested-github: the
 *  Action's runner attests the GitHub review facts it checked (FORMATS.md "Review attestations"). */
export type ReviewKind = 'reviewer-signed' | 'runner-attested-github';

/** What the Action checked on GitHub before it counted the review (review/approval-rules.ts). */
export interface GithubReviewSource {
  kind: 'github';
  repository: string;
  pullRequest: number;
  reviewId: number;
  commitId: string; // the commit the review is of
  headSha: string; // the PR's head when the facts were read
  reviewerType: string; // GitHub account type: User | Bot | Organization
  evaluation: { counts: boolean; decision: string; reasons: string[] };
}

export type ReviewSource = { kind: 'local' } | GithubReviewSource;

export interface ReviewInput {
  merkleRoot: string;
  /** sha256:<hex> of the manifest file as sealed (proof/manifest.ts sealedManifestDigest): the review's subject. */
  manifestDigest: string;
  manifestId: string;
  executionId: string;
  decision: ReviewDecision;
  reviewer: string;
  comment?: string;
  source: ReviewSource;
  at: string;
}

/** A retry's signed link to the failed run it re-runs: its executionId and the sha256 of its manifest file. */
export interface RetryLink {
  executionId: string;
  manifestDigest: string; // sha256:<hex> of the original manifest.pcq bytes
}
