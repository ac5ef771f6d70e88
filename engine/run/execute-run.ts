// Runs one runbook end to end, in memory: schedule the DAG, prove pre/postconditions, attest each
// step in chain order, seal the manifest. It touches nothing outside its ports; persist-run.ts
// writes the outcome. Replays call the same function with replaying ports (docs/design.md §5).
import type { Runbook, Step } from '../model/runbook.ts';
import type { Plan } from '../plan/plan.ts';
import type { Signer } from '../base/signer.ts';
import type { StepRecord } from '../base/signed-records.ts';
import type { PrivateOpening } from '../proof/private-commitment.ts';
import type { ApprovalOutcome, DsseEnvelope, ManifestPause, RunnerAuthorization, SpellAttestation } from '../base/signed-records.ts';
import { approvalBarriers, pauseOf, pausedAt, rejectionGate } from './approval-gate.ts';
import { PcqError } from '../base/errors.ts';
import { crashPoint } from '../base/test-crash.ts';
import type { FinalizeReceipt, ManifestGrant, OpenReceipt } from '../base/prepaid-vault.ts';
import { sealManifest } from '../proof/seal.ts';
import { sha256Node } from '../proof/hash-node.ts';
import type { Manifest, ManifestDataset, RetryLink } from '../base/signed-records.ts';
import type { Clock } from '../base/clock.ts';
import type { GraphStore } from '../base/graph-store.ts';
import type { CelEngine, HttpPort, Notifier } from '../base/step-ports.ts';
import type { StepKind } from '../steps/step-kind.ts';
import type { PolicySet, ProofResult, Proofs } from '../base/proofs.ts';
import type { FailedProof, RunStatus, StepSummary } from '../base/run-record.ts';
import type { ProverContext } from '../provers/prover-kind.ts';
import { schedule } from './scheduler.ts';
import type { NodeResult, ScheduleResult, SchedulerEvent } from './scheduler-types.ts';
import { AttestationChain } from './attestation-chain.ts';
import { ArtifactCollector, type CollectedArtifact } from './artifact-collector.ts';
import { RunState, newDraft, runStep, type AttemptDraft, type StepRunnerDeps } from './step-runner.ts';
import { createRandom } from '../runtime/random.ts';
import { decideBranch, type BranchOutcome } from './conditions.ts';
import { replayForeign, type StepSubset } from './foreign-steps.ts';
import { recordingDigest } from '../runtime/http-port.ts';
import { canonicalize } from '../proof/jcs.ts';
import { createHash } from 'node:crypto';
import type { EffectsDecision } from '../runtime/effects-policy.ts';

const ONCE = { attempts: 1, backoffMs: [0] };

const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

export interface RunRequest {
  runbook: Runbook;
  plan: Plan;
  params: Record<string, unknown>; // already resolved (run-params.ts)
  asOf: string;
  actor: string;
  executionId: string;
  concurrency: number;
  /** The dataset files loaded into the graph (RunServices.datasets), bound into the signed manifest. */
  datasets?: readonly ManifestDataset[];
  /** The policies digest (runtime/policy-digest.ts), signed into the manifest. */
  policyDigest?: string;
  /** Granted before the run by run/authorize-runner.ts for ports.signer at asOf; sealed into the manifest. */
  authorization: RunnerAuthorization;
  /** Spell steps: the spell and the preflight checks (run/spell-preflight.ts), signed into each one's predicate. */
  spells?: ReadonlyMap<string, SpellAttestation>;
  /** The effects policy decision of run/effects-preflight.ts, sealed into the manifest. */
  effects?: EffectsDecision;
  /** A distributed run (plan/jobs.ts): the steps this process runs and those earlier jobs handed it. */
  steps?: StepSubset;
  /**
   * The vault run this execution was opened as (run/authorize-grant.ts): settled once the steps are
   * done and before the manifest is sealed, so the manifest binds the grant and both receipts.
   * Absent for a run outside a vault (replay).
   */
  vault?: VaultRun;
  /** `pcq retry`: the failed execution this run re-runs, signed into the manifest. */
  retryOf?: RetryLink;
  /** Decisions for approval steps (`pcq approve`, or the recorded ones on replay), by stepId; without one an approval pauses the run. */
  approvals?: ReadonlyMap<string, RecordedApproval>;
  /**
   * Resuming a paused run (run/resume-run.ts): the paused manifest's steps. The steps before the
   * pause run again from the paused run's record (ports.recorded: its recorded responses and
   * effects, never the live services) and must reproduce these attestations byte for byte, or
   * nothing is sealed.
   */
  resumeOf?: { steps: ReadonlyArray<{ stepId: string; attestationHash: string }> };
}

