// The contract every prover kind implements (one file per kind, provers/registry.ts plugs them).
// A prover returns pass/fail with evidence; it never throws for a failed check. An error while
// proving (missing fact, bad rule) is a fail with evidence, never a pass: evaluation is monotonic.
import type { PcqIssue } from '../base/errors.ts';
import type { ProverSpec, Runbook, Step } from '../model/runbook.ts';
import type { GraphStore } from '../base/graph-store.ts';
import type { CelEngine } from '../base/step-ports.ts';
import type { PolicySet, ProofResult } from '../base/proofs.ts';

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
