// The `run` use case shared by the CLI and the Action: runbook file in, stored execution out.
// Validates exactly as `pcq validate` does, resolves inputs, opens the ports (run-services.ts),
// executes, persists, then applies the consequences of the verdict (review ticket, verdict files).
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import type { PcqConfig } from '../runtime/config.ts';
import { PcqErrors, isError, type PcqIssue } from '../base/errors.ts';
import { readRunbookFile } from '../model/load-runbooks.ts';
import { planRunbook } from '../plan/plan.ts';
import { graphIssues } from '../plan/graph-issues.ts';
import { loadPolicySet } from '../runtime/policy-set.ts';
import { resolveParams } from './run-params.ts';
import { openRunServices } from './run-services.ts';
import { executeRun } from './execute-run.ts';
import type { FailedProof, StepSummary } from '../base/run-record.ts';
import { persistRun } from './persist-run.ts';
import { loadSealHolders } from './seal-private.ts';
import { runRunbookChecks } from './preflight/checks.ts';
import { loadPreflightContext } from './preflight/context.ts';
import { afterRunHooks } from './after-run.ts';
import { authorizeRunnerAtStart } from './authorize-runner.ts';
import type { SchedulerEvent } from './scheduler-types.ts';
import type { Verdict } from '../base/run-record.ts';
import { readIndex } from '../store/execution-index.ts';
import { ChangeSet } from '../store/change-set.ts';
import { commitChange, recoverStore, type CommittedChange, type RecoveryReport } from '../store/execution-store.ts';
import { join } from 'node:path';
import { policyDigest } from '../runtime/policy-digest.ts';
import { policyPinIssues } from '../runtime/policy-pin.ts';

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
  signal?: AbortSignal;
  /** The wall clock for the authorization check (default: the system clock). */
  now?: () => Date;
}

export interface RunReport {
  executionId: string;
  runbookId: string;
  version: string;
  asOf: string;
  actor: string;
  executedBy: string;
  status: 'succeeded' | 'failed' | 'blocked';
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
  /** The signed verdict files written beside the manifest. */
  verdictFiles?: { score: string; evidence: string };
  /** What the store committed that may be published (public files only): the Action's publishing commit. */
  committed: CommittedChange;
  /** What the store repaired before the run (transactions a killed process left). */
  recovered?: RecoveryReport;
}

export async function runRunbookFile(opts: RunRunbookOptions): Promise<RunReport> {
  const { config } = opts;
  // The policy pin first: it reads only policies/ and refuses with nothing written in any mode.
  const policies0 = await policyDigest(config.root);
  const pinned = policyPinIssues(config.policyHash, policies0.digest);
  if (pinned.length > 0) throw new PcqErrors(pinned);
  // docs/design.md §7: the runner key is authorized before anything is read, opened or written.
  const authorized = await authorizeRunnerAtStart({ config, env: opts.env, asOf: opts.asOf, now: (opts.now ?? (() => new Date()))() });
  const display = relative(config.root, opts.file) || opts.file;
  const parsed = await readRunbookFile(opts.file, display);
  const draft = parsed.runbook ?? parsed.draft;
  const problems = [...parsed.issues, ...(draft ? graphIssues(draft) : [])].filter(isError);
  if (problems.length > 0 || !parsed.runbook) throw new PcqErrors(problems);
  const runbook = parsed.runbook;
  const plan = planRunbook(runbook);
  // Strict here (a broken policy file refuses the run); validate reports the same file leniently.
  const policies = await loadPolicySet(join(config.root, 'policies'));
  // The runbook checks of the preflight, the very list `pcq validate` runs (run/preflight/checks.ts).
  const checks = (await runRunbookChecks(runbook, { ...(await loadPreflightContext(config.root)), policies })).filter(isError);
  if (checks.length > 0) throw new PcqErrors(checks);
  const params = resolveParams(runbook, opts.rawParams);
  const text = await readFile(opts.file, 'utf8');
  // The store first, before any work: finish what a killed process left, and refuse now (not
  // after the whole run) when the index cannot take this run.
  const recovered = await recoverStore(config.attestationsDir);
  await readIndex(config.attestationsDir);

  const services = await openRunServices({ config, runbook, params, asOf: opts.asOf, env: opts.env, mode: 'live', signer: authorized.signer });
  opts.onPlan?.(plan.order);
  let outcome;
  let sealTo;
  try {
    sealTo = await loadSealHolders(config, services.ports.signer.keyid, opts.asOf);
    outcome = await executeRun(
      { runbook, plan, params, asOf: opts.asOf, actor: config.actor, executionId: opts.executionId, concurrency: config.concurrency, datasets: services.datasets, authorization: authorized.authorization, policyDigest: policies0.digest },
      { ...services.ports, ...(opts.onEvent ? { onEvent: opts.onEvent } : {}), ...(opts.signal ? { signal: opts.signal } : {}) },
    );
  } finally {
    await services.close();
  }
  const change = new ChangeSet(config.attestationsDir);
  const { paths, record } = await persistRun(outcome, { attestationsDir: config.attestationsDir, runbookFile: display, runbookText: text, startedAt: opts.startedAt, sealTo }, change);
  const hooks = await afterRunHooks({ config, outcome, paths, record, signer: services.ports.signer, notifier: services.ports.notifier, env: opts.env, change });
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
    ...(after.verdict ? { verdictFiles: { score: after.verdict.score, evidence: after.verdict.evidence } } : {}),
    committed,
    ...(recovered.rolledBack.length + recovered.rolledForward.length + recovered.issues.length > 0 ? { recovered } : {}),
  };
}
