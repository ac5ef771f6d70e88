// Replay (seed 003 §6, docs/DESIGN.md §5): re-execute a recorded run from what it recorded — the runbook
// text as it ran, its inputs, its asOf and actor, its external responses — in a sandbox, and
// compare the result with the signed manifest step by step. External calls answer from the
// recording only; notifications are compared with what was sent, never sent again. With the same
// signing key a faithful replay reproduces the identical Merkle root.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import type { PcqConfig } from '../runtime/config.ts';
import { PcqError, PcqErrors, isError } from '../base/errors.ts';
import { parseRunbook } from '../model/parse-runbook.ts';
import { planRunbook } from '../plan/plan.ts';
import { parseManifestText } from '../proof/manifest.ts';
import type { Manifest } from '../base/signed-records.ts';
import { canonicalize } from '../proof/jcs.ts';
import { decodeEnvelopePayload } from '../proof/statement.ts';
import { writeJsonAtomic } from '../store/atomic-write.ts';
import { readIndex } from '../store/execution-index.ts';
import { readOptional } from '../store/read-optional.ts';
import { executionPaths } from '../store/layout.ts';
import type { Effect, Recording } from '../base/step-ports.ts';
import { openRunServices } from './run-services.ts';
import { executeRun } from './execute-run.ts';
import type { RunRecordFile } from '../base/run-record.ts';

export interface StepDifference {
  field: 'status' | 'inputs' | 'outputs' | 'proofs' | 'artifacts' | 'attestation';
  original: unknown;
  replayed: unknown;
}

export interface ReplayStepReport {
  stepId: string;
  identical: boolean;
  originalDigest: string; // the subject digest (sha256 of the canonical outputs)
  replayedDigest: string;
  replayedOutputs?: unknown; // only when it differs and is small
  differences: StepDifference[];
}

export interface ReplayReport {
  executionId: string;
  runbookId: string;
  replayedAt: string; // wall clock, when the replay ran
  asOf: string;
  sameKey: boolean;
  identical: boolean;
  originalMerkleRoot: string;
  replayedMerkleRoot: string;
  steps: ReplayStepReport[];
  reportPath?: string;
}

const SMALL = 16 * 1024;

/** Finds an execution folder from an execution id (via the index) or a manifest path. */
export async function locateExecution(config: PcqConfig, ref: string): Promise<string> {
  if (ref.endsWith('.pcq')) return dirname(ref);
  const index = await readIndex(config.attestationsDir);
  const entry = index.executions.find((e) => e.executionId === ref);
  if (!entry) {
    throw new PcqError({ code: 'PCQ_EXECUTION_NOT_FOUND', message: `no execution "${ref}" in ${join(config.attestationsDir, 'index.json')}`, hint: 'Pass an execution id from `attestations/index.json` or the path of a manifest.pcq.' });
  }
  return executionPaths(config.attestationsDir, entry.runbookId, entry.executionId).dir;
}

async function readJson<T>(path: string, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new PcqError({ code: 'PCQ_REPLAY_RECORD_MISSING', message: `the execution has no ${what} (${path})`, hint: 'Only runs stored by `pcq run` can be replayed.' });
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new PcqError({ code: 'PCQ_REPLAY_RECORD_MISSING', message: `${path} is not valid JSON: ${(err as Error).message}`, hint: 'Restore the execution folder from git.' });
  }
}

async function readPrivate<T>(path: string): Promise<T[]> {
  return (await readOptional(path)) === undefined ? [] : readJson<T[]>(path, 'private record');
}