/** An approval step's decision as the run uses it: the signed outcome and the approver's envelope. */
export interface RecordedApproval {
  outcome: ApprovalOutcome;
  envelope: DsseEnvelope;
}

export interface VaultRun {
  grant: ManifestGrant;
  open: OpenReceipt;
  /** finalize_run with the steps that ran; `ok` false when a step failed (finalize-on-error applies). */
  settle(stepsRun: number, ok: boolean): Promise<FinalizeReceipt>;
}

export interface RunPorts {
  clock: Clock;
  signer: Signer;
  graph: GraphStore;
  cel: CelEngine;
  http: HttpPort;
  notifier: Notifier;
  policies: PolicySet;
  stepKinds: ReadonlyMap<string, StepKind>;
  runProver: (ctx: ProverContext) => Promise<ProofResult>;
  onEvent?: (event: SchedulerEvent) => void;
  signal?: AbortSignal;
  /**
   * Resuming (RunRequest.resumeOf): the ports the steps before the pause use, answering from the
   * paused run's recordings and comparing notifications with its effects, never calling out.
   */
  recorded?: { http: HttpPort; notifier: Notifier };
}

export interface RunOutcome {
  request: RunRequest;
  manifest: Manifest;
  records: StepRecord[];
  steps: StepSummary[];
  artifacts: CollectedArtifact[];
  recordings: RunState['recordings'];
  effects: RunState['effects'];
  /** Private steps' values and salts (model/private-steps.ts): persisted under private/ and sealed only. */
  openings: PrivateOpening[];
  /** The effects (sent notifications) of private steps, out of `effects`: kept private likewise. */
  privateEffects: RunState['effects'];
  outputs: Record<string, unknown>;
  /** Execution logs of accepted attempts (spell steps), by stepId: private, never published. */
  logs: Array<{ stepId: string; text: string }>;
  status: RunStatus;
  /** Failed preconditions (stopped their step) and postconditions; any of them blocks the run's exports. */
  failedProofs: FailedProof[];
  durationMs: number;
  /** status `paused`: the approval step the run waits at (also sealed in the manifest). */
  pause?: ManifestPause;
}

