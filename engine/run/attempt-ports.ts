// The ports one attempt of one step reaches the world through, fenced by the attempt's signal:
// once the scheduler abandons the attempt (timeout, run abort), every new call refuses with the
// abort reason, so a late attempt cannot write to the graph, call a service or send a
// notification after another attempt has taken its place (issue 9, "only accepted attempts exist").
// A call already in flight is handed the same signal, so an adapter that honours it stops too.
import type { GraphStore } from '../base/graph-store.ts';
import type { CelEngine, HttpPort, Notifier } from '../base/step-ports.ts';

function guard(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason;
}

export function fenceGraph(graph: GraphStore, signal: AbortSignal): GraphStore {
  const fenced: GraphStore = {
    backend: graph.backend,
    query: async (cypher, params, own) => {
      guard(signal);
      return graph.query(cypher, params, own ?? signal);
    },
    // Closing and loading belong to the run, not to a step: passed through unchanged.
    close: () => graph.close(),
  };
  if (graph.executeMany) {
    const executeMany = graph.executeMany.bind(graph);
    fenced.executeMany = async (cypher, paramSets, own) => {
      guard(signal);
      return executeMany(cypher, paramSets, own ?? signal);
    };
  }
  if (graph.loadDataset) fenced.loadDataset = graph.loadDataset.bind(graph);
  return fenced;
}

export function fenceHttp(http: HttpPort, signal: AbortSignal): HttpPort {
  return {
    call: async (connector, request, own) => {
      guard(signal);
      return http.call(connector, request, own);
    },
  };
}

export function fenceNotifier(notifier: Notifier, signal: AbortSignal): Notifier {
  return {
    send: async (message, own) => {
      guard(signal);
      return notifier.send(message, own);
    },
  };
}

/**
 * CEL bounded by the attempt: every evaluation must end by `deadline` (the attempt's start plus the
 * step's timeout). A synchronous evaluation blocks the thread the scheduler's timer runs on, so the
 * timeout has to travel with the call (runtime/cel-sandbox.ts stops it there).
 */
export function fenceCel(cel: CelEngine, signal: AbortSignal, deadline: number | undefined): CelEngine {
  return {
    evaluate: (expr, vars, own) => {
      guard(signal);
      return cel.evaluate(expr, vars, { deadline: Math.min(own?.deadline ?? Infinity, deadline ?? Infinity) });
    },
    check: (expr) => cel.check(expr),
  };
}
