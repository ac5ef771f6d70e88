// `pcq run <runbook>`: validate and plan, run the DAG with live progress, sign every step, seal
// and store the manifest, and — when a precondition or postcondition failed — withhold the exports and open an
// ombuds review. Ends with a summary and where everything is.
import { randomBytes } from 'node:crypto';
import { join, relative, resolve } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { EXIT, printJson, type CliIo, type Command } from '../io.ts';
import { prepareDryRun } from '../../run/dry-run.ts';
import { CONFIG_FLAG_OPTIONS, configFlagsFromArgs, loadConfig } from '../../runtime/config.ts';
import { normaliseAsOf, parseInputFlags } from '../../run/run-params.ts';
import { runRunbookFile, type RunReport } from '../../run/run-runbook.ts';
import type { RetryLink } from '../../base/signed-records.ts';
import { runJobFile } from '../../run/run-job.ts';
import { ProgressWriter, formatSummary } from '../../run/progress.ts';
import { formatDuration } from '../../run/progress.ts';
import { formatTokenEventLine } from '../../run/token-progress.ts';
import { createRunLogger, logRunEvent, registerConfiguredSecrets } from '../../runtime/run-log.ts';
import { loadButtons, type Button } from '../../runtime/buttons.ts';
import { readRunbookFile } from '../../model/load-runbooks.ts';
import { PcqError, formatIssue } from '../../base/errors.ts';
import { redactText } from '../../base/secrets.ts';

const USAGE = `Usage: pcq run <runbook> [--input key=value]… [--as-of ISO-8601] [--json]

Runs a runbook on the configured graph store (embedded by default), signs a chained attestation
per step, seals attestations/<runbookId>/<executionId>/manifest.pcq and updates the index.

Options:
  --input key=value   a run parameter declared under the runbook's inputs (repeatable)
  --as-of ISO-8601    the run's clock (default: now, to the second); same as-of + inputs ⇒ same outputs
  --json              print the run report as JSON instead of progress lines
  --dry-run           run in a scratch copy of runbooks/ and policies/, signed with an ephemeral dev
                      key; same checks and report, nothing written to attestations/ or .pcq/,
                      nothing published (the scratch folder is deleted afterwards)
  --job ID --out FILE [--from DIR]   distributed run (pcq compile): run only job ID's steps on top of
                      the job files under DIR, write this job's file to FILE; signs and stores nothing
  --seal-from DIR     the seal job: take every step from the job files under DIR, then chain, sign,
                      seal and store the run exactly as a single-process run
  --concurrency N     steps run at once (default from policies/config.yaml, else 4)
  --actor NAME        who asks for the run (default: PCQ_ACTOR, GITHUB_ACTOR, else local:<OS user>)
  --mode dev|staging|prod   staging/prod require RUNNER_SECRET
  --allow-unsigned    run spells that carry no signature (recorded in their attestations); never
                      lifts a button's require_signature or PCQ_FORCE_REQUIRE_SIGNATURE=true, and
                      never admits a tampered bundle or a revoked or unknown key
  --button ID         run as the dispatch button ID of policies/buttons.yaml would (its runbook
                      must be this one; its require_signature applies)
  -h, --help          this text

Exit codes: 0 succeeded · 1 a step failed (or a precondition stopped it) · 3 invalid runbook or
inputs · 4 finished but blocked: a precondition or postcondition failed, exports withheld, ombuds review opened
`;

export const command: Command = {
  name: 'run',
  summary: 'Run a runbook; sign, seal and store its manifest',
  usage: USAGE,
  run: (argv: string[], io: CliIo): Promise<number> => runFromCli(argv, io, {}),
};

/** What `pcq retry` adds to a run: the original's resolved inputs and the signed link to it. */
export interface RunExtra {
  rawParams?: Record<string, unknown>;
  retryOf?: RetryLink;
}