export async function executeRun(req: RunRequest, ports: RunPorts): Promise<RunOutcome> {
  const { runbook, plan } = req;
  const stepById = new Map(runbook.steps.map((s) => [s.stepId, s]));
  const needs = new Map(plan.order.map((id) => [id, stepById.get(id)?.needs ?? []]));
  const chain = new AttestationChain(
    plan.order,
    needs,
    {
      runbookId: runbook.runbookId,
      runbookVersion: runbook.version,
      runbookDigest: runbook.source.digest,
      asOf: req.asOf,
      params: req.params,
    },
    ports.signer,
  );
  // One scheduling path for every run (runScheduled): each step is signed as soon as the chain allows;
  // failures surface at finish().
  const { state, scheduled, artifacts, pauseIndex, inPrefix } = await runScheduled(req, ports, (record) => void chain.offer(record).catch(() => undefined));
  const sealedCount = pauseIndex ?? plan.order.length;
  const links = await chain.finish(sealedCount);
  if (req.resumeOf) checkResumedPrefix(req.resumeOf.steps, links);
  const pause = pauseIndex === undefined ? undefined : pauseOf(stepById.get(plan.order[pauseIndex]!)!);
  const stepFailed = pause === undefined && scheduled.results.some((r) => r.status === 'failed');
  const stepsRun = scheduled.results.filter((r) => r.status === 'succeeded' || r.status === 'failed').length;
  // A paused run's vault run stays open (its manifest binds open_run only); resuming settles it.
  const finalize = req.vault && !pause ? await req.vault.settle(stepsRun, !stepFailed) : undefined;
  const manifest = await sealManifest({
    sha256: sha256Node, // node:crypto: the portable default (noble) was a tenth of a large run's cost
    executionId: req.executionId,
    runbookId: runbook.runbookId,
    version: runbook.version,
    runbookDigest: runbook.source.digest,
    asOf: req.asOf,
    actor: req.actor,
    inputs: req.params,
    ...(req.datasets ? { datasets: req.datasets } : {}),
    ...(req.policyDigest !== undefined ? { policyDigest: req.policyDigest } : {}),
    ...(req.effects
      ? {
          effectsPolicy: {
            decision: 'allowed' as const,
            policyFile: req.effects.policyFile,
            policyDigest: req.effects.policyDigest,
            effects: req.effects.effects.map((e) => ({ stepId: e.stepId, type: e.type, target: e.target, mutates: e.mutates, source: e.source })),
          },
        }
      : {}),
    steps: links.map((l) => ({ stepId: l.stepId, envelope: l.envelope, hash: l.hash, proofs: l.record.proofs })),
    signer: ports.signer,
    authorization: req.authorization,
    ...(req.vault ? { grant: { grant: req.vault.grant, receipts: { open: req.vault.open, ...(finalize ? { finalize } : {}) } } } : {}),
    ...(req.retryOf ? { retryOf: req.retryOf } : {}),
    ...(pause ? { pause } : {}),
    approvals: links.flatMap((l) => (l.record.approval ? [req.approvals!.get(l.stepId)!.envelope] : [])),
  });

  const failedProofs = collectFailedProofs(plan.order, state.proofs);
  // A failed prover (precondition or postcondition) makes the run `blocked` whatever happens
  // downstream (a step it starved may then fail): its exports are withheld and a review opens
  // (FORMATS.md "Run status"). `failed` is a step failure no prover caught.
  const failed = stepFailed;
  const blocked = failedProofs.length > 0;
  const rejected = links.some((l) => l.record.approval?.decision === 'reject');
  return {
    request: req,
    manifest,
    records: links.map((l) => l.record),
    steps: scheduled.results
      .filter((r) => inPrefix.has(r.id))
      .map((r) => summarise(r, stepById.get(r.id)!.type, state.proofs.get(r.id) ?? {}, state.branches.get(r.id), state.halted.has(r.id))),
    artifacts: artifacts.list(),
    recordings: state.recordings,
    effects: state.effects,
    openings: links.flatMap((l) => (l.opening ? [l.opening] : [])),
    privateEffects: runbook.steps.filter((s) => s.private).flatMap((s) => state.results.get(s.stepId)?.effects ?? []),
    outputs: state.outputs.all,
    logs: plan.order.flatMap((id) => {
      const log = state.results.get(id)?.log;
      return log === undefined ? [] : [{ stepId: id, text: log }];
    }),
    status: pause ? 'paused' : blocked ? 'blocked' : failed ? 'failed' : rejected ? 'rejected' : 'succeeded',
    failedProofs,
    durationMs: scheduled.durationMs,
    ...(pause ? { pause } : {}),
  };
}

/** What scheduling the steps left: run state, the scheduler's results and the record of each step. */
export interface ScheduledRun {
  state: RunState;
  scheduled: ScheduleResult<AttemptDraft>;
  artifacts: ArtifactCollector;
  recordFor: (stepId: string, status: StepRecord['status']) => StepRecord;
  /** The chain index of the approval step that paused the run (run/approval-gate.ts), if one did. */
  pauseIndex?: number;
  /** The steps whose records were offered: the chain prefix before the pause, or every scheduled step. */
  inPrefix: ReadonlySet<string>;
}

/**
 * Schedules the steps (all of them, or for a distributed job its own and the foreign ones it was
 * handed, run/foreign-steps.ts) and offers each step's record as soon as it is final. The one
 * scheduling path of `pcq run`, replay, resume, a distributed job and the seal job.
 */
