// The view model the verification site renders: everything read from attestations/, runbooks/ and
// policies/ at build time, already decoded (DSSE payloads, proofs, verdicts), so that Astro pages
// only lay it out. Field names follow engine/FORMATS.md wherever a value comes straight from a file.
import type { PcqIssue } from '../base/errors.ts';
import type { TrustStore } from '../proof/trust.ts';
import type { SiteRepository } from './dispatch-command.ts';
import type { FieldChange } from './json-diff.ts';

export type Verdict = 'pass' | 'blocked' | 'approved' | 'rejected' | 'failed';
export type ReviewState = 'open' | 'approved' | 'rejected' | 'info-requested';
/** As signed (succeeded | failed | skipped | …), except `blocked`: a step that ran and whose
 *  postcondition failed. A status the site does not know (a later engine's) is kept as written. */
export type StepStatus = 'succeeded' | 'failed' | 'skipped' | 'blocked' | 'unknown' | (string & {});

export interface ProofView {
  prover: string;
  type: string;
  phase: 'precondition' | 'postcondition';
  result: 'pass' | 'fail';
  evidence: string;
}

export interface InclusionProofView {
  leafIndex: number;
  treeSize: number;
  hashes: string[];
}

export interface StepView {
  stepId: string;
  type: string;
  status: StepStatus;
  /** The status the attestation signs, when the site shows another (blocked). */
  signedStatus?: string;
  /** Unsigned facts from run.json (wall time, attempts): absent when run.json lacks them. */
  durationMs?: number;
  attempts?: number;
  proofs: ProofView[];
  attestationHash: string;
  previousAttestationHash: string | null;
  parents: string[];
  keyid: string;
  subjectDigest: string;
  inputs: unknown;
  outputs: unknown;
  /** Full outputs from outputs/<stepId>.json when the attestation carries only a digest. */
  fullOutputs?: unknown;
  /** Why a step failed or was skipped (run.json, unsigned). */
  error?: { code: string; message: string };
  skipReason?: string;
  /** The signed branch decision (FORMATS.md "Conditional steps"): the `when:` and its value, and why a branch skipped the step. */
  condition?: { expr: string; value: boolean };
  branchSkipped?: string;
  /** A spell step's signed spell record (FORMATS.md "Spells"): which bundle ran and who vouched for it. */
  spell?: { id: string; version: string; bundleDigest: string; signature: string; allowUnsigned: boolean };
  timestamp: string;
  inclusionProof?: InclusionProofView;
  artifacts: Array<{ name: string; mediaType: string; digest: string; size: number }>;
}

export interface ReviewDecisionView {
  decision: string; // approve | reject | request-info (as signed)
  by: string;
  at: string;
  comment?: string;
  keyid: string;
  /** reviewer-signed (the reviewer's own key) | runner-attested-github (the Action attests the PR review) */
  kind: string;
  /** Whether the signature verifies and the decision keeps every rule (proof/review-rules.ts). */
  counts: boolean;
  pullRequest?: number;
}

export interface DownloadView {
  name: string; // file name in the site output, e.g. manifest.pcq
  label: string;
  source: string; // absolute path on disk, or '' when generated
  generated?: string; // content to write when there is no source file
  size: number;
}

export interface ReplayStepView {
  stepId: string;
  identical: boolean;
  original: unknown;
  replayed: unknown;
  originalDigest?: string;
  replayedDigest?: string;
  /** Which signed fields differ (replays/<n>.json `differences`: status, inputs, outputs, proofs, artifacts, attestation). */
  differences: Array<{ field: string; original: unknown; replayed: unknown }>;
  /** Every leaf that differs, by JSON Pointer under its field (/outputs/0/email), for highlighting (json-diff.ts). */
  fieldChanges: FieldChange[];
}

/** Why a replay differs, as far as the published files can tell. */
export interface ReplayCause {
  kind: 'data' | 'key' | 'unexplained';
  text: string;
  files?: Array<{ path: string; signed: string; now: string | null }>;
}

export interface ReplayView {
  id: string; // file stem under replays/
  executionId: string;
  runbookId: string;
  identical: boolean;
  originalMerkleRoot?: string;
  replayedMerkleRoot?: string;
  replayedAt?: string;
  /** Present when the replay differs. */
  cause?: ReplayCause;
  steps: ReplayStepView[];
}

/** A decision recorded in the ticket (engine/review/decision.ts): unsigned, beside the signed review. */
export interface TicketDecisionView {
  decision: string;
  reviewer: string;
  at: string;
  comment: string;
  source: string; // local | github
  pullRequest?: number;
}

