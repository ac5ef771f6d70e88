// The run record (`run.json`, FORMATS.md) and the summaries it is made of. Base layer: run/ writes
// it, review/, site-data/ and replay read it, so its type lives below all of them (review/ must
// not import run/: run opens reviews, never the other way round).
import type { PcqIssue } from './errors.ts';
import type { ProofResult, Proofs } from './proofs.ts';

/** `paused`: waiting at an approval step; `rejected`: an approver rejected it (FORMATS.md "Approval steps"). */
export type RunStatus = 'succeeded' | 'failed' | 'blocked' | 'paused' | 'rejected';

export type Verdict = 'pass' | 'blocked' | 'approved' | 'rejected' | 'failed' | 'paused';

export interface StepSummary {
  stepId: string;
  type: string;
  status: 'succeeded' | 'failed' | 'skipped';
  attempts: number;
  durationMs: number;
  error?: PcqIssue;
  /** dependency-failed | fail-fast | aborted (the scheduler), condition-false | parents-skipped (a branch), rejected (an approval before it). */
  skipReason?: string;
  /** The step's `when:` and its value, when it was evaluated. */
  condition?: { expr: string; value: boolean };
  proofs: Proofs;
}

export interface FailedProof {
  stepId: string;
  phase: 'precondition' | 'postcondition';
  proof: ProofResult;
}

export interface RunRecordFile {
  executionId: string;
  runbookId: string;
  version: string;
  runbookFile: string;
  runbookDigest: string;
  asOf: string;
  actor: string;
  executedBy: string;
  params: Record<string, unknown>;
  startedAt: string;
  durationMs: number;
  status: RunStatus;
  verdict: Verdict;
  merkleRoot: string;
  replayOf?: string;
  /** `pcq retry`: the failed execution this one re-runs. */
  retryOf?: string;
  /** The vault run's final state and what it cost (contracts/README.md "Run states", "Usage"). */
  vault?: RunVaultRecord;
  /** The GitHub Actions run that ran it (run/ci-context.ts); absent for a local run. */
  ci?: RunCiRecord;
  failedProofs: FailedProof[];
  steps: StepSummary[];
  artifacts: Array<{ name: string; stepId: string; mediaType: string; digest: string; size: number; state: 'released' | 'withheld' }>;
}

/** Where a run ran on GitHub Actions (unsigned; lets the site link the Actions run). */
export interface RunCiRecord {
  server: string;
  repository: string;
  runId: string;
  runAttempt?: string;
  workflow?: string;
  /** The commit the run started from (GITHUB_SHA); the publishing commit comes after it. */
  sha?: string;
}

/** The run record's view of the vault run (unsigned; the signed receipts are in the manifest). */
export interface RunVaultRecord {
  state: 'finalized' | 'failed';
  grantId: string;
  user: string;
  backend: 'embedded' | 'soroban';
  reserved: number;
  usage: number;
  spentAfter: number;
  budget: number;
}