export async function runScheduled(req: RunRequest, ports: RunPorts, offer: (record: StepRecord) => void): Promise<ScheduledRun> {
  const { runbook, plan } = req;
  const stepById = new Map(runbook.steps.map((s) => [s.stepId, s]));
  const state = new RunState();
  // Any failed prover, pre or post, blocks the run: from then on no artifact may leave it.
  const artifacts = new ArtifactCollector(() =>
    [...state.proofs.values()].some((p) => [...(p.preconditions ?? []), ...(p.postconditions ?? [])].some((r) => r.result === 'fail')),
  );
  const { deps, prefix, prefixDeps } = stepDeps(req, ports, artifacts);
  const recordFor = recorder(req, stepById, state);

  // Each attempt works in its own draft; the scheduler's acceptance is the only commit, so an
  // abandoned attempt (timed out, aborted) reaches no state, no downstream step and no signature.
  const drafts = new Map<string, AttemptDraft>();
  const draftKey = (id: string, attempt: number): string => `${attempt}:${id}`;
  // Approval steps are barriers in chain order (run/approval-gate.ts); scheduling only, never signed.
  const schedulingNeeds = approvalBarriers(plan.order, stepById);
  const haltedAfterRejection = rejectionGate(plan.order, stepById);
  let pausedStep: string | undefined;
  const scheduled = await schedule<AttemptDraft>({
    nodes: plan.order
      .filter((id) => !req.steps || req.steps.own.has(id) || req.steps.foreign.has(id))
      .map((id) => {
        const s = stepById.get(id)!;
        // A foreign step's outcome is final: replayed once, never retried.
        return { id, needs: schedulingNeeds.get(id)!, retry: req.steps?.foreign.has(id) ? ONCE : s.retry, timeoutMs: s.timeoutMs };
      }),
    concurrency: req.concurrency,
    clock: ports.clock,
    ...(ports.signal ? { signal: ports.signal } : {}),
    onEvent: (event) => {
      // An approval without a decision pauses the run (approval-gate.ts): reported as the pause it
      // is, and nothing after it is reported (it has not run; it will when the run resumes).
      if (event.type === 'step-failed' && event.error.code === 'PCQ_RUN_PAUSED') {
        pausedStep = event.id;
        return ports.onEvent?.({ type: 'step-skipped', id: event.id, reason: 'paused', at: event.at });
      }
      if (pausedStep !== undefined && event.type === 'step-skipped') return;
      // A branch skip is a success to the scheduler (its dependants must start and decide); the
      // run reports it as the skip it is.
      const skipped =
        event.type === 'step-finished' ? (state.branches.get(event.id)?.skipped ?? (state.halted.has(event.id) ? 'rejected' : undefined)) : undefined;
      if (skipped) return ports.onEvent?.({ type: 'step-skipped', id: event.id, reason: skipped, at: event.at });
      // The step's proofs were committed when its attempt was accepted, before this event: a failed
      // prover shows the step as blocked from the moment it finishes, not as a success.
      const blockedBy = event.type === 'step-finished' ? failedProverOf(state.proofs.get(event.id)) : undefined;
      ports.onEvent?.(event.type === 'step-finished' && blockedBy !== undefined ? { ...event, blockedBy } : event);
    },
    run: async (id, ctx) => {
      const draft = newDraft(id, ctx.attempt, artifacts, ctx.signal);
      drafts.set(draftKey(id, ctx.attempt), draft);
      const step = stepById.get(id)!;
      const foreign = req.steps?.foreign.get(id);
      if (foreign) {
        await replayForeign(foreign, draft);
        return draft;
      }
      // After a rejected approval nothing else runs: the step is recorded as skipped (FORMATS.md "Approval steps").
      if (haltedAfterRejection(state.outputs.snapshot(), id)) {
        draft.halted = true;
        return draft;
      }
      draft.branch = decideBranch(step, state.branchSkipped, ports.cel, { params: req.params, steps: state.outputs.snapshot(), asOf: req.asOf });
      if (draft.branch.skipped) return draft;
      if (!prefix.has(id)) crashPoint(`step:${id}`);
      await runStep(step, prefix.has(id) ? prefixDeps : deps, state.outputs, ctx.signal, draft);
      return draft;
    },
    onAccepted: (id, accepted) => {
      const draft = drafts.get(draftKey(id, accepted.attempt));
      for (let n = 1; n <= accepted.attempt; n++) drafts.delete(draftKey(id, n));
      if (accepted.ok && accepted.value.halted) {
        state.commitHalt(accepted.value);
        offer(recordFor(id, 'skipped'));
      } else if (accepted.ok && accepted.value.branch?.skipped) {
        state.commitSkip(accepted.value);
        offer(recordFor(id, 'skipped'));
      } else if (accepted.ok) {
        state.commitSuccess(accepted.value);
        offer(recordFor(id, 'succeeded'));
      } else if (draft && !accepted.abandoned) {
        state.commitFailure(draft);
      } else {
        draft?.artifacts.discard();
      }
    },
  });

  // An approval without a decision paused the run: only the steps before it are offered (signed and sealed).
  const pauseIndex = pausedAt(plan.order, scheduled.results, stepById);
  const inPrefix = new Set(pauseIndex === undefined ? scheduled.results.map((r) => r.id) : plan.order.slice(0, pauseIndex));
  for (const r of scheduled.results) {
    if (!inPrefix.has(r.id)) continue;
    if (r.status === 'skipped') skipWithParents(stepById.get(r.id)!.needs, r.id, state);
    if (r.status !== 'succeeded') offer(recordFor(r.id, r.status));
  }
  return { state, scheduled, artifacts, recordFor, ...(pauseIndex !== undefined ? { pauseIndex } : {}), inPrefix };
}

