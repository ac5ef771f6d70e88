// `pcq retry` (contracts/README.md "Retries"; seed: "POST /runs/:id/retry to requeue a failed run"):
// a failed execution is re-run as a NEW execution with the same runbook file, resolved inputs and
// asOf, opened against a grant like any run, and linked to the original by `retryOf` in its signed
// manifest (executionId + sha256 of the original manifest.pcq). `pcq verify` shows the link and,
// when the original manifest is in the store beside it, checks the digest (PCQ_RETRY_LINK_MISMATCH).
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PcqError } from '../base/errors.ts';
import type { RetryLink } from '../base/signed-records.ts';
import type { VerifyCheck } from '../proof/verify-manifest.ts';
import { digestOf } from '../proof/digest.ts';
import { readIndex } from '../store/execution-index.ts';
import { readRunRecord } from '../store/read-records.ts';
import { readOptional } from '../store/read-optional.ts';

export interface RetryPlan {
  link: RetryLink;
  runbookFile: string; // repository-relative, as the original recorded it
  params: Record<string, unknown>;
  asOf: string;
}

/** What a retry of `executionId` re-runs; refused unless that execution exists and failed. */
export async function planRetry(attestationsDir: string, executionId: string): Promise<RetryPlan> {
  const index = await readIndex(attestationsDir);
  const entry = index.executions.find((e) => e.executionId === executionId);
  if (!entry)
    throw new PcqError({
      code: 'PCQ_EXECUTION_NOT_FOUND',
      message: `no execution ${executionId} in ${attestationsDir}/index.json`,
      hint: 'List executions with `pcq status`.',
    });
  if (entry.status !== 'failed')
    throw new PcqError({
      code: 'PCQ_RETRY_NOT_FAILED',
      message: `execution ${executionId} ${entry.status}; only a failed run is retried`,
      hint: 'A blocked run goes to its ombuds review; a succeeded run is re-run with `pcq run`.',
    });
  const dir = join(attestationsDir, entry.path);
  const manifestBytes = await readFile(join(dir, 'manifest.pcq'));
  const record = await readRunRecord(join(dir, 'run.json'));
  return {
    link: { executionId, manifestDigest: digestOf(new Uint8Array(manifestBytes)) },
    runbookFile: record.runbookFile,
    params: record.params,
    asOf: record.asOf,
  };
}

/** `pcq verify` at the edge: the retried run's manifest, when present beside this one, is the one signed. */
export async function retryLinkChecks(manifest: unknown, manifestPath: string): Promise<VerifyCheck[]> {
  const m = manifest as { retryOf?: { executionId?: unknown; manifestDigest?: unknown } } | null | undefined;
  const link = m?.retryOf;
  if (typeof link?.executionId !== 'string' || link.executionId.includes('/') || link.executionId.startsWith('.')) return [];
  const original = join(dirname(dirname(manifestPath)), link.executionId, 'manifest.pcq');
  const bytes = await readOptional(original);
  if (bytes === undefined) return [];
  const digest = digestOf(bytes);
  return digest === link.manifestDigest
    ? [{ code: 'PCQ_RETRY_LINK_MISMATCH', check: 'retry-of-file', ok: true, message: `the retried run's manifest ${original} matches the signed digest` }]
    : [
        {
          code: 'PCQ_RETRY_LINK_MISMATCH',
          check: 'retry-of-file',
          ok: false,
          message: `the retried run's manifest ${original} is ${digest}, not the signed ${String(link.manifestDigest)}`,
        },
      ];
}