export async function runFromCli(argv: string[], io: CliIo, extra: RunExtra): Promise<number> {
  {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        input: { type: 'string', multiple: true },
        'as-of': { type: 'string' },
        json: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        'allow-unsigned': { type: 'boolean' },
        button: { type: 'string' },
        job: { type: 'string' },
        from: { type: 'string' },
        out: { type: 'string' },
        'seal-from': { type: 'string' },
        ...CONFIG_FLAG_OPTIONS,
      },
      'run',
    );
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    if (positionals.length !== 1) {
      io.stderr('PCQ_USAGE pcq run takes exactly one runbook file — see `pcq run --help`.\n');
      return EXIT.usage;
    }
    let config = await loadConfig({ flags: configFlagsFromArgs(values), env: io.env, cwd: io.cwd });
    registerConfiguredSecrets(config.env, config.secrets.required, config.signer.pkcs11 ? [config.signer.pkcs11.pinEnv] : []);
    let file = resolve(io.cwd, positionals[0] as string);
    // The button is read from the real repository, before a dry run swaps in its scratch copy.
    const button = typeof values.button === 'string' ? await buttonForRun(config.root, values.button, file) : undefined;
    const dry =
      values['dry-run'] === true ? await prepareDryRun({ root: config.root, file, env: config.env, signingKeyEnv: config.secrets.signingKeyEnv }) : undefined;
    if (dry) {
      // The scratch copy is the repository for this run: dev mode, its own fresh key and overlay.
      // Both output folders are named inside the scratch root, whatever policies/config.yaml says.
      const flags = {
        ...configFlagsFromArgs(values),
        root: dry.root,
        mode: 'dev',
        signer: undefined,
        config: undefined,
        attestationsDir: join(dry.root, 'attestations'),
        outboxDir: join(dry.root, '.pcq/outbox'),
      };
      config = await loadConfig({ flags, env: dry.env, cwd: dry.root });
      file = dry.file;
    }
    const log = createRunLogger({ level: config.logLevel, write: io.stderr });
    log.debug(
      {
        mode: config.mode,
        signer: config.signer.kind,
        settings: Object.fromEntries(Object.entries(config.entries).map(([k, e]) => [k, `${e.value} (${e.origin})`])),
      },
      'configuration',
    );
    const asOf = normaliseAsOf(typeof values['as-of'] === 'string' ? values['as-of'] : new Date().toISOString());
    const rawParams = extra.rawParams ?? parseInputFlags((values.input as string[] | undefined) ?? []);
    if (typeof values.job === 'string') {
      if (typeof values.out !== 'string') {
        io.stderr('PCQ_USAGE pcq run --job needs --out FILE (where the job file goes) — see `pcq run --help`.\n');
        return EXIT.usage;
      }
      const done = await runJobFile({
        config,
        file: resolve(io.cwd, positionals[0] as string),
        rawParams,
        asOf,
        env: config.env,
        job: values.job,
        out: resolve(io.cwd, values.out),
        ...(typeof values.from === 'string' ? { from: resolve(io.cwd, values.from) } : {}),
        allowUnsigned: values['allow-unsigned'] === true,
        ...(button?.requireSignature ? { buttonRequiresSignature: { button: button.id } } : {}),
      });
      const failed = done.steps.filter((s) => s.status === 'failed');
      // The job's log is all a workflow run shows of a failed step: name its code and message.
      for (const s of failed) io.stderr(`✗ ${s.stepId}: ${s.error ? `${s.error.code} ${redactText(s.error.message)}` : 'failed'}\n`);
      io.stdout(
        values.json
          ? JSON.stringify({ job: done.job, out: done.out, steps: done.steps.map((s) => ({ stepId: s.stepId, status: s.status })) }) + '\n'
          : `job ${done.job}: ${done.steps.length} steps, ${failed.length} failed → ${relative(io.cwd, done.out)}\n`,
      );
      return failed.length === 0 ? EXIT.ok : EXIT.failed;
    }
    let progress: ProgressWriter | undefined;
    let report: RunReport;
    try {
      report = await runRunbookFile({
        allowUnsigned: values['allow-unsigned'] === true,
        ...(button?.requireSignature ? { buttonRequiresSignature: { button: button.id } } : {}),
        ...(typeof values['seal-from'] === 'string' ? { sealFrom: resolve(io.cwd, values['seal-from']) } : {}),
        config,
        file,
        rawParams,
        asOf,
        env: config.env,
        executionId: newExecutionId(new Date()),
        startedAt: new Date().toISOString(),
        ...(extra.retryOf ? { retryOf: extra.retryOf } : {}),
        onPlan: (order) => {
          if (!values.json) {
            progress = new ProgressWriter({ write: io.stdout, isTTY: io.isTTY, stepIds: order });
            progress.drawAll();
            progress.startTicking();
          }
        },
        onEvent: (event) => {
          progress?.onEvent(event);
          logRunEvent(log, event);
        },
        onTokenEvent: (event) => {
          progress?.line(formatTokenEventLine(event));
          logRunEvent(log, event);
        },
      });
    } finally {
      progress?.stop();
      await dry?.cleanup();
    }
    if (report.reviewTicket)
      logRunEvent(log, {
        type: 'review-opened',
        executionId: report.executionId,
        ticket: relative(io.cwd, report.reviewTicket),
        ...(report.assignedTo ? { assignedTo: report.assignedTo } : {}),
      });
    for (const d of report.deliveries ?? [])
      logRunEvent(log, { type: d.delivered ? 'notice-delivered' : 'notice-undelivered', executionId: report.executionId, ...d });
    log.debug({ executionId: report.executionId, status: report.status, verdict: report.verdict }, `run ${report.executionId} ${report.status}`);
    if (dry && !values.json)
      io.stdout(
        `\nDRY RUN: signed with an ephemeral key in a scratch folder (deleted); nothing written to attestations/ or .pcq/, nothing published (the paths above were in the scratch folder).\n`,
      );
    if (values.json) {
      printJson(io, dry ? { ...report, dryRun: true } : report);
    } else {
      const blockedBy = new Map(report.failedProofs.map((f) => [f.stepId, `${f.phase} ${f.proof.prover}`]));
      io.stdout(
        '\n' +
          formatSummary(
            report.steps.map((s) => ({
              id: s.stepId,
              status: s.status,
              attempts: s.attempts,
              durationMs: s.durationMs,
              ...(blockedBy.has(s.stepId) ? { blockedByProver: blockedBy.get(s.stepId)! } : {}),
            })),
            report.durationMs,
          ),
      );
      io.stdout(describe(report, io.cwd));
    }
    // A TSA that failed at seal time: the run is kept unanchored, and said loudly on stderr too;
    // where an anchor is required the command exits 75 (transient: the TSA may answer later).
    if (report.timeAnchorIssue) {
      io.stderr(formatIssue(report.timeAnchorIssue) + '\n');
      if (config.timeAnchor.required && !report.timeAnchor) return EXIT.transient;
    }
    // paused (waiting for an approver) and rejected (by one) withhold the exports like blocked: exit 4.
    return report.status === 'succeeded' ? EXIT.ok : ['blocked', 'paused', 'rejected'].includes(report.status) ? EXIT.blocked : EXIT.failed;
  }
}