/** What a step attempt runs with; resuming, the steps before the pause get the recorded ports (resume-run.ts). */
function stepDeps(
  req: RunRequest,
  ports: RunPorts,
  artifacts: ArtifactCollector,
): { deps: StepRunnerDeps; prefix: ReadonlySet<string>; prefixDeps: StepRunnerDeps } {
  // Randomness is seeded from what the run is about, never from the wall clock (docs/design.md §5).
  const runSeed = sha256Hex(canonicalize({ runbook: req.runbook.source.digest, params: req.params, asOf: req.asOf }));
  const deps: StepRunnerDeps = {
    runbook: req.runbook,
    params: req.params,
    asOf: req.asOf,
    actor: req.actor,
    stepKinds: ports.stepKinds,
    runProver: ports.runProver,
    policies: ports.policies,
    graph: ports.graph,
    cel: ports.cel,
    http: ports.http,
    notifier: ports.notifier,
    artifacts,
    randomFor: (stepId: string) => lazyRandom(() => createRandom(sha256Hex(`${runSeed}:${stepId}`))),
    approvals: { decisionFor: (stepId: string) => req.approvals?.get(stepId)?.outcome },
  };
  const prefix = new Set(req.resumeOf?.steps.map((s) => s.stepId) ?? []);
  if (prefix.size > 0 && !ports.recorded) {
    throw new PcqError({
      code: 'PCQ_INTERNAL',
      message: 'a resumed run was started without the recorded ports for its steps before the pause',
      hint: 'This is a bug in pcq; report it. Nothing was changed.',
    });
  }
  const prefixDeps = ports.recorded ? { ...deps, http: ports.recorded.http, notifier: ports.recorded.notifier } : deps;
  return { deps, prefix, prefixDeps };
}

/**
 * A step's generator, seeded on its first draw: most steps never draw, and seeding (a SHA-256 and
 * the generator's state) for each of them was ~4 % of a trivial step's cost (issue 16). The draws
 * are the same numbers, seeded from the same digest.
 */
function lazyRandom(seed: () => () => number): () => number {
  let random: (() => number) | undefined;
  return () => (random ??= seed())();
}

