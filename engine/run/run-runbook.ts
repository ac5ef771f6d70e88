// The `run` use case shared by the CLI and the Action: runbook file in, stored execution out.
// Validates exactly as `pcq validate` does, resolves inputs, opens the ports (run-services.ts),
// executes, persists, then applies the consequences of the verdict (review ticket, verdict files).
import { readFile } from 'node:fs/promises';
import type { PcqConfig } from '../runtime/config.ts';
import { PcqErrors, type PcqIssue } from '../base/errors.ts';
import { openRunServices } from './run-services.ts';
import { executeRun, type RecordedApproval } from './execute-run.ts';
import type { FailedProof, StepSummary } from '../base/run-record.ts';
import { ciContext } from './ci-context.ts';
import { persistRun } from './persist-run.ts';
import { loadForeignSteps } from './run-job.ts';
import type { Signer } from '../base/signer.ts';
import type { StepSubset } from './foreign-steps.ts';
import type { Runbook } from '../model/runbook.ts';
import { loadSealHolders } from './seal-private.ts';
import { afterRunHooks } from './after-run.ts';
import type { SchedulerEvent } from './scheduler-types.ts';
import type { RunStatus, Verdict } from '../base/run-record.ts';
import type { ManifestPause } from '../base/signed-records.ts';
import { readIndex } from '../store/execution-index.ts';
import { ChangeSet } from '../store/change-set.ts';
import { commitChange, recoverStore, type CommittedChange, type RecoveryReport } from '../store/execution-store.ts';
import type { FinalizeReceipt, OpenReceipt, PrepaidVault, VaultRunState } from '../base/prepaid-vault.ts';
import type { RetryLink } from '../base/signed-records.ts';
import { openGrantedRun, reservationFor } from './authorize-grant.ts';
import { openVault } from '../vault/open-vault.ts';
import { withSpellKind } from './spell-setup.ts';
import { admitRun } from './admit-run.ts';
import { anchorManifest, prepareTimeStampAuthority, probeTimeStampAuthority, type AnchorReport } from '../runtime/time-anchor.ts';
import type { DeliveryOutcome } from '../runtime/escalation.ts';
import type { TokenEvent } from '../runtime/connector-auth/token-manager.ts';
import type { Effect, Recording } from '../base/step-ports.ts';

export interface RunRunbookOptions {
  config: PcqConfig;
  file: string; // absolute
  rawParams: Record<string, unknown>;
  asOf: string; // normalised
  env: Record<string, string | undefined>;
  executionId: string;
  startedAt: string; // wall clock, unsigned
  onPlan?: (order: string[]) => void;
  onEvent?: (event: SchedulerEvent) => void;
  /** Connector token events during the run (runtime/connector-auth/token-manager.ts). */
  onTokenEvent?: (event: TokenEvent) => void;
  signal?: AbortSignal;
  /** The wall clock for the authorization check (default: the system clock). */
  now?: () => Date;
  /** --allow-unsigned: admit spells WITHOUT a signature (recorded in their attestations). */
  allowUnsigned?: boolean;
  /** The dispatch button the run came through requires signed spells (policies/buttons.yaml). */
  buttonRequiresSignature?: { button: string };
  /**
   * The seal job of a distributed run (plan/jobs.ts): every step comes from the job files under
   * this folder; nothing runs again, the chain is signed and the run stored as `pcq run` would.
   */
  sealFrom?: string;
  /** `pcq retry`: the failed execution this run re-runs (signed into the manifest, named in run.json). */
  retryOf?: RetryLink;
  /** The PrepaidVault to open the run on (default: config.vault, vault/open-vault.ts). */
  vault?: PrepaidVault;
  /**
   * Resuming a paused run (run/resume-run.ts): the decisions for its approval steps, the paused
   * manifest's steps (re-executed from the paused run's record, they must reproduce these
   * attestations) and the vault run it
   * opened, which is still open and is settled now instead of opening a new one.
   */
  resume?: {
    approvals: ReadonlyMap<string, RecordedApproval>;
    pausedSteps: ReadonlyArray<{ stepId: string; attestationHash: string }>;
    open: OpenReceipt;
    /** The paused run's signed recordings and effects: the steps before the pause answer from them, never live. */
    recorded: { recordings: Recording[]; effects: Effect[] };
    /** How the resumed run settles its vault run (the resume journal, run/resume-journal.ts). */
    wrapVault: (vault: PrepaidVault) => PrepaidVault;
  };
}

