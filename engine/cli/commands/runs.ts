// `pcq runs`: the run history from attestations/index.json (the store's own index, read and
// checked by store/execution-index.ts), newest first, filtered by runbook, status or verdict, start
// time and count.
import { parseCommandArgs } from '../args.ts';
import { EXIT, printJson, type CliIo, type Command } from '../io.ts';
import { PcqError } from '../../base/errors.ts';
import { suggestion } from '../../base/did-you-mean.ts';
import { CONFIG_FLAG_OPTIONS, configFlagsFromArgs, loadConfig } from '../../runtime/config.ts';
import { readIndex, type IndexEntry } from '../../store/execution-index.ts';
import { recoverBeforeRead } from '../../store/recover-before-read.ts';
import { formatIssue } from '../../base/errors.ts';
import { styleFor } from '../style.ts';

const USAGE = `Usage: pcq runs [--runbook ID] [--status S] [--verdict V] [--since WHEN] [--limit N] [--json]

The run history of this repository (attestations/index.json), newest first: execution id, runbook
and version, status, verdict, as-of, start time, actor.

Options:
  --runbook ID   only runs of this runbookId (repeatable)
  --status S     succeeded | failed | blocked (repeatable)
  --verdict V    pass | blocked | approved | rejected | failed (repeatable)
  --since WHEN   only runs started at or after WHEN: an ISO-8601 date or date-time, or an age
                 such as 30m, 12h, 7d
  --limit N      at most N runs (default 20; 0 for all)
  --json         {schemaVersion, total, shown, runs: [index entries]}
  -h, --help     this text

Exit codes: 0 listed (also when none match) · 2 bad arguments · 3 unreadable index
`;

const STATUSES = ['succeeded', 'failed', 'blocked'] as const;
const VERDICTS = ['pass', 'blocked', 'approved', 'rejected', 'failed'] as const;

export interface RunFilter {
  runbooks: string[];
  statuses: string[];
  verdicts: string[];
  since?: number;
  limit: number;
}

export const command: Command = {
  name: 'runs',
  summary: 'Run history: runs by runbook, status or verdict, since a date, newest first',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs(
      argv,
      {
        runbook: { type: 'string', multiple: true },
        status: { type: 'string', multiple: true },
        verdict: { type: 'string', multiple: true },
        since: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean' },
        ...CONFIG_FLAG_OPTIONS,
      },
      'runs',
    );
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    const filter: RunFilter = {
      runbooks: values.runbook ?? [],
      statuses: oneOf('--status', values.status ?? [], STATUSES),
      verdicts: oneOf('--verdict', values.verdict ?? [], VERDICTS),
      limit: parseLimit(values.limit),
      ...(values.since !== undefined ? { since: parseSince(values.since, Date.now()) } : {}),
    };
    const config = await loadConfig({ flags: configFlagsFromArgs(values), env: io.env, cwd: io.cwd });
    for (const issue of await recoverBeforeRead(config.attestationsDir)) io.stderr(formatIssue(issue) + '\n');
    const all = (await readIndex(config.attestationsDir)).executions;
    const unknown = filter.runbooks.filter((id) => !all.some((e) => e.runbookId === id));
    for (const id of unknown) io.stderr(`⚠ no run of runbook "${id}" in the history.${suggestion(id, new Set(all.map((e) => e.runbookId)))}\n`);
    const matching = filterRuns(all, filter);
    const runs = filter.limit === 0 ? matching : matching.slice(0, filter.limit);
    if (values.json) printJson(io, { total: matching.length, shown: runs.length, runs });
    else io.stdout(formatRuns(runs, matching.length, io));
    return EXIT.ok;
  },
};

/** The entries that pass every filter, newest first (the index's own order). */
export function filterRuns(entries: readonly IndexEntry[], f: RunFilter): IndexEntry[] {
  return entries.filter(
    (e) =>
      (f.runbooks.length === 0 || f.runbooks.includes(e.runbookId)) &&
      (f.statuses.length === 0 || f.statuses.includes(e.status)) &&
      (f.verdicts.length === 0 || f.verdicts.includes(e.verdict)) &&
      (f.since === undefined || Date.parse(e.startedAt) >= f.since),
  );
}

/** An ISO date or date-time, or an age (`30m`, `12h`, `7d`, `2w`) back from `now`; ms since the epoch. */
export function parseSince(text: string, now: number): number {
  const age = /^(\d+)([smhdw])$/.exec(text);
  if (age) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[age[2] as 's' | 'm' | 'h' | 'd' | 'w'];
    return now - Number(age[1]) * unit;
  }
  const at = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(at))
    throw new PcqError({
      code: 'PCQ_USAGE',
      message: `runs: --since "${text}" is neither an ISO-8601 date nor an age`,
      hint: 'Write e.g. --since 2026-11-16, --since 2026-11-16T08:00:00Z or --since 7d.',
    });
  return at;
}

function parseLimit(text: string | undefined): number {
  if (text === undefined) return 20;
  if (!/^\d+$/.test(text)) throw new PcqError({ code: 'PCQ_USAGE', message: `runs: --limit "${text}" is not a whole number`, hint: 'Write e.g. --limit 50.' });
  return Number(text);
}

function oneOf(flag: string, given: string[], allowed: readonly string[]): string[] {
  for (const v of given)
    if (!allowed.includes(v))
      throw new PcqError({
        code: 'PCQ_USAGE',
        message: `runs: ${flag} "${v}" is not one of ${allowed.join(', ')}`,
        hint: `Pass one of ${allowed.join(', ')}.${suggestion(v, allowed)}`,
      });
  return given;
}

function formatRuns(runs: readonly IndexEntry[], total: number, io: CliIo): string {
  const s = styleFor(io);
  if (total === 0) return 'no runs match (attestations/index.json)\n';
  const glyph = (e: IndexEntry): string => (e.status === 'succeeded' ? '✓' : e.status === 'blocked' ? '⛔' : '✗');
  const header = ['', 'execution', 'runbook', 'status', 'verdict', 'as of', 'started', 'actor'];
  const rows = runs.map((e) => [glyph(e), e.executionId, `${e.runbookId} v${e.version}`, e.status, e.verdict, e.executedAt, e.startedAt, e.actor]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  const line = (row: string[]): string =>
    row
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd();
  const more = total > runs.length ? ` (${total - runs.length} more: --limit 0 shows all)` : '';
  return [s.dim(line(header)), ...rows.map(line), `${runs.length} of ${total} run${total === 1 ? '' : 's'}${more}`].join('\n') + '\n';
}
