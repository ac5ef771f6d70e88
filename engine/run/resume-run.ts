// `pcq approve`: an approver's decision on a paused run, and the run resumed from the pause
// (FORMATS.md "Approval steps"). Everything that can refuse is checked before anything is written
// or signed: the run is paused at an approval step, the runbook file is the one that paused, the
// approver passes the ombuds approval rules (proof/review-rules.ts: own reviewer key bound to their
// login, on the roster as it stands now, not the run's actor, not a bot) and is among the step's
// `approvers`, and their inputs match the step's schema. A refusal throws a coded error and leaves
// attestations/ and .pcq/ byte-identical.
// Then, under the execution's resume lock (one resume at a time; a killed holder's lock is taken
// over), the decision is signed with the approver's own key and the run is executed again from its
// start with the same inputs, asOf and actor: the steps before the pause reproduce the paused
// attestations byte for byte (checked: PCQ_RESUME_DIVERGED otherwise), the approval step takes the
// decision, the rest runs (or, on reject, nothing after it runs), and the final manifest replaces
// the paused one in ONE store change set (store/execution-store.ts). A crash before that commit
// leaves the paused run as it was; after it, the completed one.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PcqConfig } from '../runtime/config.ts';
import { PcqError, PcqErrors, type PcqIssue } from '../base/errors.ts';
import type { Signer } from '../base/signer.ts';
import type { Manifest } from '../base/signed-records.ts';
import { readRunbookFile } from '../model/load-runbooks.ts';
import type { Step } from '../model/runbook.ts';
import { sealedManifestDigest } from '../proof/manifest.ts';
import { sha256Portable } from '../proof/hash.ts';
import { approvalEnvelopeDigest, buildApprovalEnvelope, recordedApprovals } from '../proof/approval-decision.ts';
import { foldLogin, singleReviewProblems } from '../proof/review-rules.ts';
import { loadTrustStore } from '../runtime/trust-store.ts';
import { loadRoster, rosterLogins, OMBUDS_FILE } from '../review/roster.ts';
import { recoverStore } from '../store/execution-store.ts';
import { tryAcquireLock } from '../store/lock.ts';
import { parseManifestFile, readRunRecord } from '../store/read-records.ts';
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
  manifestText: string;
  manifest: Manifest & { pause: NonNullable<Manifest['pause']> };
  runbookFile: string;
  step: Step;
}

export async function approveAndResume(input: ApproveInput): Promise<ApproveReport> {
  const now = input.now ?? (() => new Date());
  await recoverStore(input.config.attestationsDir); // finish what a killed process left first
  const paused = await readPausedRun(input.config, input.executionId);
  await assertMayDecide(input, paused, now());
  const lock = await tryAcquireLock(join(paused.dir, '.resume.lock'));
  if (!lock) {
    throw new PcqError({
      code: 'PCQ_RESUME_LOCKED',
      message: `execution ${input.executionId} is being resumed by another running pcq process`,
      hint: 'Wait for it to finish; then the run is no longer paused. Nothing was changed.',
    });
  }
  try {
    // Compare-and-swap: the state decided on is still the one on disk (a resume that won the race
    // has replaced it, and this decision is refused with nothing written).
    const current = await readFile(join(paused.dir, 'manifest.pcq'), 'utf8').catch(() => '');
    if (current !== paused.manifestText) throw notPaused(input.executionId, 'it changed while this decision was being taken');
    return await resumeLocked(input, paused, now());
  } finally {
    await lock.release();
  }
}

async function resumeLocked(input: ApproveInput, paused: PausedRun, at: Date): Promise<ApproveReport> {
  const { manifest } = paused;
  const envelope = await buildApprovalEnvelope(
    {
      executionId: manifest.executionId,
      runbookId: manifest.runbookId,
      stepId: manifest.pause.stepId,
      pausedMerkleRoot: manifest.merkleRoot,
      pausedManifestDigest: sealedManifestDigest(manifest, sha256Portable),
      decision: input.decision,
      reviewer: input.reviewer,
      approvers: manifest.pause.approvers,
      inputs: input.inputs,
      at: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      ...(input.comment !== undefined ? { comment: input.comment } : {}),
    },
    input.signer,
  );
  const approvals = new Map<string, RecordedApproval>(recordedApprovals(manifest));
  approvals.set(manifest.pause.stepId, {
    envelope,
    outcome: {
      decision: input.decision,
      reviewer: input.reviewer,
      keyid: input.signer.keyid,
      inputs: input.inputs,
      envelopeDigest: approvalEnvelopeDigest(envelope),
      pausedMerkleRoot: manifest.merkleRoot,
    },
  });
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
    },
  });
  return { decision: input.decision, reviewer: input.reviewer, stepId: manifest.pause.stepId, pausedMerkleRoot: manifest.merkleRoot, run };
}

function notPaused(executionId: string, why: string): PcqError {
  return new PcqError({
    code: 'PCQ_NOT_PAUSED',
    message: `execution ${executionId} is not paused at an approval step: ${why}`,
    hint: 'A decided run cannot be decided again; `pcq verify` shows its state. Nothing was changed.',
  });
}

async function readPausedRun(config: PcqConfig, executionId: string): Promise<PausedRun> {
  const dir = await locateExecution(config, executionId);
  const manifestText = await readFile(join(dir, 'manifest.pcq'), 'utf8');
  const manifest = parseManifestFile(manifestText, join(dir, 'manifest.pcq'));
  if (manifest.state !== 'paused' || !manifest.pause || !manifest.receipts?.open) throw notPaused(executionId, 'its manifest is not sealed as paused');
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
  return { dir, manifestText, manifest: manifest as PausedRun['manifest'], runbookFile: record.runbookFile, step };
}

/** The ombuds approval rules, the step's approvers and its inputs schema; throws every problem at once. */
async function assertMayDecide(input: ApproveInput, paused: PausedRun, at: Date): Promise<void> {
  const { manifest } = paused;
  const trust = await loadTrustStore({ root: input.config.root, includeLocal: input.config.mode === 'dev' });
  const roster = rosterLogins(await loadRoster(join(input.config.root, OMBUDS_FILE)));
  const claim = { kind: 'reviewer-signed' as const, keyid: input.signer.keyid, decision: input.decision, reviewer: input.reviewer, at: at.toISOString() };
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
