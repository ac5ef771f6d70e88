// `pcq approve`: an approver's decision on a paused run, and the run resumed from the pause
// (FORMATS.md "Approval steps"). Everything that can refuse is checked before anything is written
// or signed: the run is paused at an approval step, the runbook file is the one that paused, the
// approver passes the ombuds approval rules (proof/review-rules.ts: own reviewer key bound to their
// login, on the roster as it stands now, not the run's actor, not a bot) and is among the step's
// `approvers`, and their inputs match the step's schema. A refusal throws a coded error and leaves
// attestations/ and .pcq/ byte-identical.
// The paused run is read as `pcq replay` reads a run (replay-source.ts): its manifest must verify
// (trust included: a tampered manifest refuses with its verification code), and its recorded
// responses, effects and dataset files must be the ones it signed.
// All of it under the execution's resume lock (one approve at a time; a lock whose holder died —
// its pid is gone or was reused, store/lock.ts — is taken over). The decision is signed with the
// approver's own key and journaled (resume-journal.ts), and the run is executed again from its
// start with the same inputs, asOf and actor. The steps before the pause answer from the paused
// run's recordings and never call a live service or send a notice again, so a service whose answer
// changed since the pause can neither break nor alter the resume; they reproduce the paused
// attestations byte for byte (checked: PCQ_RESUME_DIVERGED otherwise). The approval step takes the
// decision, the rest runs live (or, on reject, nothing after it runs), the vault run is settled
// once (journaled), and the final manifest replaces the paused one in ONE store change set
// (store/execution-store.ts). A crash before that commit leaves the run paused, its decision
// journaled for the next `pcq approve` to carry on; after it, the completed run.
import { join } from 'node:path';
import type { PcqConfig } from '../runtime/config.ts';
import { PcqError, PcqErrors, type PcqIssue } from '../base/errors.ts';
import type { Signer } from '../base/signer.ts';
import type { GithubReviewSource, Manifest } from '../base/signed-records.ts';
import { readRunbookFile } from '../model/load-runbooks.ts';
import type { Step } from '../model/runbook.ts';
import { sealedManifestDigest } from '../proof/manifest.ts';
import { sha256Portable } from '../proof/hash.ts';
import {
  approvalEnvelopeDigest,
  attestedFactsOf,
  buildApprovalEnvelope,
  readApprovalDecision,
  recordedApprovals,
  type ApprovalDecision,
} from '../proof/approval-decision.ts';
import { canonicalize } from '../proof/jcs.ts';
import type { DsseEnvelope } from '../base/signed-records.ts';
import { crashPoint } from '../base/test-crash.ts';
import { checkSignedDatasets, readSignedReplaySource, type SignedReplaySource } from './replay-source.ts';
import { journaledVault, readResumeJournal, removeResumeJournal, writeResumeJournal, type ResumeJournal } from './resume-journal.ts';
import { foldLogin, singleReviewProblems, type ReviewClaim } from '../proof/review-rules.ts';
import { loadTrustStore } from '../runtime/trust-store.ts';
import { loadRoster, rosterLogins, OMBUDS_FILE } from '../review/roster.ts';
import { recoverStore } from '../store/execution-store.ts';
import { tryAcquireLock } from '../store/lock.ts';
import { readRunRecord } from '../store/read-records.ts';
import { approvalInputProblems } from '../steps/approval.ts';
import { locateExecution } from './replay-run.ts';
import { runRunbookFile, type RunReport } from './run-runbook.ts';
import type { SchedulerEvent } from './scheduler-types.ts';
import type { RecordedApproval } from './execute-run.ts';

export interface ApproveInput {
  config: PcqConfig;
  executionId: string;
  decision: 'approve' | 'reject';
  /** The deciding approver's login; `signer` is their own reviewer key. */
  reviewer: string;
  signer: Signer;
  inputs: Record<string, unknown>;
  comment?: string;
  /** The Action (action/approval-review.ts): the pause PR review the runner checked; `signer` is then
   *  the runner key, which attests it (runner-attested-github). Absent: `signer` is the approver's own. */
  source?: GithubReviewSource;
  env: Record<string, string | undefined>;
  startedAt: string;
  now?: () => Date;
  onEvent?: (event: SchedulerEvent) => void;
}

export interface ApproveReport {
  decision: 'approve' | 'reject';
  reviewer: string;
  stepId: string;
  pausedMerkleRoot: string;
  run: RunReport;
}

interface PausedRun {
  dir: string;
  manifest: Manifest & { pause: NonNullable<Manifest['pause']> };
  /** sha256 of the paused manifest.pcq: what the decision is taken on. */
  digest: string;
  runbookFile: string;
  step: Step;
  /** The paused run's signed record: the steps before the pause answer from its recordings and effects. */
  source: SignedReplaySource;
}

