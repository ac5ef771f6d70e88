// `pcq validate [PATH…]`: the run's preflight, every problem at once, one
// `file:line:col: CODE message — hint` line each, before anything runs. Per runbook: YAML safety and
// syntax, the JSON Schema, the DAG (cycles, dangling needs, duplicate ids, undeclared provers), then
// every check of run/preflight/checks.ts RUNBOOK_CHECKS (step kinds, provers, connectors, datasets),
// the same list `pcq run` calls. Per repository: REPOSITORY_CHECKS (each policies/ file against its
// own schema, the dev trust overlay, buttons naming existing runbook versions, duplicate runbookIds).
import { relative, resolve, isAbsolute } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { EXIT, printJson, type CliIo, type Command } from '../io.ts';
import { formatIssue, isError, type PcqIssue } from '../../base/errors.ts';
import type { Runbook } from '../../model/runbook.ts';
import { loadRunbooks } from '../../model/load-runbooks.ts';
import { graphIssues } from '../../plan/graph-issues.ts';
import { runRepositoryChecks, runRunbookChecks } from '../../run/preflight/checks.ts';
import { loadPreflightContext } from '../../run/preflight/context.ts';
import { listPolicyFiles } from '../../run/preflight/policy-files.ts';

/** Extra static checks on a runbook that passed schema and graph checks (step kinds, provers). */
export type RunbookChecker = (runbook: Runbook) => PcqIssue[] | Promise<PcqIssue[]>;

const USAGE = `Usage: pcq validate [PATH…] [--json]

Checks runbooks (files, or folders of *.yaml|*.yml|*.json; default: runbooks/) and reports every
problem at once, one line each:  file:line:col: CODE message — hint
Also checks the repository the command runs in: every policies/ file against its schema, the trust
store and its dev overlay, buttons (runbook and version exist), connectors, datasets (exist, inside
the repository), duplicate runbookIds. Whatever validate accepts, \`pcq run\` does not refuse for a
reason validate could have seen.

Options:
  --json     machine-readable result: {ok, files, issues}
  -h, --help this text

Exit codes: 0 all valid · 3 problems found · 2 bad arguments
`;

export const command: Command = {
  name: 'validate',
  summary: 'Check runbooks, spells and policies; report every problem with file:line',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } }, 'validate');
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    const paths = positionals.length > 0 ? positionals : ['runbooks/'];
    const result = await validateRepository(
      io.cwd,
      paths.map((p) => resolve(io.cwd, p)),
    );
    const issues = result.issues.map((issue) => displayRelative(issue, io.cwd));
    const errors = issues.filter(isError);
    const warnings = issues.length - errors.length;
    if (values.json) {
      printJson(io, { ok: errors.length === 0, files: result.files.map((f) => shortPath(f, io.cwd)), policyFiles: result.policyFiles ?? [], issues });
    } else {
      for (const issue of issues) io.stdout(formatIssue(issue) + '\n');
      const runbooks = result.files.length;
      const policyFiles = result.policyFiles?.length ?? 0;
      const files = runbooks + policyFiles;
      const bad = new Set(errors.map((i) => i.location?.file)).size;
      const warned = warnings === 0 ? '' : ` (${warnings} warning${warnings === 1 ? '' : 's'})`;
      const policies = policyFiles === 0 ? '' : ` and ${policyFiles} policy file${policyFiles === 1 ? '' : 's'}`;
      io.stdout(
        errors.length === 0
          ? `✓ ${runbooks} runbook${runbooks === 1 ? '' : 's'}${policies} valid${warned}\n`
          : `✗ ${errors.length} problem${errors.length === 1 ? '' : 's'} in ${bad} of ${files} file${files === 1 ? '' : 's'}${warned}\n`,
      );
    }
    return errors.length === 0 ? EXIT.ok : EXIT.invalid;
  },
};

export interface ValidationResult {
  files: string[];
  /** Repository-relative policy files the repository checks read (validateRepository only). */
  policyFiles?: string[];
  runbooks: Runbook[];
  issues: PcqIssue[];
}

/** Validates files and folders; `checker` adds the step kinds' own checks when available. */
export async function validatePaths(paths: string[], options: { checker?: RunbookChecker | undefined } = {}): Promise<ValidationResult> {
  const loaded = await loadRunbooks(paths);
  const issues: PcqIssue[] = [];
  const runbooks: Runbook[] = [];
  // Path problems (missing folder) carry no file of their own in `loaded.files`.
  const fileIssues = new Set(loaded.files.flatMap((f) => f.issues));
  issues.push(...loaded.issues.filter((i) => !fileIssues.has(i)));
  if (loaded.files.length === 0 && issues.length === 0) {
    issues.push({
      code: 'PCQ_NO_RUNBOOKS',
      message: `no runbook files (*.yaml, *.yml, *.json) in ${paths.join(', ')}`,
      hint: 'Pass a runbook file or a folder that contains runbooks.',
    });
  }
  for (const file of loaded.files) {
    const own = [...file.issues];
    // Graph problems are found on the draft too, so a typo and a cycle are reported together.
    const draft = file.runbook ?? file.draft;
    if (draft) own.push(...graphIssues(draft));
    if (!own.some(isError) && file.runbook) {
      if (options.checker) own.push(...(await safeCheck(options.checker, file.runbook)));
      if (!own.some(isError)) runbooks.push(file.runbook);
    }
    issues.push(...own);
  }
  return { files: loaded.files.map((f) => f.file), runbooks, issues };
}

async function safeCheck(checker: RunbookChecker, runbook: Runbook): Promise<PcqIssue[]> {
  try {
    return await checker(runbook);
  } catch (err) {
    return [
      {
        code: 'PCQ_CHECK_CRASHED',
        message: `a static check crashed on ${runbook.runbookId}: ${(err as Error).message}`,
        hint: 'This is a bug in pcq; please report it with the runbook.',
        location: { file: runbook.source.file, line: 1, col: 1 },
      },
    ];
  }
}

/** The runbook checks of the run's preflight (run/preflight/checks.ts), in the repository at `root`. */
export async function loadDefaultChecker(root: string = process.cwd()): Promise<RunbookChecker> {
  const ctx = await loadPreflightContext(root);
  return (runbook) => runRunbookChecks(runbook, ctx);
}

/** `paths` checked as runbooks, then the repository at `root` (policies, buttons, ids across files). */
export async function validateRepository(root: string, paths: string[]): Promise<ValidationResult> {
  const ctx = await loadPreflightContext(root);
  const result = await validatePaths(paths, { checker: (runbook) => runRunbookChecks(runbook, ctx) });
  result.issues.push(...(await runRepositoryChecks(ctx, result.runbooks)));
  return { ...result, policyFiles: await listPolicyFiles(root) };
}

function displayRelative(issue: PcqIssue, cwd: string): PcqIssue {
  if (!issue.location) return issue;
  return { ...issue, location: { ...issue.location, file: shortPath(issue.location.file, cwd) } };
}

function shortPath(file: string, cwd: string): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(cwd, file);
  return rel.startsWith('..') ? file : rel;
}
