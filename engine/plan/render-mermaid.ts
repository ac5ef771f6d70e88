// The plan as a Mermaid flowchart (GitHub renders ```mermaid blocks in PR comments and summaries).
// Node ids derive from stepIds, so the picture of an edited runbook keeps its ids and diffs stay
// readable. Arrows run dependency → dependant, left to right like the site's SVG, and the text
// follows the one layout every picture uses (plan/layered-order.ts, drawn by plan/layout.ts): nodes are declared layer by layer in
// the layout's order and edges in the layout's order, so Mermaid's layered renderer gets the same
// ranks and order as the site's DAG (layout.test.ts and render.test.ts check the agreement).
import type { Runbook } from '../model/runbook.ts';
import { dagEdges, layeredOrder } from './layered-order.ts';
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

/** A step's evaluated `when:` in a run (the branch taken), shown under its label. */
export type BranchTaken = Readonly<Record<string, { expr: string; value: boolean }>>;

export function renderMermaid(plan: Plan, runbook: Runbook, statusByStep?: Readonly<Record<string, string>>, branches?: BranchTaken): string {
  const ids = mermaidIds(plan.order);
  const byId = new Map(runbook.steps.map((s) => [s.stepId, s]));
  const nodes = plan.order.map((id) => ({ id, needs: plan.needs[id]! }));
  const layers = layeredOrder(nodes);
  const lines = ['flowchart LR'];
  for (const stepId of layers.flat()) {
    const step = byId.get(stepId)!;
    const guards = step.preconditions.length + step.postconditions.length;
    const taken = branches?.[stepId];
    const when = taken
      ? `<br/><small>when ${escapeLabel(taken.expr)} → ${String(taken.value)}</small>`
      : step.when !== undefined
        ? `<br/><small>when ${escapeLabel(step.when)}</small>`
        : '';
    const label = `${escapeLabel(stepId)}<br/><small>${escapeLabel(step.type)}${guards ? ` · ${guards} prover${guards === 1 ? '' : 's'}` : ''}</small>${when}`;
    lines.push(`  ${ids.get(stepId)}["${label}"]`);
  }
  // A conditional step's incoming edges are dotted: the branch may not be taken.
  for (const { from, to } of dagEdges(nodes, layers)) {
    const arrow = byId.get(to)!.when !== undefined ? '-.->' : '-->';
    lines.push(`  ${ids.get(from)} ${arrow} ${ids.get(to)}`);
  }
  if (statusByStep) {
    const byStatus = new Map<StepStatus, string[]>();
    for (const stepId of layers.flat()) {
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

/** The layers and edges a Mermaid text declares (for the agreement tests): node ids in order, edges as id pairs. */
export function mermaidStructure(text: string): { nodes: string[]; edges: Array<[string, string]> } {
  const nodes: string[] = [];
  const edges: Array<[string, string]> = [];
  for (const line of text.split('\n')) {
    const node = /^ {2}(s_\w+)\["/.exec(line);
    if (node) nodes.push(node[1]!);
    const edge = /^ {2}(s_\w+) (?:-->|-\.->) (s_\w+)$/.exec(line);
    if (edge) edges.push([edge[1]!, edge[2]!]);
  }
  return { nodes, edges };
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
