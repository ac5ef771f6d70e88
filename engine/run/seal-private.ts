// Keeps a run's private data private and still reviewable (engine/FORMATS.md "Private steps",
// "Sealed"). The plaintext goes under <execution>/private/ (never published: withheld exports,
// private steps' values and salts, their recordings and effects); what is published is age
// ciphertext under sealed/, encrypted to every active reviewer key of the trust store bound to a
// roster login and to the runner key. The ombuds open it with their own key (`pcq unseal`); the
// runner opens it to release an approved export where private/ is absent (the Action's checkout).
import { join } from 'node:path';
import { Decrypter, Encrypter } from 'age-encryption';
import { writeFileAtomic, writeJsonAtomic } from '../store/atomic-write.ts';
import type { ExecutionPaths } from '../store/layout.ts';
import { canonicalize } from '../proof/jcs.ts';
import { keyStatusAt, type TrustStore } from '../proof/trust.ts';
import type { PrivateOpening } from '../proof/private-commitment.ts';
import { ageRecipientOf } from '../runtime/age-keys.ts';
import { PcqError } from '../base/errors.ts';
import type { Effect, Recording } from '../base/step-ports.ts';
import type { PcqConfig } from '../runtime/config.ts';
import { loadTrustStore } from '../runtime/trust-store.ts';
import { readOptional } from '../store/read-optional.ts';
import { OMBUDS_FILE, parseRoster, rosterLogins } from '../review/roster.ts';

export const PRIVATE_DATA_FORMAT = 'pcq-private-data/v1';

/** Who can open a run's sealed files: published (sealed/recipients.json) so the ombuds know. */
export interface SealHolder {
  name: string;
  publicKey: string; // G…
  role: 'runner' | 'reviewer';
  login?: string;
  recipient: string; // age1…
}

/** Reviewer keys active at `at` and bound to a roster login, plus the runner key (always). */
export function sealHolders(trust: TrustStore, rosterLogins: readonly string[], runnerKeyid: string, at: string): SealHolder[] {
  const logins = new Set(rosterLogins.map((l) => l.toLowerCase()));
  const holders: SealHolder[] = [{ name: 'runner', publicKey: runnerKeyid, role: 'runner', recipient: ageRecipientOf(runnerKeyid) }];
  for (const key of trust.keys) {
    if (!key.roles.includes('reviewer') || key.status !== 'active' || key.login === undefined || !logins.has(key.login.toLowerCase())) continue;
    if (!keyStatusAt(trust, key.publicKey, at, 'reviewer').ok || holders.some((h) => h.publicKey === key.publicKey)) continue;
    holders.push({ name: key.name, publicKey: key.publicKey, role: 'reviewer', login: key.login, recipient: ageRecipientOf(key.publicKey) });
  }
  return holders;
}

/** The edge: the trust store (with the dev overlay in dev) and the roster; no roster file, no reviewers. */
export async function loadSealHolders(config: PcqConfig, runnerKeyid: string, at: string): Promise<SealHolder[]> {
  const trust = await loadTrustStore({ root: config.root, includeLocal: config.mode === 'dev' });
  const rosterText = await readOptional(join(config.root, OMBUDS_FILE));
  const logins = rosterText === undefined ? [] : rosterLogins(parseRoster(rosterText, OMBUDS_FILE));
  return sealHolders(trust, logins, runnerKeyid, at);
}

export async function sealBytes(bytes: Uint8Array, holders: readonly SealHolder[]): Promise<Uint8Array> {
  const enc = new Encrypter();
  for (const h of holders) enc.addRecipient(h.recipient);
  return enc.encrypt(bytes);
}

export async function openSealed(bytes: Uint8Array, identity: string, what: string): Promise<Uint8Array> {
  const dec = new Decrypter();
  dec.addIdentity(identity);
  try {
    return await dec.decrypt(bytes);
  } catch (err) {
    throw new PcqError({ code: 'PCQ_UNSEAL_FAILED', message: `${what} cannot be opened with this key: ${(err as Error).message}`, hint: 'Only the runner key and the reviewer keys listed in sealed/recipients.json open it; use the key of one of them.' });
  }
}

/** The sealed bundle of private step data (sealed/private-data.json.age once encrypted). */
export interface PrivateData {
  format: typeof PRIVATE_DATA_FORMAT;
  executionId: string;
  runbookId: string;
  steps: PrivateOpening[];
  recordings: Recording[];
  effects: Effect[];
}

export interface PrivateWrite {
  data: PrivateData;
  withheld: Array<{ name: string; bytes: Uint8Array }>;
  holders: readonly SealHolder[];
}

/** Writes private/ (plaintext) and sealed/ (ciphertext, public); nothing when there is nothing private. */
export async function writePrivateData(paths: ExecutionPaths, w: PrivateWrite): Promise<void> {
  const { data } = w;
  if (data.steps.length === 0 && data.recordings.length === 0 && data.effects.length === 0 && w.withheld.length === 0) return;
  for (const opening of data.steps) await writeFileAtomic(join(paths.privateSteps, `${opening.stepId}.json`), canonicalize(opening) + '\n');
  if (data.recordings.length > 0) await writeJsonAtomic(paths.privateRecordings, data.recordings);
  if (data.effects.length > 0) await writeJsonAtomic(paths.privateEffects, data.effects);
  for (const a of w.withheld) await writeFileAtomic(join(paths.withheld, a.name), a.bytes);
  await writeFileAtomic(paths.sealedData, await sealBytes(new TextEncoder().encode(canonicalize(data)), w.holders));
  for (const a of w.withheld) await writeFileAtomic(join(paths.sealedWithheld, `${a.name}.age`), await sealBytes(a.bytes, w.holders));
  await writeJsonAtomic(join(paths.sealed, 'recipients.json'), w.holders.map(({ recipient: _r, ...h }) => h));
}
