// `pcq validate [PATH…]`: every problem in every runbook, one `file:line:col: CODE message — hint`
// line each, before anything runs. Layers, all reported in one pass: YAML safety and syntax, the
// JSON Schema, the DAG (cycles, dangling needs, duplicate ids, unknown provers), then each step
// kind's own static check (CEL compiles, Cypher present, ...) once the step registry exists.
import { relative, resolve, isAbsolute } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { EXIT, type CliIo, type Command } from '../io.ts';
import { formatIssue, isError, type PcqIssue } from '../../base/errors.ts';
import type { Runbook } from '../../model/runbook.ts';
import { loadRunbooks } from '../../model/load-runbooks.ts';
import { graphIssues } from '../../plan/graph-issues.ts';
import { createCelEngine } from '../../runtime/cel.ts';
import { loadPolicySet } from '../../runtime/policy-set.ts';
import { staticIssues } from '../../run/static-checks.ts';
import { join } from 'node:path';
import { existsSync } from 'node:fs';

/** Extra static checks on a runbook that passed schema and graph checks (step kinds, provers). */
export type RunbookChecker = (runbook: Runbook) => PcqIssue[];

const USAGE = `Usage: pcq validate [PATH…] [--json]

Checks runbooks (files, or folders of *.yaml|*.yml|*.json; default: runbooks/) and reports every
problem at once, one line each:  file:line:col: CODE message — hint

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
    const result = await validatePaths(paths.map((p) => resolve(io.cwd, p)), { checker: await loadDefaultChecker(io.cwd) });
    const issues = result.issues.map((issue) => displayRelative(issue, io.cwd));
    const errors = issues.filter(isError);
    const warnings = issues.length - errors.length;
    if (values.json) {
      io.stdout(JSON.stringify({ ok: errors.length === 0, files: result.files.map((f) => shortPath(f, io.cwd)), issues }, null, 2) + '\n');
    } else {
      for (const issue of issues) io.stdout(formatIssue(issue) + '\n');
      const files = result.files.length;
      const bad = new Set(errors.map((i) => i.location?.file)).size;
      const warned = warnings === 0 ? '' : ` (${warnings} warning${warnings === 1 ? '' : 's'})`;
      io.stdout(
        errors.length === 0
          ? `✓ ${files} runbook${files === 1 ? '' : 's'} valid${warned}\n`
          : `✗ ${errors.length} problem${errors.length === 1 ? '' : 's'} in ${bad} of ${files} file${files === 1 ? '' : 's'}${warned}\n`,
      );
    }
    return errors.length === 0 ? EXIT.ok : EXIT.invalid;
  },
};

export interface ValidationResult {
  files: string[];
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
      if (options.checker) own.push(...safeCheck(options.checker, file.runbook));
      if (!own.some(isError)) runbooks.push(file.runbook);
    }
    issues.push(...own);
  }
  return { files: loaded.files.map((f) => f.file), runbooks, issues };
}

function safeCheck(checker: RunbookChecker, runbook: Runbook): PcqIssue[] {
  try {
    return checker(runbook);
  } catch (err) {
    return [{
      code: 'PCQ_CHECK_CRASHED',
      message: `a static check crashed on ${runbook.runbookId}: ${(err as Error).message}`,
      hint: 'This is a bug in pcq; please report it with the runbook.',
      location: { file: runbook.source.file, line: 1, col: 1 },
    }];
  }
}

/** Each step kind's and prover's own static check (run/static-checks.ts, shared with `pcq run`). */
export async function loadDefaultChecker(root: string = process.cwd()): Promise<RunbookChecker> {
  const cel = createCelEngine();
  // Policies make the authority check able to tell whether a named rule exists; optional here.
  const policies = existsSync(join(root, 'policies', 'authority.yaml')) ? await loadPolicySet(join(root, 'policies')).catch(() => undefined) : undefined;
  return (runbook) => staticIssues(runbook, cel, policies);
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
