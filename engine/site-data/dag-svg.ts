// Draws a runbook DAG as an inline SVG at build time (no client script). The geometry is the one
// layout every picture of a runbook uses (engine/plan/layout.ts: ELK's layered algorithm with
// orthogonal routing, so no edge runs behind a node; the Mermaid of the Action summary and the plan
// comment declare the same layers, order and edges). Colours are CSS classes (dag-node--<status>)
// so the page's light/dark palette applies; an unknown status is drawn plainly, with its word.
import { layoutDag } from '../plan/layout.ts';
import type { ExecutionView } from './site-model.ts';

export interface DagNode {
  stepId: string;
  type: string;
  needs: string[];
  /** succeeded | failed | skipped | blocked | paused | …; absent on a runbook page. */
  status?: string;
  /** The step's `when:` (runbook page) or its evaluated condition (run page): drawn as a branch. */
  when?: { expr: string; value?: boolean };
}

const KNOWN_STATUS = new Set(['succeeded', 'failed', 'skipped', 'blocked', 'paused', 'running', 'pending', 'unknown']);

/** The DAG of a run as it actually ran: each step's `parents` are attestation hashes of its dependencies. */
export function executionDagNodes(e: ExecutionView): DagNode[] {
  const stepByHash = new Map(e.steps.map((s) => [s.attestationHash, s.stepId]));
  return e.steps.map((s) => ({
    stepId: s.stepId,
    type: s.type,
    status: s.status,
    needs: s.parents.map((p) => stepByHash.get(p) ?? '').filter(Boolean),
    ...(s.condition ? { when: s.condition } : {}),
  }));
}

/** Lays the graph out (cached per process by plan/layout.ts) without drawing it: a build warms the cache ahead of its pages. */
export async function layoutDagNodes(nodes: readonly DagNode[]): Promise<void> {
  await layoutDag(nodes.map((n) => ({ id: n.stepId, needs: n.needs })));
}

/** The SVG markup; `title` names the picture for screen readers, the desc lists every edge. */
export async function renderDagSvg(nodes: readonly DagNode[], title: string, idPrefix = 'dag'): Promise<string> {
  const layout = await layoutDag(nodes.map((n) => ({ id: n.stepId, needs: n.needs })));
  const byId = new Map(nodes.map((n) => [n.stepId, n]));
  const width = Math.ceil(layout.width);
  const height = Math.ceil(layout.height);
  const titleId = `${idPrefix}-title`;
  const descId = `${idPrefix}-desc`;
  const desc = layout.edges.length === 0 ? 'No dependencies between steps.' : layout.edges.map((e) => `${e.from} → ${e.to}`).join('; ');
  const parts: string[] = [
    `<svg class="dag" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${titleId} ${descId}">`,
    `<title id="${titleId}">${escapeXml(title)}</title><desc id="${descId}">${escapeXml(desc)}</desc>`,
    `<defs><marker id="${idPrefix}-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="8" markerHeight="8" orient="auto"><path d="M0 0 L8 4 L0 8 z" class="dag-arrow"/></marker></defs>`,
  ];
  // Shared attributes sit on the group (marker-end is inherited; label/type text is styled by
  // position): a run page draws one of these per execution, so bytes per node add up.
  parts.push(`<g class="dag-edge" marker-end="url(#${idPrefix}-arrow)">`);
  for (const e of layout.edges) {
    const d = e.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${round(p.x)} ${round(p.y)}`).join(' ');
    parts.push(`<path d="${d}" data-from="${escapeXml(e.from)}" data-to="${escapeXml(e.to)}"/>`);
  }
  parts.push('</g>');
  for (const placed of layout.nodes) {
    const n = byId.get(placed.id)!;
    const status = n.status ?? 'planned';
    const cls = KNOWN_STATUS.has(status) || status === 'planned' ? status : 'other';
    parts.push(
      `<g class="dag-node dag-node--${cls}${n.when ? ' dag-node--branch' : ''}" data-step="${escapeXml(n.stepId)}" data-status="${escapeXml(status)}" transform="translate(${round(placed.x)} ${round(placed.y)})">` +
        `<rect width="${placed.width}" height="${placed.height}" rx="8"/>` +
        `<text x="10" y="19">${escapeXml(truncate(n.stepId, 22))}</text>` +
        `<text x="10" y="36">${escapeXml(truncate(`${n.type}${n.status ? ` · ${statusWord(n.status)}` : ''}${branchMark(n.when)}`, 30))}</text>` +
        `<title>${escapeXml(n.stepId)}${n.status ? `: ${escapeXml(n.status)}` : ''}${n.when ? ` · when ${escapeXml(n.when.expr)}${n.when.value === undefined ? '' : ` → ${String(n.when.value)}`}` : ''}</title>` +
        `</g>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

/** The word beside the type: a status the site does not know is shown as it was recorded. */
function statusWord(status: string): string {
  return status === 'blocked' ? '‖ blocked' : status === 'failed' ? '✗ failed' : status === 'skipped' ? '– skipped' : status;
}

/** A branch: ◇ for a conditional step not yet run, ✓/✗ for the value its condition took. */
function branchMark(when: DagNode['when']): string {
  if (!when) return '';
  return when.value === undefined ? ' · ◇ when' : when.value ? ' · when ✓' : ' · when ✗';
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max - 1) + '…';
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
