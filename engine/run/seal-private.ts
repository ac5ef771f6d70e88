// Keeps a run's private data private and still reviewable (engine/FORMATS.md "Private steps",
// "Sealed"). The plaintext goes under <execution>/private/ (never published: withheld exports,
// private steps' values and salts, their recordings and effects); what is published is age
// ciphertext under sealed/, encrypted to every active reviewer key of the trust store bound to a
// roster login and to the runner key. The ombuds open it with their own key (`pcq unseal`); the
// runner opens it to release an approved export where private/ is absent (the Action's checkout).
import { join } from 'node:path';
import type { ChangeSet } from '../store/change-set.ts';
import type { ExecutionPaths } from '../store/layout.ts';
import { canonicalize } from '../proof/jcs.ts';
import { sealBytes, sealHolders, type PrivateData, type SealHolder } from '../runtime/sealing.ts';
import type { PcqConfig } from '../runtime/config.ts';
import { loadTrustStore } from '../runtime/trust-store.ts';
import { readOptional } from '../store/read-optional.ts';
import { OMBUDS_FILE, parseRoster, rosterLogins } from '../review/roster.ts';

/** The edge: the trust store (with the dev overlay in dev) and the roster; no roster file, no reviewers. */
export async function loadSealHolders(config: PcqConfig, runnerKeyid: string, at: string): Promise<SealHolder[]> {
  const trust = await loadTrustStore({ root: config.root, includeLocal: config.mode === 'dev' });
  const rosterText = await readOptional(join(config.root, OMBUDS_FILE));
  const logins = rosterText === undefined ? [] : rosterLogins(parseRoster(rosterText, OMBUDS_FILE));
  return sealHolders(trust, logins, runnerKeyid, at);
}

export interface PrivateWrite {
  data: PrivateData;
  withheld: Array<{ name: string; bytes: Uint8Array }>;
  holders: readonly SealHolder[];
}

/**
 * Puts private/ (plaintext) and sealed/ (ciphertext, public) into the run's change set; nothing
 * when there is nothing private. The store writes private/ files mode 0600 (this machine's runner
 * and ombuds only) and never publishes them (store/public-path.ts).
 */
export async function writePrivateData(paths: ExecutionPaths, w: PrivateWrite, change: ChangeSet): Promise<void> {
  const { data } = w;
  if (data.steps.length === 0 && data.recordings.length === 0 && data.effects.length === 0 && w.withheld.length === 0) return;
  for (const opening of data.steps) change.put(join(paths.privateSteps, `${opening.stepId}.json`), canonicalize(opening) + '\n');
  if (data.recordings.length > 0) change.putJson(paths.privateRecordings, data.recordings);
  if (data.effects.length > 0) change.putJson(paths.privateEffects, data.effects);
  for (const a of w.withheld) change.put(join(paths.withheld, a.name), a.bytes);
  change.put(paths.sealedData, await sealBytes(new TextEncoder().encode(canonicalize(data)), w.holders));
  for (const a of w.withheld) change.put(join(paths.sealedWithheld, `${a.name}.age`), await sealBytes(a.bytes, w.holders));
  change.putJson(
    join(paths.sealed, 'recipients.json'),
    w.holders.map(({ recipient: _r, ...h }) => h),
  );
}