export async function approveAndResume(input: ApproveInput): Promise<ApproveReport> {
  const now = input.now ?? (() => new Date());
  await recoverStore(input.config.attestationsDir); // finish what a killed process left first
  const dir = await locateExecution(input.config, input.executionId);
  // The lock first, then every read and check: a resume's commit is the only writer of a paused
  // run, so under the lock the run is read whole and settled (never halfway through another
  // approve's commit), and a second approve finds it decided (PCQ_NOT_PAUSED) or waits its turn.
  const lock = await tryAcquireLock(join(dir, '.resume.lock'));
  if (!lock) {
    throw new PcqError({
      code: 'PCQ_RESUME_LOCKED',
      message: `execution ${input.executionId} is being resumed by another running pcq process`,
      hint: 'Wait for it to finish; then the run is no longer paused. Nothing was changed.',
    });
  }
  try {
    const paused = await readPausedRun(input.config, input.executionId, dir);
    await assertMayDecide(input, paused, now());
    const journal = await decisionOf(input, paused, now());
    const report = await resumeLocked(input, paused, journal);
    crashPoint('resume:after-commit');
    await removeResumeJournal(paused.dir);
    return report;
  } finally {
    await lock.release();
  }
}

/**
 * The run's one decision: the one an interrupted approve journaled (the caller must ask for the same
 * decision and inputs), else this approver's, signed now and journaled before any later step runs.
 */
async function decisionOf(input: ApproveInput, paused: PausedRun, at: Date): Promise<ResumeJournal> {
  const { manifest } = paused;
  const journaled = await readResumeJournal(paused.dir, manifest, paused.digest);
  if (journaled) {
    const d = journaled.decision;
    if (d.decision !== input.decision || canonicalize(d.inputs) !== canonicalize(input.inputs)) {
      throw new PcqError({
        code: 'PCQ_RESUME_DECIDED',
        message: `${manifest.pause.stepId} of ${manifest.executionId} was already decided by ${d.reviewer} (${d.decision}, inputs ${canonicalize(d.inputs)}) in a \`pcq approve\` that was interrupted`,
        hint: `A run has one decision. Carry it on with \`pcq approve ${manifest.executionId} --decision ${d.decision} --by <login>\` and the same inputs. Nothing was changed.`,
      });
    }
    return journaled.journal;
  }
  const envelope = await buildApprovalEnvelope(
    {
      executionId: manifest.executionId,
      runbookId: manifest.runbookId,
      stepId: manifest.pause.stepId,
      pausedMerkleRoot: manifest.merkleRoot,
      pausedManifestDigest: paused.digest,
      decision: input.decision,
      reviewer: input.reviewer,
      approvers: manifest.pause.approvers,
      inputs: input.inputs,
      at: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      ...(input.comment !== undefined ? { comment: input.comment } : {}),
      ...(input.source ? { source: input.source } : {}),
    },
    input.signer,
  );
  const journal: ResumeJournal = { format: 'pcq-resume/1', executionId: manifest.executionId, pausedManifestDigest: paused.digest, envelope };
  await writeResumeJournal(paused.dir, journal);
  return journal;
}

function outcomeOf(envelope: DsseEnvelope, manifest: Manifest): RecordedApproval {
  const d = readApprovalDecision(envelope) as ApprovalDecision; // built or checked by decisionOf
  return {
    envelope,
    outcome: {
      decision: d.decision,
      reviewer: d.reviewer,
      keyid: d.keyid,
      inputs: d.inputs,
      envelopeDigest: approvalEnvelopeDigest(envelope),
      pausedMerkleRoot: manifest.merkleRoot,
    },
  };
}

async function resumeLocked(input: ApproveInput, paused: PausedRun, journal: ResumeJournal): Promise<ApproveReport> {
  const { manifest } = paused;
  const approvals = new Map<string, RecordedApproval>(recordedApprovals(manifest));
  const decided = outcomeOf(journal.envelope, manifest);
  approvals.set(manifest.pause.stepId, decided);
  const run = await runRunbookFile({
    // The run is the actor's who asked for it, not the approver's (signed in the manifest).
    config: { ...input.config, actor: manifest.actor },
    file: join(input.config.root, paused.runbookFile),
    rawParams: manifest.inputs,
    asOf: manifest.executedAt,
    env: input.env,
    executionId: manifest.executionId,
    startedAt: input.startedAt,
    ...(input.onEvent ? { onEvent: input.onEvent } : {}),
    resume: {
      approvals,
      pausedSteps: manifest.steps.map((s) => ({ stepId: s.stepId, attestationHash: s.attestationHash })),
      open: manifest.receipts!.open,
      recorded: { recordings: paused.source.recordings, effects: paused.source.effects },
      wrapVault: (vault) => journaledVault(vault, paused.dir, journal),
    },
  });
  const outcome = decided.outcome;
  return { decision: outcome.decision, reviewer: outcome.reviewer, stepId: manifest.pause.stepId, pausedMerkleRoot: manifest.merkleRoot, run };
}

