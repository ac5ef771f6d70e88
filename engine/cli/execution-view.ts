// One stored execution as `pcq show` and `pcq logs` present it: the index entry, the signed
// manifest's facts (verdict, provers, reviews: verdict/manifest-facts.ts, the same derivation the
// verdict files use), the unsigned run record's timings, and the folder's files with digests.
// Every record is read through store/read-records.ts (parsed, then checked); nothing here writes.
import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PcqError } from '../base/errors.ts';
import type { FailedProof, RunRecordFile, StepSummary, Verdict } from '../base/run-record.ts';
import type { ProofResult } from '../base/proofs.ts';
import type { IndexEntry } from '../store/execution-index.ts';
import { executionPaths, listPublicFiles, PRIVATE_DIR } from '../store/layout.ts';
import { readManifestFile, readRunRecord } from '../store/read-records.ts';
import { manifestFacts, type ScoreDecision } from '../verdict/manifest-facts.ts';

/** A step as shown: `blocked` when one of its provers failed and blocked the run (issue 14 §7). */
export type ShownStatus = 'succeeded' | 'failed' | 'skipped' | 'blocked';

export interface ShownStep {
  stepId: string;
  type: string;
  status: ShownStatus;
  /** The status the step's signed attestation records (a blocked step succeeded or failed as a step). */
  recordedStatus: StepSummary['status'];
  attempts: number;
  durationMs: number;
  skipReason?: string;
  blockedBy?: { phase: FailedProof['phase']; prover: string; evidence: string };
  error?: { code: string; message: string };
  proofs: Array<{ phase: FailedProof['phase']; prover: string; type: string; result: ProofResult['result']; evidence: string }>;
}

export interface ShownFile {
  path: string;
  size: number;
  /** sha256 of the bytes; absent for private files, whose digests are not shown (they may reveal the content). */
  digest?: string;
  private: boolean;
}

export interface ExecutionView {
  executionId: string;
  runbookId: string;
  version: string;
  path: string;
  status: IndexEntry['status'];
  verdict: Verdict;
  asOf: string;
  startedAt: string;
  durationMs: number;
  actor: string;
  runner: string;
  merkleRoot: string;
  inputs: Record<string, unknown>;
  grant: { grantId: string; signer: string; source: string } | null;
  steps: ShownStep[];
  reviews: Array<Pick<ScoreDecision, 'decision' | 'reviewer' | 'at'>>;
  files: ShownFile[];
}

/** The blocked-by note of a step, from the run's failed provers (first in chain order). */
export function blockedByOf(stepId: string, failed: readonly FailedProof[]): ShownStep['blockedBy'] {
  const f = failed.find((p) => p.stepId === stepId);
  return f === undefined ? undefined : { phase: f.phase, prover: f.proof.prover, evidence: f.proof.evidence };
}

function shownStep(s: StepSummary, failed: readonly FailedProof[]): ShownStep {
  const blockedBy = blockedByOf(s.stepId, failed);
  const proofs = (['precondition', 'postcondition'] as const).flatMap((phase) =>
    (s.proofs[phase === 'precondition' ? 'preconditions' : 'postconditions'] ?? []).map((p) => ({
      phase,
      prover: p.prover,
      type: p.type,
      result: p.result,
      evidence: p.evidence,
    })),
  );
  return {
    stepId: s.stepId,
    type: s.type,
    status: blockedBy !== undefined ? 'blocked' : s.status,
    recordedStatus: s.status,
    attempts: s.attempts,
    durationMs: s.durationMs,
    ...(s.skipReason !== undefined ? { skipReason: s.skipReason } : {}),
    ...(blockedBy !== undefined ? { blockedBy } : {}),
    ...(s.error ? { error: { code: s.error.code, message: s.error.message } } : {}),
    proofs,
  };
}

/** Reads and assembles the view of one indexed execution. */
export async function readExecutionView(attestationsDir: string, entry: IndexEntry): Promise<ExecutionView> {
  const paths = executionPaths(attestationsDir, entry.runbookId, entry.executionId);
  const manifest = await readManifestFile(join(paths.dir, 'manifest.pcq'));
  const record: RunRecordFile = await readRunRecord(join(paths.dir, 'run.json'));
  const facts = manifestFacts(manifest);
  if ('problem' in facts)
    throw new PcqError({
      code: 'PCQ_MANIFEST_MALFORMED',
      message: `${join(paths.dir, 'manifest.pcq')}: ${facts.problem}`,
      hint: 'Restore the execution folder from git; `pcq verify` says what is wrong.',
    });
  return {
    executionId: entry.executionId,
    runbookId: entry.runbookId,
    version: entry.version,
    path: entry.path,
    status: record.status,
    verdict: facts.verdict,
    asOf: manifest.executedAt,
    startedAt: record.startedAt,
    durationMs: record.durationMs,
    actor: manifest.actor,
    runner: manifest.executedBy,
    merkleRoot: manifest.merkleRoot,
    inputs: manifest.inputs,
    grant: manifest.grant ? { grantId: manifest.grant.grantId, signer: manifest.grant.signer, source: manifest.grant.source } : null,
    steps: record.steps.map((s) => shownStep(s, record.failedProofs)),
    reviews: facts.decisions.map((d) => ({ decision: d.decision, reviewer: d.reviewer, at: d.at })),
    files: await executionFiles(paths.dir),
  };
}

/** Public files with their digests, then private files (names and sizes only). */
export async function executionFiles(dir: string): Promise<ShownFile[]> {
  const out: ShownFile[] = [];
  for (const path of await listPublicFiles(dir)) {
    const bytes = await readFile(join(dir, path));
    out.push({ path, size: bytes.length, digest: 'sha256:' + createHash('sha256').update(bytes).digest('hex'), private: false });
  }
  for (const path of await listTree(join(dir, PRIVATE_DIR))) {
    const info = await stat(join(dir, PRIVATE_DIR, path));
    out.push({ path: `${PRIVATE_DIR}/${path}`, size: info.size, private: true });
  }
  return out;
}

async function listTree(dir: string, rel = ''): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(join(dir, rel), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const child = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...(await listTree(dir, child)));
    else if (e.isFile()) out.push(child);
  }
  return out;
}
