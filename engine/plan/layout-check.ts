// The geometric check of a DAG drawing (plan/layout.ts's guarantee): used by the layout's tests and
// by the site's browser test on the rendered SVG. Pure.
import { layeredOrder, type LayoutNode } from './layered-order.ts';
import type { DagGeometry, Point } from './layout.ts';

/** Does the axis-parallel or oblique segment p→q pass through the open interior of the box? (Liang–Barsky clipping.) */
export function segmentHitsBox(p: Point, q: Point, box: { x: number; y: number; width: number; height: number }, inset = 0.5): boolean {
  const [x0, y0, x1, y1] = [box.x + inset, box.y + inset, box.x + box.width - inset, box.y + box.height - inset];
  let t0 = 0;
  let t1 = 1;
  const dx = q.x - p.x;
  const dy = q.y - p.y;
  for (const [pk, qk] of [
    [-dx, p.x - x0],
    [dx, x1 - p.x],
    [-dy, p.y - y0],
    [dy, y1 - p.y],
  ] as const) {
    if (pk === 0) {
      if (qk < 0) return false;
      continue;
    }
    const t = qk / pk;
    if (pk < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 > t1) return false;
  }
  return true;
}

/** Every problem with a drawing: an edge through a foreign node, an end off its node, overlapping boxes, a layer out of order. */
export function drawingProblems(nodes: readonly LayoutNode[], g: DagGeometry): string[] {
  const problems: string[] = [];
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  for (const e of g.edges) {
    if (e.points.length < 2) problems.push(`${e.from}→${e.to} has no route`);
    for (let i = 1; i < e.points.length; i++) {
      for (const n of g.nodes) {
        if (n.id === e.from || n.id === e.to) continue;
        if (segmentHitsBox(e.points[i - 1]!, e.points[i]!, n)) problems.push(`${e.from}→${e.to} segment ${i} crosses ${n.id}`);
      }
    }
    const [from, to] = [byId.get(e.from)!, byId.get(e.to)!];
    const [start, end] = [e.points[0]!, e.points.at(-1)!];
    if (Math.abs(start.x - (from.x + from.width)) > 0.5 || start.y < from.y || start.y > from.y + from.height)
      problems.push(`${e.from}→${e.to} does not leave ${e.from}`);
    if (Math.abs(end.x - to.x) > 0.5 || end.y < to.y || end.y > to.y + to.height) problems.push(`${e.from}→${e.to} does not reach ${e.to}`);
  }
  for (const a of g.nodes) {
    for (const b of g.nodes) {
      if (a.id < b.id && a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) problems.push(`${a.id} overlaps ${b.id}`);
    }
  }
  const layers = layeredOrder(nodes);
  layers.forEach((ids, l) => {
    const placed = ids.map((id) => byId.get(id)!);
    if (new Set(placed.map((n) => n.x)).size > 1) problems.push(`layer ${l} is not one column`);
    if (l > 0 && placed[0]!.x <= byId.get(layers[l - 1]![0]!)!.x) problems.push(`layer ${l} is not right of layer ${l - 1}`);
    for (let i = 1; i < placed.length; i++) if (placed[i]!.y <= placed[i - 1]!.y) problems.push(`layer ${l}: ${ids[i]} is not below ${ids[i - 1]}`);
  });
  return problems;
}