/** The record a step is signed with, from what its accepted attempt committed. */
function recorder(req: RunRequest, stepById: ReadonlyMap<string, Step>, state: RunState): (stepId: string, status: StepRecord['status']) => StepRecord {
  return (stepId, status) => {
    const step = stepById.get(stepId)!;
    const result = state.results.get(stepId);
    const upstream: Record<string, unknown> = {};
    for (const n of step.needs) upstream[n] = state.outputs.valueOf(n) ?? null;
    return {
      stepId,
      type: step.type,
      status,
      inputs: status === 'skipped' ? null : (result?.inputs ?? upstream),
      outputs: result ? result.output : null,
      proofs: state.proofs.get(stepId) ?? {},
      artifacts: (result?.artifacts ?? []).map((a) => ({ name: a.name, mediaType: a.mediaType, digest: a.digest, size: a.size })),
      recordings: (result?.recordings ?? []).map(recordingDigest),
      ...(result?.redactions ? { redactions: result.redactions } : {}),
      private: step.private,
      ...state.branches.get(stepId),
      ...(req.spells?.has(stepId) ? { spell: req.spells.get(stepId)! } : {}),
      ...(step.type === 'approval' && status === 'succeeded' && req.approvals?.has(stepId) ? { approval: req.approvals.get(stepId)!.outcome } : {}),
    };
  };
}

function collectFailedProofs(order: readonly string[], proofs: ReadonlyMap<string, Proofs>): FailedProof[] {
  const out: FailedProof[] = [];
  for (const stepId of order) {
    const p = proofs.get(stepId);
    for (const proof of p?.preconditions ?? []) if (proof.result === 'fail') out.push({ stepId, phase: 'precondition', proof });
    for (const proof of p?.postconditions ?? []) if (proof.result === 'fail') out.push({ stepId, phase: 'postcondition', proof });
  }
  return out;
}

function summarise(r: NodeResult<unknown>, type: string, proofs: Proofs, branch: BranchOutcome | undefined, halted: boolean): StepSummary {
  const status = branch?.skipped || halted ? 'skipped' : r.status;
  const s: StepSummary = { stepId: r.id, type, status, attempts: r.attempts, durationMs: Math.round((r.durationMs ?? 0) * 1000) / 1000, proofs };
  if (r.error) s.error = r.error;
  if (halted) s.skipReason = 'rejected';
  else if (branch?.skipped) s.skipReason = branch.skipped;
  else if (r.skipReason) s.skipReason = r.skipReason;
  if (branch?.condition) s.condition = branch.condition;
  return s;
}

/**
 * A step the scheduler never started (fail-fast, abort) whose parents were all skipped by a branch
 * is skipped with them all the same: the rule needs no work, and the verifier checks it on every
 * manifest (verify-links.ts), whatever else happened in the run.
 */
function skipWithParents(needs: readonly string[], stepId: string, state: RunState): void {
  if (needs.length > 0 && needs.every((n) => state.branchSkipped.has(n))) state.noteBranch(stepId, { skipped: 'parents-skipped' });
}

/** "<phase> <prover>" of a step's first failed prover (postconditions first: they block the run). */
function failedProverOf(proofs: Proofs | undefined): string | undefined {
  const post = proofs?.postconditions?.find((p) => p.result === 'fail');
  if (post) return `postcondition ${post.prover}`;
  const pre = proofs?.preconditions?.find((p) => p.result === 'fail');
  return pre ? `precondition ${pre.prover}` : undefined;
}

/** Resuming: the re-executed steps before the pause must be the paused run's attestations, byte for byte. */
function checkResumedPrefix(paused: ReadonlyArray<{ stepId: string; attestationHash: string }>, links: ReadonlyArray<{ stepId: string; hash: string }>): void {
  const differ = paused.filter((p, i) => links[i]?.stepId !== p.stepId || links[i]?.hash !== p.attestationHash).map((p) => p.stepId);
  if (differ.length === 0) return;
  throw new PcqError({
    code: 'PCQ_RESUME_DIVERGED',
    message: `resuming re-ran the steps before the pause, and ${differ.join(', ')} did not reproduce the paused attestation${differ.length > 1 ? 's' : ''}`,
    hint: 'The runbook, its data, the policies or the runner key changed since the run paused; restore them and decide again. Nothing was changed.',
  });
}