/** The vault run as the CLI shows it: its states in order and what it cost. */
export interface RunVaultReport {
  states: VaultRunState[];
  grantId: string;
  user: string;
  grantSource: string;
  backend: 'embedded' | 'soroban';
  reserved: number;
  usage?: number;
  spentAfter?: number;
  budget: number;
}

export interface RunReport {
  executionId: string;
  runbookId: string;
  version: string;
  asOf: string;
  actor: string;
  executedBy: string;
  status: RunStatus;
  verdict: Verdict;
  merkleRoot: string;
  manifestPath: string;
  executionDir: string;
  durationMs: number;
  steps: StepSummary[];
  failedProofs: FailedProof[];
  failedStep?: { stepId: string; code: string; message: string };
  artifacts: Array<{ name: string; state: 'released' | 'withheld'; digest: string }>;
  reviewTicket?: string;
  assignedTo?: string;
  /** Addresses the ombuds review notice went to. */
  notified?: string[];
  /** The review notice could not be sent (the ticket exists; the run and its verdict stand). */
  notifyIssue?: PcqIssue;
  /** Every review notice channel (e-mail, Slack, webhooks) and whether it was delivered. */
  deliveries?: DeliveryOutcome[];
  /** Where the undelivered review notices were recorded (<outboxDir>/undelivered/<executionId>.json). */
  undeliveredRecord?: string;
  /** The signed verdict files written beside the manifest. */
  verdictFiles?: { score: string; evidence: string };
  /** What the store committed that may be published (public files only): the Action's publishing commit. */
  committed: CommittedChange;
  /** What the store repaired before the run (transactions a killed process left). */
  recovered?: RecoveryReport;
  vault: RunVaultReport;
  /** status `paused`: the approval step the run waits at (FORMATS.md "Approval steps"). */
  pause?: ManifestPause;
  /** The RFC 3161 time anchor the manifest carries: the TSA's genTime and name (FORMATS.md "Time anchor"). */
  timeAnchor?: AnchorReport['anchored'];
  /** A TSA was configured but the manifest was sealed without an anchor (or with one verify will fail): why. */
  timeAnchorIssue?: PcqIssue;
}

