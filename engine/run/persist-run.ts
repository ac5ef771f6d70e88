// The files of a sealed run under attestations/<runbookId>/<executionId>/ (engine/FORMATS.md),
// put into the run's change set with its index entry; the execution store commits them together
// with the verdict files and the ticket (run-runbook.ts), so a reader that finds the index entry
// finds a complete execution folder. Exports land in exports/ only when no prover failed and no step failed;
// otherwise in private/withheld/ (sealed copies under sealed/), and nothing under private/ is ever
// published (zero exports leave blocked). Private steps' data goes to private/ too (seal-private.ts).
import { recordingDigest } from '../runtime/http-port.ts';
import type { Recording } from '../base/step-ports.ts';
import { join } from 'node:path';
import type { ChangeSet } from '../store/change-set.ts';
import { executionPaths, type ExecutionPaths } from '../store/layout.ts';
import { serializeManifest } from '../proof/manifest.ts';
import { canonicalize } from '../proof/jcs.ts';
import { outputsFileName, outputsFileText } from '../proof/subjects.ts';
import type { RunOutcome } from './execute-run.ts';
import type { RunCiRecord, RunRecordFile, Verdict } from '../base/run-record.ts';
import { writePrivateData } from './seal-private.ts';
import { PRIVATE_DATA_FORMAT, type SealHolder } from '../runtime/sealing.ts';

export interface PersistOptions {
  attestationsDir: string;
  runbookFile: string; // relative to the repo root, for display and replay
  runbookText: string; // the file's bytes as run: replays re-parse exactly this
  startedAt: string;
  replayOf?: string;
  /** `pcq retry`: the failed execution this run re-runs. */
  retryOf?: string;
  /** Who the private data is sealed to (seal-private.ts sealHolders); the runner key at least. */
  sealTo: readonly SealHolder[];
  /** The GitHub Actions run, when it ran there (run/ci-context.ts). */
  ci?: RunCiRecord;
}

export function verdictOf(outcome: RunOutcome): Verdict {
  const s = outcome.status;
  return s === 'succeeded' ? 'pass' : s === 'blocked' ? 'blocked' : s === 'paused' ? 'paused' : s === 'rejected' ? 'rejected' : 'failed';
}

export async function persistRun(outcome: RunOutcome, opts: PersistOptions, change: ChangeSet): Promise<{ paths: ExecutionPaths; record: RunRecordFile }> {
  const { request, manifest } = outcome;
  const paths = executionPaths(opts.attestationsDir, request.runbook.runbookId, request.executionId);
  const releasable = outcome.status === 'succeeded';
  // Private steps' values, recordings and effects, and withheld exports, go to private/ and are
  // sealed (seal-private.ts); only the rest is written where publishers look.
  const privateSteps = new Set(outcome.openings.map((o) => o.stepId));
  // Openings list the recording digests their step signs (runtime/http-port.ts recordingDigest).
  const privateRecordings = new Set(outcome.openings.flatMap((o) => o.recordings));
  const isPrivateRecording = (r: Recording): boolean => privateRecordings.has(recordingDigest(r));
  const privateEffects = new Set(outcome.privateEffects);
  // Every public step's outputs file, also `null` for a step that failed or never ran: its
  // statement names the file as its subject, by the sha256 of these exact bytes (attest.ts).
  for (const r of outcome.records) {
    if (!privateSteps.has(r.stepId)) change.put(join(paths.dir, outputsFileName(r.stepId)), outputsFileText(canonicalize(r.outputs ?? null)));
  }
  // Spell execution logs (seed 004 §8: audit artifacts, least exposure): private, redacted already.
  for (const log of outcome.logs) change.put(join(paths.private, 'logs', `${log.stepId}.log`), log.text);
  if (releasable) for (const a of outcome.artifacts) change.put(join(paths.exports, a.name), a.bytes);
  await writePrivateData(
    paths,
    {
      data: {
        format: PRIVATE_DATA_FORMAT,
        executionId: request.executionId,
        runbookId: request.runbook.runbookId,
        steps: outcome.openings,
        recordings: outcome.recordings.filter(isPrivateRecording),
        effects: outcome.privateEffects,
      },
      withheld: releasable ? [] : outcome.artifacts.map((a) => ({ name: a.name, bytes: a.bytes })),
      holders: opts.sealTo,
    },
    change,
  );
  change.putJson(
    paths.recordings,
    outcome.recordings.filter((r) => !isPrivateRecording(r)),
  );
  change.putJson(
    paths.effects,
    outcome.effects.filter((e) => !privateEffects.has(e)),
  );
  change.putJson(paths.runbookSnapshot, { file: opts.runbookFile, digest: request.runbook.source.digest, text: opts.runbookText });
  const verdict = verdictOf(outcome);
  const record: RunRecordFile = {
    executionId: request.executionId,
    runbookId: request.runbook.runbookId,
    version: request.runbook.version,
    runbookFile: opts.runbookFile,
    runbookDigest: request.runbook.source.digest,
    asOf: request.asOf,
    actor: request.actor,
    executedBy: manifest.executedBy,
    params: request.params,
    startedAt: opts.startedAt,
    durationMs: Math.round(outcome.durationMs),
    status: outcome.status,
    verdict,
    merkleRoot: manifest.merkleRoot,
    failedProofs: outcome.failedProofs,
    steps: outcome.steps,
    artifacts: outcome.artifacts.map((a) => ({
      name: a.name,
      stepId: a.stepId,
      mediaType: a.mediaType,
      digest: a.digest,
      size: a.size,
      state: releasable ? 'released' : 'withheld',
    })),
    ...(opts.replayOf ? { replayOf: opts.replayOf } : {}),
    ...(opts.retryOf ? { retryOf: opts.retryOf } : {}),
    ...(opts.ci ? { ci: opts.ci } : {}),
    ...(manifest.grant && manifest.receipts?.finalize
      ? {
          vault: {
            state: manifest.receipts.finalize.outcome,
            grantId: manifest.grant.grantId,
            user: manifest.grant.signer,
            backend: manifest.receipts.open.backend,
            reserved: manifest.receipts.open.reserved,
            usage: manifest.receipts.finalize.usage,
            spentAfter: manifest.receipts.finalize.spentAfter,
            budget: manifest.grant.budget,
          },
        }
      : {}),
  };
  change.putJson(paths.run, record);
  change.put(paths.manifest, serializeManifest(manifest));
  change.setIndex({
    kind: 'upsert',
    entry: {
      executionId: request.executionId,
      runbookId: request.runbook.runbookId,
      version: request.runbook.version,
      executedAt: request.asOf,
      startedAt: opts.startedAt,
      status: outcome.status,
      verdict,
      merkleRoot: manifest.merkleRoot,
      path: `${request.runbook.runbookId}/${request.executionId}`,
      actor: request.actor,
      ...(opts.replayOf ? { replayOf: opts.replayOf } : {}),
    },
  });
  return { paths, record };
}
