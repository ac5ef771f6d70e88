// Runbooks for the site, loaded through the engine's own model (engine/model: schema, implicit
// needs, defaults) and planner (engine/plan: longest-path levels), so the site shows exactly the
// DAG `pcq plan` and the runner see. A runbook that does not validate is left out and its issues
// are listed as site problems (`pcq validate` gives them with file:line:col).
import { PCQ_NPX } from '../base/version.ts';
import { join, relative } from 'node:path';
import { loadRunbooks } from '../model/load-runbooks.ts';
import type { Runbook } from '../model/runbook.ts';
import { planRunbook } from '../plan/plan.ts';
import { toIssues, type PcqIssue } from '../base/errors.ts';
import type { ButtonView, RunbookView } from './site-model.ts';

export async function readRunbooks(root: string, buttons: ButtonView[], problems: PcqIssue[]): Promise<RunbookView[]> {
  const loaded = await loadRunbooks([join(root, 'runbooks')]);
  problems.push(...loaded.issues.filter((i) => i.code !== 'PCQ_FILE_NOT_FOUND' && i.code !== 'PCQ_NO_RUNBOOKS'));
  const out: RunbookView[] = [];
  for (const runbook of loaded.runbooks) {
    try {
      out.push(runbookView(runbook, planRunbook(runbook).levels, relative(root, runbook.source.file) || runbook.source.file, buttons));
    } catch (err) {
      problems.push(...toIssues(err));
    }
  }
  return out.sort((a, b) => a.runbookId.localeCompare(b.runbookId));
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
  };
  if (runbook.description !== undefined) view.description = runbook.description;
  if (button !== undefined) view.button = button;
  return view;
}