export async function runRunbookFile(opts: RunRunbookOptions): Promise<RunReport> {
  const { config } = opts;
  const now = opts.now ?? (() => new Date());
  // Admission, in the one order every path that starts steps follows (admit-run.ts): pause switch,
  // policy pin, runner key, runbook and preflight checks, inputs, grant, spells. A refusal writes nothing.
  const {
    authorized,
    display,
    runbook,
    plan,
    params,
    policyDigest: pinnedDigest,
    grant,
    spells,
  } = await admitRun({
    config,
    file: opts.file,
    rawParams: opts.rawParams,
    asOf: opts.asOf,
    env: opts.env,
    now,
    ...(opts.allowUnsigned !== undefined ? { allowUnsigned: opts.allowUnsigned } : {}),
    ...(opts.buttonRequiresSignature ? { buttonRequiresSignature: opts.buttonRequiresSignature } : {}),
    distributed: opts.sealFrom !== undefined,
  });
  const runner = authorized.signer.keyid;
  // The TSA trust is read now (a bad file refuses the run); with timeAnchor.required the TSA must
  // answer now too, so an unreachable TSA refuses the run before anything is written.
  const tsa = await prepareTimeStampAuthority(config.timeAnchor);
  if (tsa && config.timeAnchor.required) await probeTimeStampAuthority(tsa, `${runbook.runbookId} ${opts.executionId}`);
  const text = await readFile(opts.file, 'utf8');
  // The store first, before any work: finish what a killed process left, and refuse now (not
  // after the whole run) when the index cannot take this run.
  const recovered = await recoverStore(config.attestationsDir);
  await readIndex(config.attestationsDir);

  const steps = opts.sealFrom === undefined ? undefined : await sealSubset(opts.sealFrom, runbook, plan.order, params, opts.asOf, authorized.signer);
  // pending → open: reserve the plan's steps on the vault (it re-checks registry, revocation,
  // expiry and budget); a refusal writes nothing and no step starts.
  const vault0 = opts.vault ?? openVault(config, authorized.trust, authorized.signer, now);
  const vault = opts.resume ? opts.resume.wrapVault(vault0) : vault0;
  const open = opts.resume
    ? opts.resume.open
    : await openGrantedRun(vault, grant, {
        runId: opts.executionId,
        runner,
        runbookId: runbook.runbookId,
        reserve: reservationFor(plan.order.length),
      });
  const vaultReport: RunVaultReport = {
    states: opts.resume ? ['open'] : ['pending', 'open'],
    grantId: grant.record.grantId,
    user: grant.manifestGrant.signer,
    grantSource: grant.manifestGrant.source,
    backend: vault.backend,
    reserved: open.reserved,
    budget: grant.manifestGrant.budget,
  };
  let settled = false;
  const settle = async (stepsRun: number, ok: boolean): Promise<FinalizeReceipt> => {
    vaultReport.states.push('finalizing');
    settled = true;
    // finalize-on-error (RUNNER_FINALIZE_ON_ERROR, default true): a failed run costs nothing.
    const usage = ok || !config.vault.finalizeOnError ? stepsRun : 0;
    const receipt = await vault.finalizeRun({ runId: opts.executionId, runner, usage, ok });
    vaultReport.states.push(receipt.outcome);
    vaultReport.usage = receipt.usage;
    vaultReport.spentAfter = receipt.spentAfter;
    return receipt;
  };
  let services;
  try {
    services = await openRunServices({
      config,
      runbook,
      params,
      asOf: opts.asOf,
      env: opts.env,
      mode: 'live',
      signer: authorized.signer,
      // The seal job runs no step (each comes from a job file): it binds the dataset digests, opens no graph.
      graph: steps ? 'none' : 'open',
      ...(opts.resume ? { recordedPrefix: opts.resume.recorded } : {}),
      ...(opts.onTokenEvent ? { onTokenEvent: opts.onTokenEvent } : {}),
    });
  } catch (err) {
    // A failed resume leaves the run paused, its vault run open for the next decision.
    if (!opts.resume) await abandon(vault, config, opts.executionId, runner);
    throw err;
  }
  opts.onPlan?.(plan.order);
  let outcome;
  let sealTo;
  const stepKinds = withSpellKind(services.ports.stepKinds, spells.spellKind);
  try {
    sealTo = await loadSealHolders(config, services.ports.signer.keyid, opts.asOf);
    outcome = await executeRun(
      {
        runbook,
        plan,
        params,
        asOf: opts.asOf,
        actor: config.actor,
        executionId: opts.executionId,
        concurrency: config.concurrency,
        datasets: services.datasets,
        authorization: authorized.authorization,
        policyDigest: pinnedDigest,
        vault: { grant: grant.manifestGrant, open, settle },
        ...(opts.retryOf ? { retryOf: opts.retryOf } : {}),
        spells: spells.spells,
        effects: spells.effects,
        ...(opts.resume ? { approvals: opts.resume.approvals, resumeOf: { steps: opts.resume.pausedSteps } } : {}),
        ...(steps ? { steps } : {}),
      },
      { ...services.ports, stepKinds, ...(opts.onEvent ? { onEvent: opts.onEvent } : {}), ...(opts.signal ? { signal: opts.signal } : {}) },
    );
  } catch (err) {
    if (!settled && !opts.resume) await abandon(vault, config, opts.executionId, runner);
    throw err;
  } finally {
    await services.close();
  }
  // The RFC 3161 time anchor over the sealed manifest, before anything is written (runtime/time-anchor.ts).
  const anchor = await anchorManifest(outcome.manifest, tsa);
  outcome = { ...outcome, manifest: anchor.manifest };
  const change = new ChangeSet(config.attestationsDir);
  const ciRecord = ciContext(opts.env);
  const { paths, record } = await persistRun(
    outcome,
    {
      attestationsDir: config.attestationsDir,
      runbookFile: display,
      runbookText: text,
      startedAt: opts.startedAt,
      sealTo,
      ...(opts.retryOf ? { retryOf: opts.retryOf.executionId } : {}),
      ...(ciRecord ? { ci: ciRecord } : {}),
    },
    change,
  );
  const hooks = await afterRunHooks({
    config,
    outcome,
    paths,
    record,
    signer: services.ports.signer,
    notifier: services.ports.notifier,
    env: opts.env,
    change,
  });
  const committed = await commitChange(change);
  await hooks.sendNotices();
  const after = hooks.result;
  const failed = outcome.steps.find((s) => s.status === 'failed');
  return {
    executionId: opts.executionId,
    runbookId: runbook.runbookId,
    version: runbook.version,
    asOf: opts.asOf,
    actor: config.actor,
    executedBy: outcome.manifest.executedBy,
    status: outcome.status,
    verdict: record.verdict,
    merkleRoot: outcome.manifest.merkleRoot,
    manifestPath: paths.manifest,
    executionDir: paths.dir,
    durationMs: outcome.durationMs,
    steps: outcome.steps,
    failedProofs: outcome.failedProofs,
    ...(failed?.error ? { failedStep: { stepId: failed.stepId, code: failed.error.code, message: failed.error.message } } : {}),
    artifacts: record.artifacts.map((a) => ({ name: a.name, state: a.state, digest: a.digest })),
    ...(after.reviewTicket ? { reviewTicket: after.reviewTicket } : {}),
    ...(after.assignedTo ? { assignedTo: after.assignedTo } : {}),
    ...(after.notified ? { notified: after.notified } : {}),
    ...(after.notifyIssue ? { notifyIssue: after.notifyIssue } : {}),
    ...(after.deliveries ? { deliveries: after.deliveries } : {}),
    ...(after.undeliveredRecord ? { undeliveredRecord: after.undeliveredRecord } : {}),
    ...(after.verdict ? { verdictFiles: { score: after.verdict.score, evidence: after.verdict.evidence } } : {}),
    committed,
    ...(recovered.rolledBack.length + recovered.rolledForward.length + recovered.issues.length > 0 ? { recovered } : {}),
    vault: vaultReport,
    ...(outcome.pause ? { pause: outcome.pause } : {}),
    ...(anchor.report.anchored ? { timeAnchor: anchor.report.anchored } : {}),
    ...(anchor.report.issue ? { timeAnchorIssue: anchor.report.issue } : {}),
  };
}