function notPaused(executionId: string, why: string): PcqError {
  return new PcqError({
    code: 'PCQ_NOT_PAUSED',
    message: `execution ${executionId} is not paused at an approval step: ${why}`,
    hint: 'A decided run cannot be decided again; `pcq verify` shows its state. Nothing was changed.',
  });
}

async function readPausedRun(config: PcqConfig, executionId: string, dir: string): Promise<PausedRun> {
  // Verified exactly as `pcq verify` and `pcq replay` do, with its recordings, effects and runbook snapshot.
  const source = await readSignedReplaySource(config, dir);
  const manifest = source.manifest;
  if (manifest.state !== 'paused' || !manifest.pause || !manifest.receipts?.open) {
    await removeResumeJournal(dir); // a kill after the final commit left it: the run is decided
    throw notPaused(executionId, 'its manifest is not sealed as paused');
  }
  const record = await readRunRecord(join(dir, 'run.json'));
  const parsed = await readRunbookFile(join(config.root, record.runbookFile), record.runbookFile);
  const runbook = parsed.runbook;
  if (!runbook || runbook.source.digest !== manifest.runbookDigest) {
    throw new PcqError({
      code: 'PCQ_RESUME_DIVERGED',
      message: `${record.runbookFile} is not the runbook the run paused with (its digest was ${manifest.runbookDigest})`,
      hint: 'Restore the runbook as it was when the run paused (git), then decide again. Nothing was changed.',
    });
  }
  const step = runbook.steps.find((s) => s.stepId === manifest.pause!.stepId && s.type === 'approval');
  if (!step) throw notPaused(executionId, `${record.runbookFile} has no approval step ${manifest.pause.stepId}`);
  // The data the steps before the pause read must be the data they signed (refused with nothing changed).
  await checkSignedDatasets(config.root, manifest, runbook.dataset !== undefined);
  const digest = sealedManifestDigest(manifest, sha256Portable);
  return { dir, manifest: manifest as PausedRun['manifest'], digest, runbookFile: record.runbookFile, step, source };
}

/** The ombuds approval rules, the step's approvers and its inputs schema; throws every problem at once. */
async function assertMayDecide(input: ApproveInput, paused: PausedRun, at: Date): Promise<void> {
  const { manifest } = paused;
  const trust = await loadTrustStore({ root: input.config.root, includeLocal: input.config.mode === 'dev' });
  const roster = rosterLogins(await loadRoster(join(input.config.root, OMBUDS_FILE)));
  const base = { keyid: input.signer.keyid, decision: input.decision, reviewer: input.reviewer, at: at.toISOString() };
  const claim: ReviewClaim = input.source
    ? { ...base, kind: 'runner-attested-github', github: attestedFactsOf(input.source) }
    : { ...base, kind: 'reviewer-signed' };
  const context = { trust, roster, executedAt: manifest.executedAt, executedBy: manifest.executedBy, actor: manifest.actor };
  const issues: PcqIssue[] = singleReviewProblems(claim, context).map((p) => ({
    code: p.code,
    message: `${input.reviewer} may not decide ${manifest.pause.stepId}: ${p.message}`,
    hint: "Only an ombuds on the step's roster, who did not ask for the run, decides it, signing with their own reviewer key. Nothing was changed.",
  }));
  const approvers = manifest.pause.approvers;
  if (approvers.length > 0 && !approvers.some((a) => foldLogin(a) === foldLogin(input.reviewer))) {
    issues.push({
      code: 'PCQ_APPROVER_NOT_LISTED',
      message: `${input.reviewer} is not among the approvers of ${manifest.pause.stepId} (${approvers.join(', ')})`,
      hint: 'Ask one of the listed approvers to decide. Nothing was changed.',
    });
  }
  const inputProblems = approvalInputProblems(paused.step, input.inputs);
  if (inputProblems.length > 0) {
    issues.push({
      code: 'PCQ_APPROVAL_INPUTS_INVALID',
      message: `the inputs for ${manifest.pause.stepId} do not match its schema: ${inputProblems.join('; ')}`,
      hint: 'Pass the values the step declares, of the declared types. Nothing was changed.',
    });
  }
  if (issues.length > 0) throw new PcqErrors(issues);
}
