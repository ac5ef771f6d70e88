// The contract every prover kind implements (one file per kind, provers/registry.ts plugs them).
// A prover returns pass/fail with evidence; it never throws for a failed check. An error while
// proving (missing fact, bad rule) is a fail with evidence, never a pass: evaluation is monotonic.
import type { PcqIssue } from '../runtime/errors.ts';
import type { ProverSpec, Runbook, Step } from '../model/runbook.ts';
import type { GraphStore } from '../graph/graph-store.ts';
import type { CelEngine } from '../steps/step-kind.ts';

export interface ProofResult {
  prover: string; // the prover id, e.g. "authority:read_entities"
  type: string; // the prover kind that decided
  result: 'pass' | 'fail';
  evidence: string; // one human sentence, e.g. "OPA policy allowed"
  details?: Record<string, unknown>; // machine-readable evidence (rule, facts, measured value)
}

export interface Proofs {
  preconditions?: ProofResult[];
  postconditions?: ProofResult[];
}

/** The policy documents provers read (policies/*.yaml), loaded once per run. */
export interface PolicySet {
  /** Named CEL rules, e.g. { "intelgraph.allow": "..." }. */
  rules: Record<string, string>;
  /** Actor facts: roles and attributes per actor login. */
  actors: Record<string, { roles: string[]; [k: string]: unknown }>;
  /** License registry entries. */
  licenses: Array<{ source: string; connector?: string; operations: string[]; license?: string; notes?: string }>;
}

export interface ProverContext {
  spec: ProverSpec;
  step: Step;
  runbook: Runbook;
  params: Record<string, unknown>;
  actor: string; // who asked for the run
  asOf: string;
  /** The step's own output (postconditions only). */
  output?: unknown;
  steps: Record<string, unknown>;
  graph: GraphStore;
  cel: CelEngine;
  policies: PolicySet;
  signal: AbortSignal;
}

export interface ProverKind {
  /** The `type:` values this kind answers to (the seed's `opa` resolves to authority). */
  readonly types: readonly string[];
  /** Static checks for `pcq validate`; with `policies`, also checks names they resolve (rules). */
  check(spec: ProverSpec, cel: CelEngine, policies?: PolicySet): PcqIssue[];
  prove(ctx: ProverContext): Promise<ProofResult>;
}
