// Replay (seed 003 §6, docs/design.md §5): re-execute a recorded run from what it signed — the runbook
// text as it ran, its inputs, its asOf and actor, its external responses, its dataset files, each
// verified first (replay-source.ts) — in a sandbox, and compare the result with the signed
// manifest step by step. External calls answer from the
// recording only; notifications are compared with what was sent, never sent again. With the same
// signing key a faithful replay reproduces the identical Merkle root.
import { setUpSpells, withSpellKind } from './spell-setup.ts';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import type { PcqConfig } from '../runtime/config.ts';
import { PcqError, PcqErrors, isError } from '../base/errors.ts';
import { parseRunbook } from '../model/parse-runbook.ts';
import { planRunbook } from '../plan/plan.ts';
import type { Manifest } from '../base/signed-records.ts';
import { canonicalize } from '../proof/jcs.ts';
import { decodeEnvelopePayload } from '../proof/statement.ts';
import { ChangeSet } from '../store/change-set.ts';
import { writeJsonAtomic } from '../store/atomic-write.ts';
import { commitChange } from '../store/execution-store.ts';
import { readIndex } from '../store/execution-index.ts';
import { executionPaths } from '../store/layout.ts';
import { openRunServices } from './run-services.ts';
import { executeRun } from './execute-run.ts';
import { recordedApprovals } from '../proof/approval-decision.ts';
import { checkLoadedDatasets, checkSignedDatasets, readSignedReplaySource } from './replay-source.ts';
import { authorizeRunnerAtStart } from './authorize-runner.ts';

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
    throw new PcqError({
      code: 'PCQ_EXECUTION_NOT_FOUND',
      message: `no execution "${ref}" in ${join(config.attestationsDir, 'index.json')}`,
      hint: 'Pass an execution id from `attestations/index.json` or the path of a manifest.pcq.',
    });
  }
  return executionPaths(config.attestationsDir, entry.runbookId, entry.executionId).dir;
}

export async function replayExecution(config: PcqConfig, dir: string, env: Record<string, string | undefined>, now: Date = new Date()): Promise<ReplayReport> {
  // docs/design.md §7: the replaying key is authorized before anything is read or written. A replay signs
  // nothing that is published, so its key is checked at the wall clock, when it acts (a run from
  // before a key rotation stays replayable with the current key).
  const authorized = await authorizeRunnerAtStart({ config, env, asOf: now.toISOString().replace(/\.\d{3}Z$/, 'Z'), now });
  // Signed content only (replay-source.ts): never run.json.
  const source = await readSignedReplaySource(config, dir);
  const original = source.manifest;
  const parsed = parseRunbook(source.runbookText, source.runbookFile, { digest: original.runbookDigest });
  if (!parsed.runbook || parsed.issues.some(isError)) throw new PcqErrors(parsed.issues.filter(isError));
  const runbook = parsed.runbook;
  if (runbook.runbookId !== original.runbookId || runbook.version !== original.version) {
    throw new PcqError({
      code: 'PCQ_REPLAY_RUNBOOK_MISMATCH',
      message: `the signed runbook text is ${runbook.runbookId} v${runbook.version}, the manifest says ${original.runbookId} v${original.version}`,
      hint: 'The execution folder was modified; restore it from git.',
    });
  }
  await checkSignedDatasets(config.root, original, runbook.dataset !== undefined);
  const plan = planRunbook(runbook);
  const asOf = original.executedAt;
  const params = original.inputs;

  // Spells are admitted again, by today's trust store and policy; the unsigned opt-out only where the
  // original run signed that it took it.
  const spells = await setUpSpells({ config, runbook, env, allowUnsigned: tookUnsignedOptOut(original) });
  const sandbox = await mkdtemp(join(tmpdir(), 'pcq-replay-'));
  const replayConfig: PcqConfig = { ...config, actor: original.actor, outboxDir: join(sandbox, 'outbox') };
  try {
    const services = await openRunServices({
      config: replayConfig,
      runbook,
      params,
      asOf,
      env,
      mode: 'replay',
      replay: { recordings: source.recordings, effects: source.effects },
      outboxDir: join(sandbox, 'outbox'),
      signer: authorized.signer,
    });
    let outcome;
    try {
      // The bytes the graph loaded are the signed ones, checked before the first step starts.
      checkLoadedDatasets(original.datasets ?? [], services.datasets);
      outcome = await executeRun(
        {
          runbook,
          plan,
          params,
          asOf,
          actor: original.actor,
          executionId: original.executionId,
          concurrency: config.concurrency,
          authorization: authorized.authorization,
          ...(original.datasets ? { datasets: services.datasets } : {}),
          spells: spells.spells,
          ...(original.effectsPolicy ? { effects: spells.effects } : {}),
          // The recorded decisions of approval steps (FORMATS.md "Approval steps"): never asked again.
          approvals: recordedApprovals(original),
        },
        { ...services.ports, stepKinds: withSpellKind(services.ports.stepKinds, spells.spellKind) },
      );
    } finally {
      await services.close();
    }
    const replayed = outcome.manifest;
    const steps = compareSteps(original, replayed);
    const report: ReplayReport = {
      executionId: original.executionId,
      runbookId: original.runbookId,
      replayedAt: now.toISOString(),
      asOf,
      sameKey: replayed.executedBy === original.executedBy,
      identical: steps.every((s) => s.identical) && steps.length === original.steps.length && replayed.merkleRoot === original.merkleRoot,
      originalMerkleRoot: original.merkleRoot,
      replayedMerkleRoot: replayed.merkleRoot,
      steps,
    };
    const reportPath = await nextReportPath(join(dir, 'replays'));
    await storeReport(config.attestationsDir, reportPath, report);
    return { ...report, reportPath };
  } finally {
    await rm(sandbox, { recursive: true, force: true });
  }
}

/** Through the execution store when the run is in it; a manifest elsewhere gets its report beside it. */
async function storeReport(attestationsDir: string, reportPath: string, report: ReplayReport): Promise<void> {
  const rel = relative(resolve(attestationsDir), resolve(reportPath));
  if (rel.startsWith('..') || isAbsolute(rel)) return writeJsonAtomic(reportPath, report);
  const change = new ChangeSet(attestationsDir);
  change.putJson(reportPath, report);
  await commitChange(change);
}

async function nextReportPath(replaysDir: string): Promise<string> {
  const existing = await readdir(replaysDir).catch(() => [] as string[]);
  const numbers = existing
    .map((f) => /^(\d+)\.json$/.exec(f)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
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
      if (canonicalize(op[field] ?? null) !== canonicalize(rp[field] ?? null))
        differences.push({ field, original: small(op[field]), replayed: small(rp[field]) });
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

/** Whether a spell step of the original run was admitted with --allow-unsigned (its signed predicate says so). */
function tookUnsignedOptOut(manifest: Manifest): boolean {
  return manifest.steps.some((s) => {
    try {
      const statement = JSON.parse(Buffer.from(s.attestation.payload, 'base64').toString('utf8')) as {
        predicate?: { spell?: { signature?: { allowUnsigned?: unknown } } };
      };
      return statement.predicate?.spell?.signature?.allowUnsigned === true;
    } catch {
      return false;
    }
  });
}
