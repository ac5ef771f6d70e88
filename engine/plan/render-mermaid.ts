// The plan as a Mermaid flowchart (GitHub renders ```mermaid blocks in PR comments and summaries;
// the site renders the same text). Node ids derive from stepIds, so the picture of an edited
// runbook keeps its ids and diffs stay readable. Arrows run dependency → dependant.
import type { Runbook } from '../model/runbook.ts';
import type { Plan } from './plan.ts';

export const STEP_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'skipped', 'blocked'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

// GitHub's Primer palette, readable in light and dark themes.
const STATUS_STYLE: Record<StepStatus, string> = {
  pending: 'fill:#f6f8fa,stroke:#8c959f,color:#24292f',
  running: 'fill:#ddf4ff,stroke:#0969da,color:#0a3069',
  succeeded: 'fill:#dafbe1,stroke:#1a7f37,color:#0f5323',
  failed: 'fill:#ffebe9,stroke:#cf222e,color:#82071e',
  skipped: 'fill:#f6f8fa,stroke:#d0d7de,color:#57606a,stroke-dasharray:4 3',
  blocked: 'fill:#fff8c5,stroke:#9a6700,color:#4d2d00',
};

export function renderMermaid(plan: Plan, runbook: Runbook, statusByStep?: Readonly<Record<string, string>>): string {
  const ids = mermaidIds(plan.order);
  const byId = new Map(runbook.steps.map((s) => [s.stepId, s]));
  const lines = ['flowchart TD'];
  for (const stepId of plan.order) {
    const step = byId.get(stepId)!;
    const guards = step.preconditions.length + step.postconditions.length;
    const when = step.when !== undefined ? `<br/><small>when ${escapeLabel(step.when)}</small>` : '';
    const label = `${escapeLabel(stepId)}<br/><small>${escapeLabel(step.type)}${guards ? ` · ${guards} prover${guards === 1 ? '' : 's'}` : ''}</small>${when}`;
    lines.push(`  ${ids.get(stepId)}["${label}"]`);
  }
  // A conditional step's incoming edges are dotted: the branch may not be taken.
  for (const stepId of plan.order) {
    const arrow = byId.get(stepId)!.when !== undefined ? '-.->' : '-->';
    for (const need of plan.needs[stepId]!) lines.push(`  ${ids.get(need)} ${arrow} ${ids.get(stepId)}`);
  }
  if (statusByStep) {
    const byStatus = new Map<StepStatus, string[]>();
    for (const stepId of plan.order) {
      const status = statusByStep[stepId];
      if (!isStepStatus(status)) continue;
      (byStatus.get(status) ?? byStatus.set(status, []).get(status)!).push(ids.get(stepId)!);
    }
    for (const status of STEP_STATUSES) {
      const members = byStatus.get(status);
      if (!members) continue;
      lines.push(`  classDef ${status} ${STATUS_STYLE[status]}`);
      lines.push(`  class ${members.join(',')} ${status}`);
    }
  }
  return lines.join('\n') + '\n';
}

function isStepStatus(value: unknown): value is StepStatus {
  return typeof value === 'string' && (STEP_STATUSES as readonly string[]).includes(value);
}

/** `query-entities` → `query_entities`; a later id that sanitises to the same text gets `_2`, `_3`. */
export function mermaidIds(stepIds: readonly string[]): Map<string, string> {
  const ids = new Map<string, string>();
  const used = new Set<string>();
  for (const stepId of [...stepIds].sort()) {
    const base = `s_${stepId.replace(/[^A-Za-z0-9_]/g, '_')}`;
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}_${n}`;
    used.add(id);
    ids.set(stepId, id);
  }
  return ids;
}

function escapeLabel(text: string): string {
  return text.replace(/&/g, '#amp;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}