/**
 * A run that threw before it could settle: with finalize-on-error (default) it finalizes as failed
 * with zero usage, releasing its reservation; without, it stays open for an operator (`pcq status`).
 * The original error is what the caller sees, so a failing finalize is not allowed to mask it.
 */
async function abandon(vault: PrepaidVault, config: PcqConfig, runId: string, runner: string): Promise<void> {
  if (!config.vault.finalizeOnError) return;
  await vault.finalizeRun({ runId, runner, usage: 0, ok: false }).catch(() => undefined);
}

/** Every step of the plan from the job files: a step no job file brings refuses the seal. */
async function sealSubset(
  dir: string,
  runbook: Runbook,
  order: readonly string[],
  params: Record<string, unknown>,
  asOf: string,
  signer: Signer,
): Promise<StepSubset> {
  const foreign = await loadForeignSteps(dir, { runbookDigest: runbook.source.digest, asOf, inputs: params }, new Set(order), signer);
  const missing = order.filter((id) => !foreign.has(id));
  if (missing.length > 0) {
    throw new PcqErrors([
      {
        code: 'PCQ_JOB_FILE_INVALID',
        message: `no job file brings ${missing.join(', ')}: the seal job needs every job's file`,
        hint: 'Run every job of the compiled workflow first; a failed job fails the workflow before the seal.',
      },
    ]);
  }
  return { own: new Set(), foreign };
}
