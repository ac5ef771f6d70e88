// One attempt of one step, start to end: preconditions (a failure stops the step before it
// runs), the step kind itself, then postconditions (a failure lets the run finish but blocks its
// exports). An attempt writes only into its own draft: outputs, proofs, recordings, effects and
// artifacts become the run's when the scheduler accepts the attempt (RunState.commit), never
// before, so an attempt that timed out and resolves late changes nothing (issue 9). Proof results
// are kept in the draft even when the step throws, so the manifest records the failed proof.
import type { Runbook, Step } from '../model/runbook.ts';
import type { GraphStore } from '../base/graph-store.ts';
import type { CelEngine, Effect, HttpPort, Notifier, Recording } from '../base/step-ports.ts';
import type { StepKind, StepResult } from '../steps/step-kind.ts';
import type { PolicySet, ProofResult, Proofs } from '../base/proofs.ts';
import type { ProverContext } from '../provers/prover-kind.ts';
import { PcqError } from '../base/errors.ts';
import { secretRegistry } from '../base/secrets.ts';
import type { ArtifactCollector, ArtifactStage } from './artifact-collector.ts';
import { fenceCel, fenceGraph, fenceHttp, fenceNotifier } from './attempt-ports.ts';
import type { BranchOutcome } from '../base/signed-records.ts';
import type { ApprovalPort } from '../base/step-ports.ts';
import { OutputTable } from '../base/step-outputs.ts';

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
  /** Decisions for approval steps (steps/approval.ts). */
  approvals?: ApprovalPort;
}

/** Everything one attempt produced; nothing in it is the run's until the attempt is accepted. */
export interface AttemptDraft {
  readonly stepId: string;
  readonly attempt: number;
  readonly proofs: Proofs;
  readonly artifacts: ArtifactStage;
  result?: StepResult;
  /** The step's `when:` decision (run/conditions.ts), set before the step runs. */
  branch?: BranchOutcome;
  /** An approval before it was rejected: the step does not run (run/approval-gate.ts). */
  halted?: boolean;
}

/** State of one run: what accepted attempts produced (proofs also for a step's final failure). */
export class RunState {
  readonly outputs = new OutputTable();
  readonly proofs = new Map<string, Proofs>();
  readonly results = new Map<string, StepResult>();
  readonly recordings: Recording[] = [];
  readonly effects: Effect[] = [];
  /** Branch decisions of steps that have one (a condition, or a skip), by stepId. */
  readonly branches = new Map<string, BranchOutcome>();
  /** Steps a branch skipped: their outputs stay absent and their dependants may skip with them. */
  readonly branchSkipped = new Set<string>();

  /** Steps that did not run because an approval before them was rejected. */
  readonly halted = new Set<string>();

  commitHalt(draft: AttemptDraft): void {
    this.halted.add(draft.stepId);
    draft.artifacts.discard();
  }

  /** The scheduler accepted an attempt that decided to skip its step: nothing else becomes the run's. */
  commitSkip(draft: AttemptDraft): void {
    this.noteBranch(draft.stepId, draft.branch!);
    draft.artifacts.discard();
  }

  noteBranch(stepId: string, branch: BranchOutcome): void {
    if (branch.condition || branch.skipped) this.branches.set(stepId, branch);
    if (branch.skipped) this.branchSkipped.add(stepId);
  }

  /** The scheduler accepted this successful attempt: its work becomes the run's. */
  commitSuccess(draft: AttemptDraft): void {
    if (draft.branch) this.noteBranch(draft.stepId, draft.branch);
    const result = draft.result!;
    this.outputs.set(draft.stepId, result.output);
    this.results.set(draft.stepId, result);
    this.proofs.set(draft.stepId, draft.proofs);
    if (result.recordings) this.recordings.push(...result.recordings);
    if (result.effects) this.effects.push(...result.effects);
    draft.artifacts.commit();
  }

  /** The step's final failure came from this attempt itself (not a timeout): keep its proofs only. */
  commitFailure(draft: AttemptDraft): void {
    if (draft.branch) this.noteBranch(draft.stepId, draft.branch);
    this.proofs.set(draft.stepId, draft.proofs);
    draft.artifacts.discard();
  }
}

export function newDraft(stepId: string, attempt: number, artifacts: ArtifactCollector, signal: AbortSignal): AttemptDraft {
  return { stepId, attempt, proofs: {}, artifacts: artifacts.stage(stepId, signal) };
}