export interface TicketView {
  executionId: string;
  runbookId: string;
  failedStep: string;
  failedProver: string;
  reason: string;
  evidence?: string;
  assignedTo: string[];
  roster: string[];
  state: ReviewState;
  createdAt?: string;
  decisions: TicketDecisionView[];
  decisionUrl?: string;
}

/** An artifact an export step produced (run.json `artifacts`): released to exports/ or withheld. */
export interface ArtifactView {
  name: string;
  stepId: string;
  mediaType: string;
  digest: string;
  size: number;
  state: 'released' | 'withheld';
}

/** A proof that failed (run.json `failedProofs`): postconditions block exports, preconditions stop the run. */
export interface FailedProofView {
  stepId: string;
  phase: 'precondition' | 'postcondition';
  prover: string;
  type: string;
  evidence: string;
}

/** A link, or the sentence that says why there is none (never an invented address). */
export type RunLink = { href: string; label: string } | { text: string };

export interface ExecutionView {
  executionId: string;
  runbookId: string;
  version: string;
  executedAt: string;
  startedAt?: string;
  executedBy: string;
  actor: string;
  status: string;
  verdict: Verdict;
  merkleRoot: string;
  manifestId: string;
  inputs: Record<string, unknown>;
  /** Wall-clock duration of the whole run (run.json, unsigned). */
  durationMs?: number;
  steps: StepView[];
  artifacts: ArtifactView[];
  failedProofs: FailedProofView[];
  decisions: ReviewDecisionView[];
  score?: unknown;
  ticket?: TicketView;
  replays: ReplayView[];
  downloads: DownloadView[];
  /** Site-relative folder of this execution, e.g. runs/R1/<executionId>/. */
  urlPath: string;
  replayOf?: string;
  /** Signed dataset files whose bytes in the repository differ now (null: the file is gone). */
  dataChanges: Array<{ path: string; signed: string; now: string | null }>;
  /** The Actions run, the publishing commit and the review PR (site-data/run-links.ts). */
  links: { actionsRun: RunLink; commit: RunLink; reviewPr: RunLink };
  problems: PcqIssue[];
}

export interface RunbookStepView {
  stepId: string;
  type: string;
  description?: string;
  needs: string[];
  preconditions: string[];
  postconditions: string[];
  /** The step's `when:` condition, drawn as a branch on the runbook's DAG. */
  when?: { expr: string };
}

export interface RunbookView {
  runbookId: string;
  name: string;
  version: string;
  description?: string;
  file: string; // repository-relative
  digest: string;
  inputs: Array<{ name: string; type: string; description?: string; default?: unknown; required?: boolean; enum?: unknown[] }>;
  steps: RunbookStepView[];
  provers: Array<{ id: string; phase: string; type: string; config: Record<string, unknown> }>;
  levels: string[][];
  button?: ButtonView;
  cliLine: string;
  /** False when `pcq validate` refuses the file (the issues say why): the site marks it invalid. */
  valid: boolean;
  /** What `pcq validate` reports for this file (errors and warnings), coded and located. */
  issues: PcqIssue[];
}

/** A runbook file `pcq validate` refuses before it can even be planned (does not parse, or its graph is broken). */
export interface InvalidRunbookFileView {
  file: string;
  runbookId?: string;
  issues: PcqIssue[];
}

export interface ButtonView {
  id: string;
  runbookId: string;
  version?: string;
  roles: string[];
  label?: string;
}

export interface TrustKeyView {
  name: string;
  publicKey: string;
  roles: string[];
  status: string;
  validFrom: string | null;
  validUntil: string | null;
  source: 'policies/trust.yaml' | '.pcq/trust.local.yaml';
}

export interface SiteData {
  /** The GitHub repository the site belongs to (build environment); absent when unknown. */
  repository?: SiteRepository;
  runbooks: RunbookView[];
  /** Runbook files that cannot be planned at all, with their coded errors. */
  invalidRunbookFiles: InvalidRunbookFileView[];
  executions: ExecutionView[]; // newest first
  /** The executions of each runbook id (newest first), grouped once at read time. */
  runsByRunbook: Record<string, ExecutionView[]>;
  tickets: TicketView[];
  trust: TrustKeyView[];
  /** The trust store exactly as `pcq verify` loads it in dev mode (embedded in the verify page). */
  verifyTrust: TrustStore;
  /** The roster logins `pcq verify` checks reviewers against (policies/ombuds.yaml); null without one. */
  verifyRoster: string[] | null;
  /** The TSA trust (base64 DER certificates) and timeAnchor.required, as `pcq verify` reads them (FORMATS.md "Time anchor"). */
  verifyTimeAnchor: { trust: string[] | null; required: boolean };
  buttons: ButtonView[];
  problems: PcqIssue[];
}
