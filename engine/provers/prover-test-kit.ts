// Shared builders for prover tests: a declaration at a known location and a ProverContext whose
// ports default to "not used here". Tests pass the real CEL engine (runtime/cel.ts) and the real
// embedded graph (graph/kuzu-store.ts). Used by *.test.ts only, never by shipped code.
import type { CelEngine } from '../base/step-ports.ts';
import type { GraphStore } from '../base/graph-store.ts';
import type { PolicySet } from '../base/proofs.ts';
import type { ProverContext } from './prover-kind.ts';
import type { ProverSpec, Runbook, Step } from '../model/runbook.ts';

export const EMPTY_POLICIES: PolicySet = { rules: {}, actors: {}, licenses: [] };

export function proverSpec(id: string, type: string, config: Record<string, unknown>, phase: ProverSpec['phase'] = 'precondition'): ProverSpec {
  return { id, type, phase, config, location: { file: 'runbooks/R1.yaml', line: 7, col: 5 } };
}

const STEP: Step = {
  stepId: 'query-entities',
  type: 'query',
  needs: [],
  needsExplicit: true,
  preconditions: [],
  postconditions: [],
  retry: { attempts: 1, backoffMs: [] },
  timeoutMs: 1000,
  private: false,
  config: {},
};

/** A prover context with real ports; tests override only what they exercise. */
export function proverContext(spec: ProverSpec, overrides: Partial<ProverContext> & { cel: CelEngine; graph?: GraphStore }): ProverContext {
  const runbook: Runbook = {
    runbookId: 'R1',
    name: 'Entity Enrichment',
    version: '1.0',
    inputs: {},
    steps: [STEP],
    provers: { [spec.id]: spec },
    source: { file: 'runbooks/R1.yaml', digest: 'sha256:' + '0'.repeat(64) },
  };
  const noGraph: GraphStore = {
    backend: 'none',
    query: async () => {
      throw new Error('no graph in this test');
    },
    close: async () => {},
  };
  return {
    spec,
    step: STEP,
    runbook,
    params: {},
    actor: 'local:dev',
    asOf: '2026-01-05T00:00:00Z',
    steps: {},
    graph: noGraph,
    policies: EMPTY_POLICIES,
    signal: new AbortController().signal,
    ...overrides,
  };
}
