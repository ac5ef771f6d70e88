// `pcq plan <runbook> [--format text|mermaid|json]`: the DAG a run would execute, without running
// anything: deterministic order, levels, needs and the provers that guard each step.
import { resolve } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { EXIT, printJson, type CliIo, type Command } from '../io.ts';
import { formatIssue, PcqError, PcqErrors, type PcqIssue } from '../../base/errors.ts';
import { readRunbookFile } from '../../model/load-runbooks.ts';
import { planRunbook } from '../../plan/plan.ts';
import { renderPlanText } from '../../plan/render-text.ts';
import { renderMermaid } from '../../plan/render-mermaid.ts';
import { planToJson } from '../../plan/render-json.ts';

const FORMATS = ['text', 'mermaid', 'json'] as const;

const USAGE = `Usage: pcq plan <runbook> [--format text|mermaid|json] [--json]

Shows the DAG a run of <runbook> would execute: the order (topological, ties broken by stepId),
levels, what each step needs, and the provers that guard it. Nothing runs.

Options:
  --format F  text (default), mermaid (a flowchart for PR comments and the site) or json
  --json      same as --format json
  -h, --help  this text

Exit codes: 0 planned · 3 the runbook is invalid · 2 bad arguments
`;

export const command: Command = {
  name: 'plan',
  summary: "Show a runbook's DAG: order, levels, provers (text, mermaid or json)",
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, { format: { type: 'string' }, json: { type: 'boolean' } }, 'plan');
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    const format = values.json ? 'json' : (values.format ?? 'text');
    if (!(FORMATS as readonly string[]).includes(format)) {
      throw new PcqError({ code: 'PCQ_USAGE', message: `plan: unknown format "${format}"`, hint: `Use --format ${FORMATS.join('|')}.` });
    }
    if (positionals.length !== 1) {
      throw new PcqError({ code: 'PCQ_USAGE', message: 'plan: expected exactly one runbook file', hint: 'Run `pcq plan runbooks/R1-entity-enrichment.yaml`.' });
    }
    const file = positionals[0]!;
    const parsed = await readRunbookFile(resolve(io.cwd, file), file);
    const runbook = parsed.runbook;
    if (!runbook) return fail(io, parsed.issues, format === 'json');
    let plan;
    try {
      plan = planRunbook(runbook);
    } catch (err) {
      if (err instanceof PcqErrors) return fail(io, err.issues, format === 'json');
      throw err;
    }
    if (format === 'json') printJson(io, planToJson(plan, runbook));
    else if (format === 'mermaid') io.stdout(renderMermaid(plan, runbook));
    else io.stdout(renderPlanText(plan, runbook));
    return EXIT.ok;
  },
};

function fail(io: CliIo, issues: PcqIssue[], json: boolean): number {
  if (json) printJson(io, { ok: false, issues });
  else for (const issue of issues) io.stderr(formatIssue(issue) + '\n');
  return EXIT.invalid;
}
