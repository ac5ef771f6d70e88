// Readers that do not write executions (`pcq verify`, `pcq replay`) still meet stores a killed
// process left half-committed (docs/design.md §7 "One store, atomic changes"): they finish or undo
// those transactions first, so what they read is what the next writer would see. Recovery is best
// effort here: a manifest outside any store, or a read-only checkout, is verified as it stands.
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PcqIssue } from '../base/errors.ts';
import { recoverStore, STAGING_DIR } from './execution-store.ts';

/** The store folder of <attestations>/<runbookId>/<executionId>/manifest.pcq when it has a .staging/. */
export async function storeOfManifest(manifestFile: string): Promise<string | undefined> {
  const candidate = dirname(dirname(dirname(manifestFile)));
  const staging = await stat(join(candidate, STAGING_DIR)).catch(() => undefined);
  return staging?.isDirectory() ? candidate : undefined;
}

/** Recovers attestationsDir; returns what it could not repair (or why it could not try) as issues. */
export async function recoverBeforeRead(attestationsDir: string | undefined): Promise<PcqIssue[]> {
  if (attestationsDir === undefined) return [];
  try {
    return (await recoverStore(attestationsDir)).issues;
  } catch (err) {
    return [
      {
        code: 'PCQ_STORE_INCOMPLETE',
        message: `could not finish the interrupted changes in ${attestationsDir}: ${(err as Error).message}`,
        hint: 'Run `pcq review list` with write access to the checkout to repair the store, then verify again.',
      },
    ];
  }
}
