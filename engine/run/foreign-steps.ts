// Steps that ran in another job of a distributed run (plan/jobs.ts, FORMATS.md "Distributed runs").
// A job hands on what the scheduler accepted for each step it ran — outputs, proofs, branch
// decision, recordings, effects and artifact bytes — never a signature: the seal job re-offers
// every step's record to one attestation chain, so the chain, the signatures and the Merkle root
// are exactly those of a single-process run (the chain is linear in plan order and cannot be
// signed piecewise by jobs running at the same time).
// A job file is read as hostile input: parsed, shape-checked, bound to the runbook digest, the
// inputs and asOf of this run, and to the job graph (a job may only bring steps of its own jobs).
import { PcqError, type PcqIssue } from '../base/errors.ts';
import type { Proofs } from '../base/proofs.ts';
import type { BranchOutcome } from '../base/signed-records.ts';
import type { StepResult } from '../steps/step-kind.ts';
import { canonicalize } from '../proof/jcs.ts';
import type { AttemptDraft } from './step-runner.ts';
import type { ScheduledRun } from './execute-run.ts';

export const JOB_FILE_FORMAT = 'pcq-job/v1';

export interface ForeignStep {
  stepId: string;
  status: 'succeeded' | 'failed';
  proofs: Proofs;
  branch?: BranchOutcome;
  result?: StepResult;
  /** Artifact bytes the step wrote (exports), base64. */
  files?: Array<{ name: string; mediaType: string; base64: string }>;
  error?: PcqIssue;
}

/** Which steps this process runs, and what earlier jobs handed it. */
export interface StepSubset {
  own: ReadonlySet<string>;
  foreign: ReadonlyMap<string, ForeignStep>;
}

export interface JobFile {
  format: typeof JOB_FILE_FORMAT;
  runbookDigest: string;
  asOf: string;
  inputs: Record<string, unknown>;
  job: string;
  /** This job's steps and every step it was handed (so a job needs only its direct needs' files). */
  steps: ForeignStep[];
}

/** Puts a foreign step's accepted outcome into the draft, as if the attempt had just produced it. */
export async function replayForeign(step: ForeignStep, draft: AttemptDraft): Promise<void> {
  Object.assign(draft.proofs, step.proofs);
  if (step.branch) draft.branch = step.branch;
  if (step.status === 'failed') {
    throw new PcqError(step.error ?? { code: 'PCQ_JOB_FILE_INVALID', message: `step ${step.stepId} failed in its job without an error` });
  }
  for (const f of step.files ?? []) await draft.artifacts.sink.write(f.name, Buffer.from(f.base64, 'base64'), f.mediaType);
  if (step.result) draft.result = step.result;
}

/** What a job hands on: its own steps' accepted outcomes (steps fail-fast never started are absent). */
export function ownSteps(run: ScheduledRun, own: ReadonlySet<string>): ForeignStep[] {
  const out: ForeignStep[] = [];
  for (const r of run.scheduled.results) {
    if (!own.has(r.id)) continue;
    const branch = run.state.branches.get(r.id);
    const proofs = run.state.proofs.get(r.id) ?? {};
    if (r.status === 'failed') out.push({ stepId: r.id, status: 'failed', proofs, ...(branch ? { branch } : {}), ...(r.error ? { error: r.error } : {}) });
    if (r.status !== 'succeeded') continue;
    const result = run.state.results.get(r.id);
    const files = run.artifacts
      .list()
      .filter((a) => a.stepId === r.id)
      .map((a) => ({ name: a.name, mediaType: a.mediaType, base64: Buffer.from(a.bytes).toString('base64') }));
    out.push({ stepId: r.id, status: 'succeeded', proofs, ...(branch ? { branch } : {}), ...(result ? { result } : {}), ...(files.length ? { files } : {}) });
  }
  return out;
}

function invalid(file: string, why: string): PcqError {
  return new PcqError({
    code: 'PCQ_JOB_FILE_INVALID',
    message: `${file}: ${why}`,
    hint: 'Pass the job files of this run only, as the compiled workflow hands them on (pcq compile).',
  });
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses one job file and checks it belongs to this run; `allowed` are the steps of the jobs it may come from. */
export function readJobFile(
  text: string,
  file: string,
  run: { runbookDigest: string; asOf: string; inputs: Record<string, unknown> },
  allowed: ReadonlySet<string>,
): JobFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid(file, 'not JSON');
  }
  if (!isObj(value) || value.format !== JOB_FILE_FORMAT || !Array.isArray(value.steps) || typeof value.job !== 'string')
    throw invalid(file, `not a ${JOB_FILE_FORMAT} file`);
  if (value.runbookDigest !== run.runbookDigest || value.asOf !== run.asOf || canonicalize(value.inputs ?? null) !== canonicalize(run.inputs)) {
    throw invalid(file, 'it belongs to another run (runbook digest, asOf or inputs differ)');
  }
  for (const step of value.steps) {
    if (!isObj(step) || typeof step.stepId !== 'string' || (step.status !== 'succeeded' && step.status !== 'failed') || !isObj(step.proofs))
      throw invalid(file, 'a step entry is malformed');
    if (!allowed.has(step.stepId)) throw invalid(file, `step ${step.stepId} is not one its jobs may hand on`);
    if (
      step.files !== undefined &&
      !(
        Array.isArray(step.files) &&
        step.files.every((f) => isObj(f) && typeof f.name === 'string' && typeof f.mediaType === 'string' && typeof f.base64 === 'string')
      )
    )
      throw invalid(file, `step ${step.stepId} has malformed files`);
  }
  return value as unknown as JobFile;
}
