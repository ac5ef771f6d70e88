// `pcq logs <executionId> [step]`: the execution logs a run kept (private/logs/<stepId>.log, spell
// steps' output, redacted when written; never published), with each step's status and error.
// `pcq logs prune` (seed 004 §10): apply log retention to those logs and report each removal;
// never touches a manifest or any record but the logs (store/log-retention.ts). An execution id is
// never "prune" (ids are timestamps, base/safe-name.ts), so the two forms cannot be confused.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { EXIT, printJson, type CliIo, type Command } from '../io.ts';
import { PcqError } from '../../base/errors.ts';
import { suggestion } from '../../base/did-you-mean.ts';
import { CONFIG_FLAG_OPTIONS, configFlagsFromArgs, loadConfig, type PcqConfig } from '../../runtime/config.ts';
import { pruneExecutionLogs } from '../../store/log-retention.ts';
import { recoverStore } from '../../store/execution-store.ts';
import { readIndex } from '../../store/execution-index.ts';
import { executionPaths } from '../../store/layout.ts';
import { readRunRecord } from '../../store/read-records.ts';
import { resolveExecution } from '../execution-ref.ts';
import { blockedByOf, type ShownStatus } from '../execution-view.ts';

const USAGE = `Usage: pcq logs <executionId> [step] [--json]
       pcq logs prune [--dry-run] [--json]

pcq logs <executionId> [step]: prints the execution logs of a stored run (spell steps write one:
attestations/<runbookId>/<executionId>/private/logs/<stepId>.log, private, never published), each
under its step's status — blocked, failed with its error code, skipped — for every step or for one.
The id may be any unique prefix (\`pcq runs\` lists them).

pcq logs prune: removes those logs older than the retention age (PCQ_LOG_RETENTION_DAYS or
logRetention.days in policies/config.yaml, default 14), then the oldest beyond the retention count
(PCQ_LOG_MAX_FILES or logRetention.maxFiles, default 500), and lists every file it removed.
Manifests and every other record are never removed.

Options:
  --dry-run  (prune) say what would be removed, remove nothing
  --json     logs: {schemaVersion, executionId, runbookId, steps: [{stepId, status, error?, log, text}]}
             prune: {schemaVersion, retention, dryRun, removed: [{path, reason, size}], kept}
  -h, --help this text

Exit codes: 0 ok · 2 bad arguments or an ambiguous prefix · 3 no such execution or step
`;

export const command: Command = {
  name: 'logs',
  summary: "Show a run's execution logs (per step); prune logs by age and count (retention)",
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' }, ...CONFIG_FLAG_OPTIONS }, 'logs');
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    if (positionals.length === 0 || positionals.length > 2 || (positionals[0] === 'prune' && positionals.length !== 1))
      throw new PcqError({ code: 'PCQ_USAGE', message: 'logs: expected `<executionId> [step]` or `prune`', hint: 'Run `pcq logs --help`.' });
    const config = await loadConfig({ flags: configFlagsFromArgs(values), env: io.env, cwd: io.cwd });
    await recoverStore(config.attestationsDir);
    if (positionals[0] === 'prune') return prune(config, io, values['dry-run'] === true, values.json === true);
    if (values['dry-run']) throw new PcqError({ code: 'PCQ_USAGE', message: 'logs: --dry-run goes with `prune`', hint: 'Run `pcq logs prune --dry-run`.' });
    return show(config, io, positionals[0]!, positionals[1], values.json === true);
  },
};

interface StepLog {
  stepId: string;
  status: ShownStatus;
  error?: { code: string; message: string };
  /** The log file, relative to the attestations folder; null when the step wrote none. */
  log: string | null;
  text: string | null;
}

async function show(config: PcqConfig, io: CliIo, ref: string, stepId: string | undefined, json: boolean): Promise<number> {
  const entry = resolveExecution((await readIndex(config.attestationsDir)).executions, ref);
  const paths = executionPaths(config.attestationsDir, entry.runbookId, entry.executionId);
  const record = await readRunRecord(join(paths.dir, 'run.json'));
  const ids = record.steps.map((s) => s.stepId);
  if (stepId !== undefined && !ids.includes(stepId))
    throw new PcqError({
      code: 'PCQ_STEP_NOT_FOUND',
      message: `execution ${entry.executionId} (${entry.runbookId}) has no step "${stepId}"`,
      hint: `Its steps: ${ids.join(', ')}.${suggestion(stepId, ids)}`,
    });
  const steps: StepLog[] = [];
  for (const s of record.steps) {
    if (stepId !== undefined && s.stepId !== stepId) continue;
    const rel = `${entry.path}/private/logs/${s.stepId}.log`;
    const text = await readOptional(join(config.attestationsDir, rel));
    steps.push({
      stepId: s.stepId,
      status: blockedByOf(s.stepId, record.failedProofs) !== undefined ? 'blocked' : s.status,
      ...(s.error ? { error: { code: s.error.code, message: s.error.message } } : {}),
      log: text === null ? null : rel,
      text,
    });
  }
  if (json) {
    printJson(io, { executionId: entry.executionId, runbookId: entry.runbookId, steps });
    return EXIT.ok;
  }
  const out: string[] = [];
  for (const s of steps) {
    out.push(`── ${s.stepId} (${s.status}${s.error ? `: ${s.error.code} ${s.error.message}` : ''}) ──`);
    if (s.text !== null) out.push(s.text.endsWith('\n') ? s.text.slice(0, -1) : s.text);
    else out.push('(no execution log: only spell steps write one, and `pcq logs prune` may have removed it)');
  }
  io.stdout(out.join('\n') + '\n');
  return EXIT.ok;
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function prune(config: PcqConfig, io: CliIo, dryRun: boolean, json: boolean): Promise<number> {
  const r = await pruneExecutionLogs(config.attestationsDir, config.logRetention, Date.now(), dryRun);
  if (json) {
    printJson(io, {
      retention: config.logRetention,
      dryRun,
      removed: r.removed.map((l) => ({ path: l.path, reason: l.reason, size: l.size })),
      kept: r.kept,
    });
    return EXIT.ok;
  }
  const verb = dryRun ? 'would remove' : 'removed';
  io.stdout(
    r.removed
      .map(
        (l) => `${verb} ${l.path} (${l.reason === 'age' ? `older than ${config.logRetention.days} days` : `beyond ${config.logRetention.maxFiles} files`})\n`,
      )
      .join('') + `${r.removed.length} log(s) ${verb}, ${r.kept} kept (retention: ${config.logRetention.days} days, ${config.logRetention.maxFiles} files)\n`,
  );
  return EXIT.ok;
}
