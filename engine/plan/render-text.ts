// A plan as people read it in a terminal or a PR comment: level by level, each step with its type,
// what it needs, which provers guard it and the `when:` condition that decides its branch.
import { DEFAULT_RETRY, DEFAULT_TIMEOUT_MS, type Runbook, type Step } from '../model/runbook.ts';
import { formatDuration } from '../model/duration.ts';
import type { Plan } from './plan.ts';

export function renderPlanText(plan: Plan, runbook: Runbook): string {
  const byId = new Map(runbook.steps.map((s) => [s.stepId, s]));
  const lines: string[] = [];
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  lines.push(`${runbook.runbookId} "${runbook.name}" version ${runbook.version}: ${count(plan.order.length, 'step')} in ${count(plan.levels.length, 'level')}`);
  lines.push(`source ${runbook.source.file} (${runbook.source.digest})`);
  plan.levels.forEach((level, depth) => {
    lines.push('', `level ${depth}`);
    for (const id of level) lines.push(...stepLines(byId.get(id)!, plan, runbook));
  });
  lines.push('', `order: ${plan.order.join(' → ')}`);
  return lines.join('\n') + '\n';
}

function stepLines(step: Step, plan: Plan, runbook: Runbook): string[] {
  const needs = plan.needs[step.stepId] ?? [];
  const out = [`  ${step.stepId} (${step.type})${needs.length ? `  needs: ${needs.join(', ')}` : '  root'}`];
  if (step.description) out.push(`    ${step.description}`);
  if (step.when !== undefined) out.push(`    when: ${step.when}   (false: skipped, and so is what depends on it alone)`);
  const prover = (id: string) => `${id} [${runbook.provers[id]?.type ?? '?'}]`;
  if (step.preconditions.length) out.push(`    pre:  ${step.preconditions.map(prover).join(', ')}`);
  if (step.postconditions.length) out.push(`    post: ${step.postconditions.map(prover).join(', ')}`);
  const retryIsDefault = step.retry.attempts === DEFAULT_RETRY.attempts && step.retry.backoffMs.join() === DEFAULT_RETRY.backoffMs.join();
  if (!retryIsDefault) out.push(`    retry: ${step.retry.attempts} attempts, backoff ${step.retry.backoffMs.map(formatDuration).join('/')}`);
  if (step.timeoutMs !== DEFAULT_TIMEOUT_MS) out.push(`    timeout: ${formatDuration(step.timeoutMs)}`);
  return out;
}