export async function replayExecution(config: PcqConfig, dir: string, env: Record<string, string | undefined>, now: Date = new Date()): Promise<ReplayReport> {
  const record = await readJson<RunRecordFile>(join(dir, 'run.json'), 'run record');
  const snapshot = await readJson<{ file: string; digest: string; text: string }>(join(dir, 'runbook.json'), 'runbook snapshot');
  // Private steps' recordings and effects live under private/ (seal-private.ts): a replay needs both.
  const recordings = [...await readJson<Recording[]>(join(dir, 'recordings.json'), 'recordings'), ...await readPrivate<Recording>(join(dir, 'private', 'recordings.json'))];
  const effects = [...await readJson<Effect[]>(join(dir, 'effects.json'), 'effects'), ...await readPrivate<Effect>(join(dir, 'private', 'effects.json'))];
  const original = parseManifestText(await readFile(join(dir, 'manifest.pcq'), 'utf8')) as Manifest;

  const digest = 'sha256:' + createHash('sha256').update(snapshot.text, 'utf8').digest('hex');
  if (digest !== snapshot.digest || digest !== original.runbookDigest) {
    throw new PcqError({ code: 'PCQ_REPLAY_RUNBOOK_MISMATCH', message: `the stored runbook text does not match the digest the manifest signed (${original.runbookDigest})`, hint: 'The execution folder was modified; verify the manifest and restore the folder from git.' });
  }
  const parsed = parseRunbook(snapshot.text, snapshot.file, { digest });
  if (!parsed.runbook || parsed.issues.some(isError)) throw new PcqErrors(parsed.issues.filter(isError));
  const runbook = parsed.runbook;
  const plan = planRunbook(runbook);

  const sandbox = await mkdtemp(join(tmpdir(), 'pcq-replay-'));
  const replayConfig: PcqConfig = { ...config, actor: record.actor, outboxDir: join(sandbox, 'outbox') };
  try {
    const services = await openRunServices({ config: replayConfig, runbook, params: record.params, asOf: record.asOf, env, mode: 'replay', replay: { recordings, effects }, outboxDir: join(sandbox, 'outbox') });
    let outcome;
    try {
      outcome = await executeRun(
        { runbook, plan, params: record.params, asOf: record.asOf, actor: record.actor, executionId: record.executionId, concurrency: config.concurrency },
        services.ports,
      );
    } finally {
      await services.close();
    }
    const replayed = outcome.manifest;
    const steps = compareSteps(original, replayed);
    const report: ReplayReport = {
      executionId: record.executionId,
      runbookId: record.runbookId,
      replayedAt: now.toISOString(),
      asOf: record.asOf,
      sameKey: replayed.executedBy === original.executedBy,
      identical: steps.every((s) => s.identical) && steps.length === original.steps.length && replayed.merkleRoot === original.merkleRoot,
      originalMerkleRoot: original.merkleRoot,
      replayedMerkleRoot: replayed.merkleRoot,
      steps,
    };
    const reportPath = await nextReportPath(join(dir, 'replays'));
    await writeJsonAtomic(reportPath, report);
    return { ...report, reportPath };
  } finally {
    await rm(sandbox, { recursive: true, force: true });
  }
}

async function nextReportPath(replaysDir: string): Promise<string> {
  const existing = await readdir(replaysDir).catch(() => [] as string[]);
  const numbers = existing.map((f) => /^(\d+)\.json$/.exec(f)?.[1]).filter((n): n is string => n !== undefined).map(Number);
  return join(replaysDir, `${(numbers.length === 0 ? 0 : Math.max(...numbers)) + 1}.json`);
}

function predicateOf(envelope: unknown): Record<string, unknown> {
  const statement = (decodeEnvelopePayload(envelope) ?? {}) as { predicate?: Record<string, unknown>; subject?: Array<{ digest?: { sha256?: string } }> };
  return { ...(statement.predicate ?? {}), subjectDigest: 'sha256:' + (statement.subject?.[0]?.digest?.sha256 ?? '') };
}

/** Per step, by stepId: which signed fields differ between the recorded and the replayed attestation. */
export function compareSteps(original: Manifest, replayed: Manifest): ReplayStepReport[] {
  const replayedById = new Map(replayed.steps.map((s) => [s.stepId, s]));
  const stepIds = [...original.steps.map((s) => s.stepId), ...replayed.steps.map((s) => s.stepId).filter((id) => !original.steps.some((o) => o.stepId === id))];
  return stepIds.map((stepId) => {
    const o = original.steps.find((s) => s.stepId === stepId);
    const r = replayedById.get(stepId);
    const op = o ? predicateOf(o.attestation) : {};
    const rp = r ? predicateOf(r.attestation) : {};
    const differences: StepDifference[] = [];
    for (const field of ['status', 'inputs', 'outputs', 'proofs', 'artifacts'] as const) {
      if (canonicalize(op[field] ?? null) !== canonicalize(rp[field] ?? null)) differences.push({ field, original: small(op[field]), replayed: small(rp[field]) });
    }
    // Same content but a different signature means a different key; the report says so via sameKey.
    if (differences.length === 0 && o?.attestationHash !== r?.attestationHash && canonicalize(op) !== canonicalize(rp)) {
      differences.push({ field: 'attestation', original: o?.attestationHash ?? null, replayed: r?.attestationHash ?? null });
    }
    const step: ReplayStepReport = {
      stepId,
      identical: o !== undefined && r !== undefined && differences.length === 0,
      originalDigest: String(op.subjectDigest ?? ''),
      replayedDigest: String(rp.subjectDigest ?? ''),
      differences,
    };
    if (!step.identical) step.replayedOutputs = small(rp.outputs);
    return step;
  });
}

function small(value: unknown): unknown {
  if (value === undefined) return null;
  const text = canonicalize(value);
  return text.length <= SMALL ? value : { digest: 'sha256:' + createHash('sha256').update(text).digest('hex'), size: text.length };
}
