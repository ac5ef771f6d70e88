// `pcq compile <runbook> --target github-actions [--out FILE] [--jobs]`: the runbook as a workflow
// whose jobs follow its DAG (github/compile-workflow.ts; plan/jobs.ts groups the steps).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { EXIT, printJson, type CliIo, type Command } from '../io.ts';
import { PcqError, PcqErrors, isError } from '../../base/errors.ts';
import { readRunbookFile } from '../../model/load-runbooks.ts';
import { planRunbook } from '../../plan/plan.ts';
import { graphIssues } from '../../plan/graph-issues.ts';
import { distributionIssues, partitionJobs } from '../../plan/jobs.ts';
import { compileWorkflow } from '../../github/compile-workflow.ts';

const USAGE = `Usage: pcq compile <runbook> --target github-actions [--out FILE] [--jobs | --json]

Writes a GitHub Actions workflow that runs <runbook> as jobs following its DAG: every step that
touches the graph in one job (graph state never travels), the other steps fanned out around it,
job files handed on as artifacts, and a final seal job that chains, signs, seals and verifies.
The sealed Merkle root equals \`pcq run\`'s for the same inputs and asOf.

Options:
  --target T   github-actions (the only target)
  --out FILE   write the workflow there (default: print it)
  --jobs, --json  print the job graph as JSON instead (schemas/cli/compile.schema.json)
  -h, --help   this text

Exit codes: 0 compiled · 2 bad arguments · 3 the runbook is invalid, or has a step that cannot be
spread across jobs (PCQ_COMPILE_UNSUPPORTED: a step kind job files cannot carry)
`;

export const command: Command = {
  name: 'compile',
  summary: 'Compile a runbook to a GitHub Actions workflow whose jobs follow its DAG',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(
      argv,
      { target: { type: 'string' }, out: { type: 'string' }, jobs: { type: 'boolean' }, json: { type: 'boolean' } },
      'compile',
    );
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    if (positionals.length !== 1 || values.target !== 'github-actions') {
      throw new PcqError({ code: 'PCQ_USAGE', message: 'compile takes one runbook file and --target github-actions', hint: 'See `pcq compile --help`.' });
    }
    const file = resolve(io.cwd, positionals[0] as string);
    const display = relative(io.cwd, file) || file;
    const parsed = await readRunbookFile(file, display);
    const draft = parsed.runbook ?? parsed.draft;
    const problems = [...parsed.issues, ...(draft ? graphIssues(draft) : [])].filter(isError);
    if (problems.length > 0 || !parsed.runbook) throw new PcqErrors(problems);
    const refused = distributionIssues(parsed.runbook);
    if (refused.length > 0) throw new PcqErrors(refused);
    const jobs = partitionJobs(parsed.runbook, planRunbook(parsed.runbook));
    if (values.jobs || values.json) {
      printJson(io, { runbookId: parsed.runbook.runbookId, target: 'github-actions', ...jobs });
      return EXIT.ok;
    }
    const workflow = compileWorkflow(parsed.runbook, display, jobs);
    if (typeof values.out === 'string') {
      const out = resolve(io.cwd, values.out);
      await mkdir(dirname(out), { recursive: true });
      await writeFile(out, workflow);
      io.stdout(`${relative(io.cwd, out)}: ${jobs.jobs.length} jobs + seal\n`);
    } else io.stdout(workflow);
    return EXIT.ok;
  },
};
