// What follows a sealed run, put into the run's change set: the standard DSSE export beside the
// manifest (what the site offers for download and any in-toto tooling reads), and — when any
// prover (pre or post) failed — the ombuds ticket, then the signed verdict files (every run).
// The verdict files come last because they bundle everything before them. The review notice is
// sent by sendNotices() only after the store committed the change (a notice never points at a
// missing ticket). A replay (record.replayOf) opens no review: it checks a run, not a new one.
import type { ChangeSet } from '../store/change-set.ts';
import { exportDsse } from '../proof/export-dsse.ts';
import type { ExecutionPaths } from '../store/layout.ts';
import type { PcqConfig } from '../runtime/config.ts';
import { toIssues, type PcqIssue } from '../base/errors.ts';
import type { Signer } from '../base/signer.ts';
import type { Notifier } from '../base/step-ports.ts';
import type { RunOutcome } from './execute-run.ts';
import type { RunRecordFile } from '../base/run-record.ts';
import { openReviewForRun } from '../review/open-review.ts';
import { loadPauseNotice } from '../review/pause-notice.ts';
import { writeVerdictArtifacts } from '../verdict/write-verdict.ts';
import type { Verdict } from '../base/run-record.ts';
import { join } from 'node:path';
import { loadNotifyConfig } from '../runtime/notify-config.ts';
import type { DeliveryOutcome } from '../runtime/escalation.ts';
import { sendReviewNotices } from './review-notices.ts';

export interface AfterRunInput {
  config: PcqConfig;
  outcome: RunOutcome;
  paths: ExecutionPaths;
  record: RunRecordFile;
  signer: Signer;
  notifier: Notifier;
  env: Record<string, string | undefined>;
  change: ChangeSet;
}

export interface AfterRunResult {
  reviewTicket?: string;
  assignedTo?: string;
  /** Addresses the review notice went to. */
  notified?: string[];
  /** The notice could not be sent (the ticket exists; the run and its verdict stand). */
  notifyIssue?: PcqIssue;
  /** Every review notice channel (e-mail, Slack, webhooks) and whether it was delivered. */
  deliveries?: DeliveryOutcome[];
  /** The record of what could not be delivered (<outboxDir>/undelivered/<executionId>.json). */
  undeliveredRecord?: string;
  verdict?: { verdict: Verdict; score: string; evidence: string; digest: string };
}

export interface AfterRun {
  result: AfterRunResult;
  /** Sends the review notice (if any) and records the outcome in `result`; call after the commit. */
  sendNotices(): Promise<void>;
}

export async function afterRunHooks(input: AfterRunInput): Promise<AfterRun> {
  const dsse = exportDsse(input.outcome.manifest as unknown as Record<string, unknown>);
  input.change.put(input.paths.dsse, dsse.jsonl);
  input.change.putJson(join(input.paths.dir, 'keys.json'), dsse.keys);
  const result: AfterRunResult = {};
  let sendNotices = async (): Promise<void> => undefined;
  // Every failed prover opens a review, whatever happened downstream (blocked implies one).
  if (input.outcome.failedProofs.length > 0 && input.record.replayOf === undefined) {
    // The notices go after the commit; a failure to deliver is reported and recorded, not fatal:
    // the run is sealed and the ticket is on disk, so `pcq review list` still finds it.
    const opened = await openReviewForRun({
      root: input.config.root,
      attestationsDir: input.config.attestationsDir,
      manifest: input.outcome.manifest,
      failedProofs: input.outcome.failedProofs,
      notifier: input.notifier,
      change: input.change,
    });
    result.reviewTicket = opened.path;
    result.assignedTo = opened.assignedTo;
    const escalation = (await loadNotifyConfig(input.config.root)).escalation;
    sendNotices = async () => {
      const sent = await sendReviewNotices({
        executionId: input.outcome.manifest.executionId,
        notice: opened.notice,
        facts: opened.facts,
        notifier: input.notifier,
        escalation,
        env: input.env,
        outboxDir: input.config.outboxDir,
      });
      if (sent.notified) result.notified = sent.notified;
      if (sent.notifyIssue) result.notifyIssue = sent.notifyIssue;
      result.deliveries = sent.deliveries;
      if (sent.undeliveredRecord) result.undeliveredRecord = sent.undeliveredRecord;
    };
  }
  // A paused run notifies who may decide its approval step (review/pause-notice.ts), after the commit.
  if (input.outcome.pause && input.record.replayOf === undefined) {
    const notice = await loadPauseNotice(input.config.root, input.outcome.manifest, input.outcome.pause);
    sendNotices = async () => {
      try {
        await input.notifier.send({ channel: 'email', ...notice }, AbortSignal.timeout(30_000));
        result.notified = notice.to;
      } catch (err) {
        result.notifyIssue = toIssues(err)[0]!;
      }
    };
  }
  const files = await writeVerdictArtifacts(input.paths, input.signer, input.change);
  result.verdict = { verdict: files.score.verdict, score: files.scorePath, evidence: files.evidencePath, digest: files.score.evidence.digest };
  return { result, sendNotices };
}
