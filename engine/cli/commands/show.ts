// `pcq show <executionId>`: one stored run — its steps (status, blocked/skipped and why, attempts,
// duration, provers), verdict, who ran it and under which grant, reviews, and its files with
// digests. Accepts a unique prefix of the id (cli/execution-ref.ts).
import { parseCommandArgs } from '../args.ts';
import { EXIT, printJson, type CliIo, type Command } from '../io.ts';
import { PcqError, formatIssue } from '../../base/errors.ts';
import { CONFIG_FLAG_OPTIONS, configFlagsFromArgs, loadConfig } from '../../runtime/config.ts';
import { readIndex } from '../../store/execution-index.ts';
import { recoverBeforeRead } from '../../store/recover-before-read.ts';
import { formatDuration } from '../../run/progress.ts';
import { resolveExecution } from '../execution-ref.ts';
import { readExecutionView, type ExecutionView, type ShownStep } from '../execution-view.ts';
import { styleFor, type Style } from '../style.ts';

const USAGE = `Usage: pcq show <executionId> [--json]

Shows one stored run: runbook and version, status and verdict (from the signed manifest, reviews
included), as-of, actor, runner key, grant, Merkle root; each step with its status — a step whose
prover failed is shown as blocked, with the prover and its evidence; a skipped step with why —
attempts, duration and every precondition and postcondition; reviews; and the execution folder's
files with their sha256 digests (private/ files by name and size only). The id may be any unique
prefix (\`pcq runs\` lists them).

Options:
  --json     {schemaVersion, executionId, runbookId, version, status, verdict, asOf, actor, runner, grant,
             merkleRoot, inputs, steps[], reviews[], files[]} (schemas/cli/show.schema.json)
  -h, --help this text

Exit codes: 0 shown · 2 bad arguments or an ambiguous prefix · 3 no such execution, unreadable records
`;

export const command: Command = {
  name: 'show',
  summary: 'Show one run: steps (blocked, skipped), proofs, verdict, files with digests',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, ...CONFIG_FLAG_OPTIONS }, 'show');
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    if (positionals.length !== 1)
      throw new PcqError({ code: 'PCQ_USAGE', message: 'show: expected one execution id', hint: 'Run `pcq runs` for the ids, then `pcq show <id>`.' });
    const config = await loadConfig({ flags: configFlagsFromArgs(values), env: io.env, cwd: io.cwd });
    for (const issue of await recoverBeforeRead(config.attestationsDir)) io.stderr(formatIssue(issue) + '\n');
    const entry = resolveExecution((await readIndex(config.attestationsDir)).executions, positionals[0]!);
    const view = await readExecutionView(config.attestationsDir, entry);
    if (values.json) printJson(io, view);
    else io.stdout(formatView(view, styleFor(io)));
    return EXIT.ok;
  },
};

const GLYPH: Record<ShownStep['status'], string> = { succeeded: '✓', failed: '✗', skipped: '−', blocked: '⛔' };

function stepLine(step: ShownStep, width: number): string[] {
  const why =
    step.blockedBy !== undefined
      ? `blocked by ${step.blockedBy.phase} ${step.blockedBy.prover}`
      : step.status === 'skipped'
        ? `skipped${step.skipReason !== undefined ? ` (${step.skipReason})` : ''}`
        : step.status;
  const timing = step.status === 'skipped' ? '' : `  ${step.attempts} attempt${step.attempts === 1 ? '' : 's'}, ${formatDuration(step.durationMs)}`;
  const lines = [`  ${GLYPH[step.status]} ${step.stepId.padEnd(width)}  ${why}${timing}`];
  if (step.error) lines.push(`      ${step.error.code} ${step.error.message}`);
  for (const p of step.proofs) lines.push(`      ${p.result === 'pass' ? '✓' : '✗'} ${p.phase} ${p.prover}: ${p.evidence}`);
  return lines;
}

export function formatView(v: ExecutionView, s: Style): string {
  const width = Math.max(0, ...v.steps.map((st) => st.stepId.length));
  const count = (st: ShownStep['status']): number => v.steps.filter((x) => x.status === st).length;
  const lines = [
    s.bold(`${v.runbookId} v${v.version} · execution ${v.executionId}`),
    `status: ${v.status}   verdict: ${v.verdict}`,
    `as of ${v.asOf} · started ${v.startedAt} · ${formatDuration(v.durationMs)}`,
    `actor: ${v.actor}   runner: ${v.runner}`,
    `grant: ${v.grant ? `${v.grant.grantId} by ${v.grant.signer} (${v.grant.source})` : 'none recorded'}`,
    `merkle root: ${v.merkleRoot}`,
    `inputs: ${Object.keys(v.inputs).length === 0 ? '—' : JSON.stringify(v.inputs)}`,
    '',
    `steps (${v.steps.length}: ${count('succeeded')} succeeded, ${count('blocked')} blocked, ${count('failed')} failed, ${count('skipped')} skipped)`,
    ...v.steps.flatMap((st) => stepLine(st, width)),
  ];
  if (v.reviews.length > 0) lines.push('', 'reviews', ...v.reviews.map((r) => `  ${r.decision} by ${r.reviewer} at ${r.at}`));
  lines.push('', `files (attestations/${v.path}/)`);
  const pathWidth = Math.max(0, ...v.files.map((f) => f.path.length));
  const sizeWidth = Math.max(0, ...v.files.map((f) => String(f.size).length));
  for (const f of v.files)
    lines.push(
      `  ${f.path.padEnd(pathWidth)}  ${String(f.size).padStart(sizeWidth)} B${f.digest !== undefined ? `  ${s.dim(f.digest)}` : '  (private, not published)'}`,
    );
  lines.push('', s.dim(`verify: pcq verify attestations/${v.path}/manifest.pcq`));
  return lines.join('\n') + '\n';
}