/** The vault run: its states (contracts/README.md "Run states"), who granted it and what it cost. */
export function describeVault(report: RunReport): string {
  const v = report.vault;
  return `run state: ${v.states.join(' → ')} · grant ${v.grantId} by ${v.user} (${v.grantSource}) · cost ${v.usage ?? '?'} of ${v.reserved} step unit(s) reserved · ${v.spentAfter ?? '?'}/${v.budget} spent on the ${v.backend} vault`;
}

/** Sortable by start time, unique without coordination: 20261122T034501Z-<6 random hex>. */
export function newExecutionId(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

function describe(report: RunReport, cwd: string): string {
  const rel = (p: string): string => relative(cwd, p) || '.';
  const lines = [
    '',
    `${report.runbookId} v${report.version} · execution ${report.executionId} · as of ${report.asOf} · ${formatDuration(report.durationMs)}`,
    `verdict: ${report.verdict}   merkle root: ${report.merkleRoot}`,
    `manifest: ${rel(report.manifestPath)}   (verify: pcq verify ${rel(report.manifestPath)})`,
    describeVault(report),
  ];
  for (const f of report.failedProofs) {
    lines.push(`✗ ${f.phase} ${f.proof.prover} on ${f.stepId}: ${f.proof.evidence}`);
  }
  if (report.artifacts.length > 0) {
    const state = report.status === 'succeeded' ? 'released' : 'WITHHELD';
    lines.push(`exports (${state}): ${report.artifacts.map((a) => a.name).join(', ')}`);
  }
  if (report.pause) {
    lines.push(`⏸ paused at approval step ${report.pause.stepId}: ${report.pause.message}`);
    lines.push(`  decide: pcq approve ${report.executionId} --decision approve|reject --by <login>`);
  }
  if (report.status === 'rejected') lines.push('⛔ an approver rejected the run: nothing after the approval ran, exports withheld');
  if (report.reviewTicket) lines.push(`ombuds review opened: ${rel(report.reviewTicket)} (assigned to ${report.assignedTo ?? '—'})`);
  if (report.notified) lines.push(`ombuds notified: ${report.notified.join(', ')}`);
  if (report.notifyIssue) lines.push(`⚠ the review notice was not sent: ${report.notifyIssue.code} ${report.notifyIssue.message}`);
  for (const d of report.deliveries ?? []) {
    if (d.channel === 'email') continue; // reported just above
    lines.push(
      d.delivered
        ? `escalated to ${d.channel} ${d.name} (${d.attempts} attempt${d.attempts === 1 ? '' : 's'})`
        : `⚠ escalation to ${d.channel} ${d.name} NOT delivered after ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}: ${d.code} ${d.message}`,
    );
  }
  if (report.undeliveredRecord) lines.push(`undelivered notices recorded in ${rel(report.undeliveredRecord)}`);
  if (report.verdictFiles)
    lines.push(`verdict files: ${rel(report.verdictFiles.score)} (+ evidence.tar.gz, verdict.sig, verdict.pub; check with pcq verify-verdict)`);
  if (report.recovered) {
    const r = report.recovered;
    if (r.rolledForward.length + r.rolledBack.length > 0)
      lines.push(`store repaired first: ${r.rolledForward.length} interrupted change(s) finished, ${r.rolledBack.length} undone`);
    for (const issue of r.issues) lines.push(`⚠ ${issue.code} ${issue.message}`);
  }
  if (report.timeAnchor) lines.push(`time anchor: stamped by ${report.timeAnchor.tsa} at ${report.timeAnchor.genTime} (${report.timeAnchor.tsaUrl})`);
  if (report.timeAnchorIssue) lines.push(`⚠ ${report.timeAnchorIssue.code} ${report.timeAnchorIssue.message}`);
  if (report.failedStep) lines.push(`✗ stopped at ${report.failedStep.stepId}: ${report.failedStep.code} ${report.failedStep.message}`);
  return lines.join('\n') + '\n';
}

/** `--button`: the button must exist and start this runbook; the run then obeys its require_signature. */
async function buttonForRun(root: string, id: string, file: string): Promise<Button> {
  const buttons = await loadButtons(root);
  const button = buttons.get(id);
  if (!button)
    throw new PcqError({
      code: 'PCQ_BUTTON_UNKNOWN',
      message: `no button ${id} in policies/buttons.yaml`,
      hint: `Buttons: ${[...buttons.keys()].join(', ')}.`,
    });
  const parsed = await readRunbookFile(file, file);
  const runbookId = parsed.runbook?.runbookId ?? parsed.draft?.runbookId;
  if (runbookId !== button.runbook)
    throw new PcqError({
      code: 'PCQ_USAGE',
      message: `button ${id} starts runbook ${button.runbook}, not ${String(runbookId)}`,
      hint: 'Pass the runbook the button names.',
    });
  return button;
}
