// Draws a runbook DAG as an inline SVG at build time (no client script): a layered layout with one
// column per plan level (longest path from a root), nodes ordered inside a column by the mean
// position of their parents to keep edges from crossing, ties by stepId so the picture is stable.
// Colours are CSS classes (dag-node--<status>) so the page's light/dark palette applies.

export interface DagNode {
  stepId: string;
  type: string;
  needs: string[];
  status?: string; // succeeded | failed | skipped | unknown; absent on a runbook page
  /** The step's `when:` (runbook page) or its evaluated condition (run page): drawn as a branch. */
  when?: { expr: string; value?: boolean };
}

export interface DagLayout {
  width: number;
  height: number;
  nodes: Array<DagNode & { x: number; y: number; level: number }>;
  edges: Array<{ from: string; to: string; d: string }>;
}

const NODE_W = 168;
const NODE_H = 46;
const COL_GAP = 64;
const ROW_GAP = 18;
const PAD = 12;

/** Levels by longest path; a dependency on an unknown step is ignored, a cycle is cut where found. */
export function dagLevels(nodes: readonly DagNode[]): string[][] {
  const byId = new Map(nodes.map((n) => [n.stepId, n]));
  const level = new Map<string, number>();
  const visiting = new Set<string>();
  const levelOf = (id: string): number => {
    const known = level.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const deps = (byId.get(id)?.needs ?? []).filter((d) => byId.has(d));
    const l = deps.length === 0 ? 0 : 1 + Math.max(...deps.map(levelOf));
    visiting.delete(id);
    level.set(id, l);
    return l;
  };
  const levels: string[][] = [];
  for (const n of nodes) (levels[levelOf(n.stepId)] ??= []).push(n.stepId);
  return levels.map((ids) => (ids ?? []).sort());
}

export function layoutDag(nodes: readonly DagNode[]): DagLayout {
  const byId = new Map(nodes.map((n) => [n.stepId, n]));
  const levels = dagLevels(nodes);
  const row = new Map<string, number>();
  levels.forEach((ids, l) => {
    const ordered = l === 0 ? ids : [...ids].sort((a, b) => barycenter(a) - barycenter(b) || a.localeCompare(b));
    ordered.forEach((id, i) => row.set(id, i));
    levels[l] = ordered;
  });
  function barycenter(id: string): number {
    const rows = (byId.get(id)?.needs ?? []).map((d) => row.get(d)).filter((r): r is number => r !== undefined);
    return rows.length === 0 ? 0 : rows.reduce((a, b) => a + b, 0) / rows.length;
  }
  const tallest = Math.max(1, ...levels.map((ids) => ids.length));
  const height = PAD * 2 + tallest * NODE_H + (tallest - 1) * ROW_GAP;
  const width = PAD * 2 + levels.length * NODE_W + Math.max(0, levels.length - 1) * COL_GAP;
  const placed = new Map<string, DagLayout['nodes'][number]>();
  levels.forEach((ids, l) => {
    const columnHeight = ids.length * NODE_H + (ids.length - 1) * ROW_GAP;
    const top = (height - columnHeight) / 2;
    ids.forEach((id, i) => {
      const node = byId.get(id)!;
      placed.set(id, { ...node, level: l, x: PAD + l * (NODE_W + COL_GAP), y: top + i * (NODE_H + ROW_GAP) });
    });
  });
  const edges: DagLayout['edges'] = [];
  for (const to of placed.values()) {
    for (const dep of to.needs) {
      const from = placed.get(dep);
      if (!from) continue;
      const x1 = from.x + NODE_W;
      const y1 = from.y + NODE_H / 2;
      const x2 = to.x - 4;
      const y2 = to.y + NODE_H / 2;
      const mid = (x1 + x2) / 2;
      edges.push({ from: dep, to: to.stepId, d: `M${x1} ${y1} C${mid} ${y1} ${mid} ${y2} ${x2} ${y2}` });
    }
  }
  return { width, height, nodes: [...placed.values()], edges };
}

/** The SVG markup; `title` names the picture for screen readers, the desc lists every edge. */
export function renderDagSvg(nodes: readonly DagNode[], title: string, idPrefix = 'dag'): string {
  const layout = layoutDag(nodes);
  const titleId = `${idPrefix}-title`;
  const descId = `${idPrefix}-desc`;
  const desc = layout.edges.length === 0 ? 'No dependencies between steps.' : layout.edges.map((e) => `${e.from} → ${e.to}`).join('; ');
  const parts: string[] = [
    `<svg class="dag" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${layout.width} ${layout.height}" width="${layout.width}" height="${layout.height}" role="img" aria-labelledby="${titleId} ${descId}">`,
    `<title id="${titleId}">${escapeXml(title)}</title><desc id="${descId}">${escapeXml(desc)}</desc>`,
    `<defs><marker id="${idPrefix}-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="8" markerHeight="8" orient="auto"><path d="M0 0 L8 4 L0 8 z" class="dag-arrow"/></marker></defs>`,
  ];
  // Shared attributes sit on the group (marker-end is inherited; label/type text is styled by
  // position): a run page draws one of these per execution, so bytes per node add up.
  parts.push(`<g class="dag-edge" marker-end="url(#${idPrefix}-arrow)">`);
  for (const e of layout.edges) parts.push(`<path d="${e.d}"/>`);
  parts.push('</g>');
  for (const n of layout.nodes) {
    const status = n.status ?? 'planned';
    parts.push(
      `<g class="dag-node dag-node--${escapeXml(status)}${n.when ? ' dag-node--branch' : ''}" transform="translate(${n.x} ${n.y})">` +
        `<rect width="${NODE_W}" height="${NODE_H}" rx="8"/>` +
        `<text x="10" y="19">${escapeXml(truncate(n.stepId, 22))}</text>` +
        `<text x="10" y="36">${escapeXml(n.type)}${n.status ? ` · ${escapeXml(n.status)}` : ''}${branchMark(n.when)}</text>` +
        (n.when ? `<title>when ${escapeXml(n.when.expr)}${n.when.value === undefined ? '' : ` → ${String(n.when.value)}`}</title>` : '') +
        `</g>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

/** A branch: ◇ for a conditional step not yet run, ✓/✗ for the value its condition took. */
function branchMark(when: DagNode['when']): string {
  if (!when) return '';
  return when.value === undefined ? ' · ◇ when' : when.value ? ' · when ✓' : ' · when ✗';
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max - 1) + '…';
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
