// One step, start to end: preconditions (a failure stops the step before it runs), the step kind
// itself, then postconditions (a failure lets the run finish but blocks its exports). Proof
// results are kept even when the step throws, so the manifest records the failed proof.
import type { Runbook, Step } from '../model/runbook.ts';
import type { GraphStore } from '../base/graph-store.ts';
import type { CelEngine, Effect, HttpPort, Notifier, Recording } from '../base/step-ports.ts';
import type { StepKind, StepResult } from '../steps/step-kind.ts';
import type { PolicySet, ProofResult, Proofs } from '../base/proofs.ts';
import type { ProverContext } from '../provers/prover-kind.ts';
import { PcqError } from '../base/errors.ts';
import type { ArtifactCollector } from './artifact-collector.ts';

export interface StepRunnerDeps {
  runbook: Runbook;
  params: Record<string, unknown>;
  asOf: string;
  actor: string;
  stepKinds: ReadonlyMap<string, StepKind>;
  runProver: (ctx: ProverContext) => Promise<ProofResult>;
  policies: PolicySet;
  graph: GraphStore;
  cel: CelEngine;
  http: HttpPort;
  notifier: Notifier;
  artifacts: ArtifactCollector;
  randomFor: (stepId: string) => () => number;
}

export interface StepOutcome {
  result: StepResult;
  proofs: Proofs;
}

/** State shared across steps of one run: outputs so far and proofs per step (kept on failure). */
export class RunState {
  readonly outputs: Record<string, unknown> = {};
  readonly proofs = new Map<string, Proofs>();
  readonly results = new Map<string, StepResult>();
  readonly recordings: Recording[] = [];
  readonly effects: Effect[] = [];
}

export async function runStep(step: Step, deps: StepRunnerDeps, state: RunState, signal: AbortSignal, attempt: number): Promise<StepOutcome> {
  const kind = deps.stepKinds.get(step.type);
  if (!kind) {
    throw new PcqError({ code: 'PCQ_UNKNOWN_STEP_TYPE', message: `no step kind "${step.type}"`, hint: 'Run `pcq validate`.' });
  }
  const proofs: Proofs = {};
  state.proofs.set(step.stepId, proofs);

  // Preconditions: proved once per attempt, before any side effect.
  if (step.preconditions.length > 0) {
    proofs.preconditions = await proveAll(step, step.preconditions, deps, state.outputs, signal, undefined);
    const failed = proofs.preconditions.find((p) => p.result === 'fail');
    if (failed) {
      throw new PcqError({
        code: 'PCQ_PRECONDITION_FAILED',
        message: `step ${step.stepId}: precondition ${failed.prover} failed: ${failed.evidence}`,
        hint: 'The step did not run. Fix the policy, license or data the prover checks, or ask an ombuds to review.',
        details: { stepId: step.stepId, prover: failed.prover },
      });
    }
  }

  const upstream: Record<string, unknown> = {};
  for (const need of step.needs) upstream[need] = state.outputs[need];
  const result = await kind.run({
    runbook: deps.runbook,
    step,
    params: deps.params,
    upstream,
    steps: { ...state.outputs },
    asOf: deps.asOf,
    random: deps.randomFor(step.stepId),
    signal,
    attempt,
    ports: { graph: deps.graph, cel: deps.cel, http: deps.http, notifier: deps.notifier, artifacts: deps.artifacts.sinkFor(step.stepId) },
  });

  // Postconditions: evaluated on the step's output; a failure is recorded, never thrown.
  if (step.postconditions.length > 0) {
    const withOutput = { ...state.outputs, [step.stepId]: result.output };
    proofs.postconditions = await proveAll(step, step.postconditions, deps, withOutput, signal, result.output);
  }
  state.outputs[step.stepId] = result.output;
  state.results.set(step.stepId, result);
  if (result.recordings) state.recordings.push(...result.recordings);
  if (result.effects) state.effects.push(...result.effects);
  return { result, proofs };
}

async function proveAll(step: Step, ids: string[], deps: StepRunnerDeps, outputs: Record<string, unknown>, signal: AbortSignal, output: unknown): Promise<ProofResult[]> {
  const results: ProofResult[] = [];
  // Sequential and in declaration order: proofs are signed, so their order must be deterministic.
  for (const id of ids) {
    const spec = deps.runbook.provers[id];
    if (!spec) {
      results.push({ prover: id, type: 'unknown', result: 'fail', evidence: `prover "${id}" is not declared under provers` });
      continue;
    }
    const ctx = {
      spec, step, runbook: deps.runbook, params: deps.params, actor: deps.actor, asOf: deps.asOf,
      steps: outputs, graph: deps.graph, cel: deps.cel, policies: deps.policies, signal,
      ...(output === undefined ? {} : { output }),
    };
    results.push(await deps.runProver(ctx));
  }
  return results;
}
