// Runbooks for the site, loaded through the engine's own model (engine/model: schema, implicit
// needs, defaults) and planner (engine/plan: longest-path levels), so the site shows exactly the
// DAG `pcq plan` and the runner see. Each file is checked the way `pcq validate` checks it (the
// run's preflight, cli/commands/validate.ts validateRepository): a runbook validate refuses is
// marked invalid on its page and in the list, with the coded, located errors, instead of being
// shown as if it could run. A file that does not even parse is listed with its errors.
import { PCQ_NPX } from '../base/version.ts';
import { isAbsolute, join, relative } from 'node:path';
import { validateRepository } from '../cli/commands/validate.ts';
import { loadRunbooks } from '../model/load-runbooks.ts';
import type { Runbook } from '../model/runbook.ts';
import { planRunbook } from '../plan/plan.ts';
import { isError, toIssues, type PcqIssue } from '../base/errors.ts';
import type { ButtonView, InvalidRunbookFileView, RunbookView } from './site-model.ts';

export interface ReadRunbooks {
  runbooks: RunbookView[];
  invalidFiles: InvalidRunbookFileView[];
}

export async function readRunbooks(root: string, buttons: ButtonView[], problems: PcqIssue[]): Promise<ReadRunbooks> {
  const dir = join(root, 'runbooks');
  let result: Awaited<ReturnType<typeof validateRepository>>;
  try {
    result = await validateRepository(root, [dir]);
  } catch (err) {
    problems.push(...toIssues(err));
    return { runbooks: [], invalidFiles: [] };
  }
  const rel = (file: string) => (isAbsolute(file) ? relative(root, file) || file : file);
  // Issues by the file they are located in (repository-relative); the rest are the repository's.
  const byFile = new Map<string, PcqIssue[]>();
  const seen = new Set<string>();
  for (const issue of result.issues) {
    if (issue.code === 'PCQ_FILE_NOT_FOUND' || issue.code === 'PCQ_NO_RUNBOOKS') continue;
    // The parse and the graph check can both name one problem: show it once.
    const key = JSON.stringify([issue.code, issue.message, issue.location]);
    if (seen.has(key)) continue;
    seen.add(key);
    const file = issue.location ? rel(issue.location.file) : '';
    const located = issue.location ? { ...issue, location: { ...issue.location, file } } : issue;
    (byFile.get(file) ?? byFile.set(file, []).get(file)!).push(located);
  }
  const out: RunbookView[] = [];
  const invalidFiles: InvalidRunbookFileView[] = [];
  const valid = new Set(result.runbooks.map((r) => r.source.file));
  const parsed = new Map<string, Runbook>();
  for (const r of (await loadRunbooks([dir])).files) {
    const rb = r.runbook;
    if (rb) parsed.set(r.file, rb);
    else invalidFiles.push({ file: rel(r.file), ...(r.draft ? { runbookId: r.draft.runbookId } : {}), issues: byFile.get(rel(r.file)) ?? r.issues });
  }
  for (const [file, runbook] of parsed) {
    const issues = byFile.get(rel(file)) ?? [];
    byFile.delete(rel(file));
    let levels: string[][];
    try {
      levels = planRunbook(runbook).levels;
    } catch (err) {
      invalidFiles.push({ file: rel(file), runbookId: runbook.runbookId, issues: [...issues, ...toIssues(err)] });
      continue;
    }
    const view = runbookView(runbook, levels, rel(file), buttons);
    view.issues = issues;
    view.valid = valid.has(file) && !issues.some(isError);
    out.push(view);
  }
  // Issues located in policies/ (buttons, trust, roster) are the repository's, not a runbook's:
  // `pcq validate` reports them; the site's own readers show what those files say.
  return { runbooks: out.sort((a, b) => a.runbookId.localeCompare(b.runbookId)), invalidFiles: invalidFiles.sort((a, b) => a.file.localeCompare(b.file)) };
}

export function runbookView(runbook: Runbook, levels: string[][], file: string, buttons: ButtonView[]): RunbookView {
  const button = buttons.find((b) => b.runbookId === runbook.runbookId && (b.version === undefined || b.version === runbook.version));
  const view: RunbookView = {
    runbookId: runbook.runbookId,
    name: runbook.name,
    version: runbook.version,
    file,
    digest: runbook.source.digest,
    inputs: Object.entries(runbook.inputs).map(([name, spec]) => {
      const input: RunbookView['inputs'][number] = { name, type: spec.type };
      if (spec.description !== undefined) input.description = spec.description;
      if (spec.default !== undefined) input.default = spec.default;
      if (spec.required === true) input.required = true;
      if (spec.enum !== undefined) input.enum = spec.enum;
      return input;
    }),
    steps: runbook.steps.map((s) => {
      const step: RunbookView['steps'][number] = {
        stepId: s.stepId,
        type: s.type,
        needs: s.needs,
        preconditions: s.preconditions,
        postconditions: s.postconditions,
      };
      if (s.description !== undefined) step.description = s.description;
      if (s.when !== undefined) step.when = { expr: s.when };
      return step;
    }),
    provers: Object.values(runbook.provers).map((p) => ({ id: p.id, phase: p.phase, type: p.type, config: p.config })),
    levels,
    cliLine: `${PCQ_NPX} run ${file}`,
    valid: true,
    issues: [],
  };
  if (runbook.description !== undefined) view.description = runbook.description;
  if (button !== undefined) view.button = button;
  return view;
}