/**
 * Runs one attempt into `draft`. `table` holds the committed outputs of accepted steps; the attempt
 * reads a snapshot of it taken now (O(1): step-outputs.ts). Resolves when the attempt succeeded
 * (draft.result set) and rejects with its failure.
 */
export async function runStep(step: Step, deps: StepRunnerDeps, table: OutputTable, signal: AbortSignal, draft: AttemptDraft): Promise<void> {
  const kind = deps.stepKinds.get(step.type);
  if (!kind) {
    throw new PcqError({ code: 'PCQ_UNKNOWN_STEP_TYPE', message: `no step kind "${step.type}"`, hint: 'Run `pcq validate`.' });
  }
  const proofs = draft.proofs;
  const graph = fenceGraph(deps.graph, signal);
  const deadline = step.timeoutMs > 0 && Number.isFinite(step.timeoutMs) ? Date.now() + step.timeoutMs : undefined;
  const cel = fenceCel(deps.cel, signal, deadline);
  const proverDeps = { ...deps, graph, cel };
  const outputs = table.snapshot();

  // Preconditions: proved once per attempt, before any side effect.
  if (step.preconditions.length > 0) {
    proofs.preconditions = await proveAll(step, step.preconditions, proverDeps, outputs, signal, undefined);
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
  for (const need of step.needs) upstream[need] = outputs[need];
  const result = redactResult(
    await kind.run({
      runbook: deps.runbook,
      step,
      params: deps.params,
      upstream,
      steps: outputs,
      asOf: deps.asOf,
      random: deps.randomFor(step.stepId),
      signal,
      attempt: draft.attempt,
      ports: {
        graph,
        cel,
        http: fenceHttp(deps.http, signal),
        notifier: fenceNotifier(deps.notifier, signal),
        artifacts: draft.artifacts.sink,
        ...(deps.approvals ? { approvals: deps.approvals } : {}),
      },
    }),
  );

  // Postconditions: evaluated on the step's output; a failure is recorded, never thrown.
  if (step.postconditions.length > 0) {
    const withOutput = table.snapshot([step.stepId, result.output]);
    proofs.postconditions = await proveAll(step, step.postconditions, proverDeps, withOutput, signal, result.output);
  }
  draft.result = result;
}

/**
 * The one point where a step's result becomes data the run keeps, signs and hands on: every
 * registered secret is masked in its output and inputs (whatever reached them: a query, CEL over a
 * parameter, a response), and the count joins the masks the HTTP port made in its recordings, so
 * the signed predicate says a redaction happened (`redactions`, FORMATS.md). Recordings are
 * redacted where they enter (runtime/http-port.ts) and counted there, so a replay, which reads the
 * redacted recordings, counts the same.
 */
function redactResult(result: StepResult): StepResult {
  const output = secretRegistry.redactValue(result.output);
  const inputs = secretRegistry.redactValue(result.inputs);
  const recorded = (result.recordings ?? []).reduce((n, r) => n + (r.redactions ?? 0), 0);
  const redactions = output.count + inputs.count + recorded;
  if (redactions === 0) return result;
  return { ...result, output: output.value, ...(result.inputs !== undefined ? { inputs: inputs.value } : {}), redactions };
}

async function proveAll(
  step: Step,
  ids: string[],
  deps: StepRunnerDeps,
  outputs: Readonly<Record<string, unknown>>,
  signal: AbortSignal,
  output: unknown,
): Promise<ProofResult[]> {
  const results: ProofResult[] = [];
  // Sequential and in declaration order: proofs are signed, so their order must be deterministic.
  for (const id of ids) {
    const spec = deps.runbook.provers[id];
    if (!spec) {
      results.push({ prover: id, type: 'unknown', result: 'fail', evidence: `prover "${id}" is not declared under provers` });
      continue;
    }
    const ctx = {
      spec,
      step,
      runbook: deps.runbook,
      params: deps.params,
      actor: deps.actor,
      asOf: deps.asOf,
      steps: outputs,
      graph: deps.graph,
      cel: deps.cel,
      policies: deps.policies,
      signal,
      ...(output === undefined ? {} : { output }),
    };
    results.push(await deps.runProver(ctx));
  }
  return results;
}
