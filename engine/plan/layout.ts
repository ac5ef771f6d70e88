// The one DAG layout every picture of a runbook uses (the site's SVG, the Action summary's and the
// plan comment's Mermaid): pure, no I/O. Two parts:
//   layeredOrder  (sync, plan/layered-order.ts) the layers (longest path from a root, the plan's
//                         levels) and the order of the steps inside each layer (barycenter sweeps, ties by stepId): what the
//                         Mermaid text declares, so GitHub's renderer gets the same ranks and order;
//   layoutDag     (async) the geometry, by ELK's layered algorithm (elkjs) told to keep exactly that
//                         layering and order (INTERACTIVE strategies read them from the initial
//                         positions), with orthogonal edge routing: an edge that spans several layers
//                         gets a dummy node in each, so no edge segment runs through a node box.
// A dependency on an unknown step is ignored and a cycle is cut where found: the site draws what a
// published manifest says, valid or not.
import ElkBundled from 'elkjs/lib/elk.bundled.js';
import type { ELK, ElkNode } from 'elkjs/lib/elk-api.js';
import { compare, dagEdges, layeredOrder, positions, type LayoutNode } from './layered-order.ts';

export { dagEdges, layeredOrder, type LayoutNode } from './layered-order.ts';

// elkjs is CommonJS: Node's ESM loader hands over module.exports (the constructor); a bundler that
// honours __esModule hands over `.default`. Either way, one constructor.
type ElkConstructor = new () => ELK;
const ElkClass: ElkConstructor =
  typeof ElkBundled === 'function' ? (ElkBundled as unknown as ElkConstructor) : (ElkBundled as unknown as { default: ElkConstructor }).default;

export interface Point {
  x: number;
  y: number;
}

export interface PlacedNode {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
  layer: number;
  index: number;
}

export interface RoutedEdge {
  from: string;
  to: string;
  /** Start point, bend points, end point (the end touches the target's box). */
  points: Point[];
}

export interface DagGeometry {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: RoutedEdge[];
}

export const NODE_W = 168;
export const NODE_H = 46;
const NODE_GAP = 18;
const LAYER_GAP = 64;
const PAD = 12;

let elk: ELK | undefined;
// One cache per process, not per module copy: the site build loads this file twice (Astro bundles
// the pages; the pcq-publish integration is loaded by the config), and the integration lays out
// every run's graph while Vite bundles, so the pages find their geometry ready (a registry symbol is
// shared by both copies, as site-data/read-site-data.ts does for the data).
const SHARED = Symbol.for('pcq.dag-layout.cache');
const cache: Map<string, Promise<DagGeometry>> = ((globalThis as unknown as Record<symbol, Map<string, Promise<DagGeometry>> | undefined>)[SHARED] ??=
  new Map());

/** The geometry of the layered drawing; the same graph (ids and needs) always gets the same picture. */
export function layoutDag(nodes: readonly LayoutNode[]): Promise<DagGeometry> {
  const key = JSON.stringify(nodes.map((n) => [n.id, n.needs]));
  let layout = cache.get(key);
  if (layout === undefined) {
    layout = computeLayout(nodes);
    if (cache.size > 256) cache.clear();
    cache.set(key, layout);
  }
  return layout;
}

async function computeLayout(nodes: readonly LayoutNode[]): Promise<DagGeometry> {
  const layers = layeredOrder(nodes);
  const edges = dagEdges(nodes, layers);
  if (nodes.length === 0) return { width: PAD * 2, height: PAD * 2, nodes: [], edges: [] };
  // The initial positions only carry the layering (x) and the order inside a layer (y) to ELK's
  // INTERACTIVE strategies; ELK then places the nodes and routes the edges itself.
  const children = layers.flatMap((ids, l) =>
    ids.map((id, i) => ({ id, width: NODE_W, height: NODE_H, x: l * (NODE_W + LAYER_GAP), y: i * (NODE_H + NODE_GAP) })),
  );
  elk ??= new ElkClass();
  const input: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.layering.strategy': 'INTERACTIVE',
      'elk.layered.crossingMinimization.strategy': 'INTERACTIVE',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      // One drawing, not one per connected component: the layers must stay columns.
      'elk.separateConnectedComponents': 'false',
      'elk.spacing.nodeNode': String(NODE_GAP),
      'elk.spacing.edgeNode': '10',
      'elk.spacing.edgeEdge': '6',
      'elk.layered.spacing.nodeNodeBetweenLayers': String(LAYER_GAP),
      'elk.layered.spacing.edgeNodeBetweenLayers': '12',
      'elk.padding': `[top=${PAD},left=${PAD},bottom=${PAD},right=${PAD}]`,
    },
    children,
    edges: edges.map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] })),
  };
  const graph = await elk.layout(input);
  const position = positions(layers);
  const placed: PlacedNode[] = (graph.children ?? []).map((c) => ({
    id: c.id,
    x: c.x ?? 0,
    y: c.y ?? 0,
    width: c.width ?? NODE_W,
    height: c.height ?? NODE_H,
    ...position.get(c.id)!,
  }));
  placed.sort((a, b) => compare(a, b));
  const routed: RoutedEdge[] = (graph.edges ?? []).map((e, i) => {
    const section = e.sections?.[0];
    const points = section ? [section.startPoint, ...(section.bendPoints ?? []), section.endPoint].map((p) => ({ x: p.x, y: p.y })) : [];
    return { ...edges[i]!, points };
  });
  return { width: graph.width ?? 0, height: graph.height ?? 0, nodes: placed, edges: routed };
}
