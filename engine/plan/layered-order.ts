// The layered order every picture of a runbook shares (plan/layout.ts draws it with ELK; the Mermaid
// of `pcq plan`, the Action summary and the plan comment declare it): the layers are the plan's
// levels (longest path from a root), the order inside a layer comes from barycenter sweeps
// (Sugiyama), ties by stepId in code-unit order, so the same graph always gets the same order.
// Pure and synchronous (no ELK here: the CLI and Action bundles only need the order). A dependency
// on an unknown step is ignored and a cycle is cut where found: the site draws what a published
// manifest says, valid or not.

export interface LayoutNode {
  id: string;
  needs: readonly string[];
}

const SWEEPS = 4;

/** Every drawn edge (dependency → dependant), in layered order of the dependant then of the dependency. */
export function dagEdges(nodes: readonly LayoutNode[], layers: string[][] = layeredOrder(nodes)): Array<{ from: string; to: string }> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const position = positions(layers);
  const out: Array<{ from: string; to: string }> = [];
  for (const to of layers.flat()) {
    const needs = [...new Set(byId.get(to)!.needs)].filter((d) => byId.has(d) && d !== to && position.get(d)!.layer < position.get(to)!.layer);
    needs.sort((a, b) => compare(position.get(a)!, position.get(b)!));
    for (const from of needs) out.push({ from, to });
  }
  return out;
}

/** Layers (longest path from a root) with the order of the steps inside each; deterministic. */
export function layeredOrder(nodes: readonly LayoutNode[]): string[][] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const level = new Map<string, number>();
  const visiting = new Set<string>();
  const levelOf = (id: string): number => {
    const known = level.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return -1; // the edge that closes a cycle is cut
    visiting.add(id);
    let l = 0;
    for (const d of byId.get(id)!.needs) if (byId.has(d) && d !== id) l = Math.max(l, levelOf(d) + 1);
    visiting.delete(id);
    level.set(id, l);
    return l;
  };
  const layers: string[][] = [];
  for (const n of [...byId.keys()].sort(byCodeUnit)) (layers[levelOf(n)] ??= []).push(n);
  for (let l = 0; l < layers.length; l++) layers[l] ??= [];
  const parents = new Map<string, string[]>();
  const children = new Map<string, string[]>();
  for (const id of byId.keys()) {
    parents.set(id, []);
    children.set(id, []);
  }
  for (const n of byId.values()) {
    for (const d of new Set(n.needs)) {
      if (!byId.has(d) || level.get(d)! >= level.get(n.id)!) continue;
      parents.get(n.id)!.push(d);
      children.get(d)!.push(n.id);
    }
  }
  // Barycenter heuristic (Sugiyama): order each layer by the mean index of its neighbours in the
  // layer before it, sweeping down then up; a stable sort keeps ties in stepId order.
  const index = new Map<string, number>();
  const reindex = (ids: string[]) => ids.forEach((id, i) => index.set(id, i));
  layers.forEach(reindex);
  const reorder = (l: number, neighbours: Map<string, string[]>) => {
    const mean = (id: string) => {
      const ns = neighbours.get(id)!;
      return ns.length === 0 ? index.get(id)! : ns.reduce((s, n) => s + index.get(n)!, 0) / ns.length;
    };
    const keyed = layers[l]!.map((id) => [id, mean(id)] as const);
    keyed.sort((a, b) => a[1] - b[1]);
    layers[l] = keyed.map(([id]) => id);
    reindex(layers[l]!);
  };
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    for (let l = 1; l < layers.length; l++) reorder(l, parents);
    for (let l = layers.length - 2; l >= 0; l--) reorder(l, children);
  }
  return layers;
}

export function positions(layers: string[][]): Map<string, { layer: number; index: number }> {
  const out = new Map<string, { layer: number; index: number }>();
  layers.forEach((ids, layer) => ids.forEach((id, index) => out.set(id, { layer, index })));
  return out;
}

export function compare(a: { layer: number; index: number }, b: { layer: number; index: number }): number {
  return a.layer - b.layer || a.index - b.index;
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
