// Sealing (engine/FORMATS.md "Sealed"): age encryption of a run's private data to the runner key
// and to every active reviewer key bound to a roster login, each an X25519 recipient derived from
// its Ed25519 key (age-keys.ts). age (age-encryption.org/v1) is an audited, widely implemented
// format: any age tool opens these files with the derived identity. Pure apart from randomness.
import { Decrypter, Encrypter } from 'age-encryption';
import { PcqError } from '../base/errors.ts';
import type { Effect, Recording } from '../base/step-ports.ts';
import { keyStatusAt, type TrustStore } from '../proof/trust.ts';
import type { PrivateOpening } from '../proof/private-commitment.ts';
import { ageRecipientOf } from './age-keys.ts';
import type { Manifest } from '../base/signed-records.ts';
import { checkOpening } from '../proof/private-commitment.ts';
import { decodeEnvelopePayload } from '../proof/statement.ts';
import { sha256Node } from '../proof/hash-node.ts';
import type { ExecutionPaths } from '../store/layout.ts';
import { readOptional } from '../store/read-optional.ts';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

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
    throw new PcqError({
      code: 'PCQ_UNSEAL_FAILED',
      message: `${what} cannot be opened with this key: ${(err as Error).message}`,
      hint: 'Only the runner key and the reviewer keys listed in sealed/recipients.json open it; use the key of one of them.',
    });
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

export function unsealMismatch(message: string): PcqError {
  return new PcqError({
    code: 'PCQ_UNSEAL_MISMATCH',
    message,
    hint: 'The sealed copy does not hold what the run signed; do not decide on it. Restore the execution folder from git and report it.',
  });
}

/** Parses and checks decrypted private data against the signed manifest (pure apart from hashing). */
export function checkPrivateData(manifest: Manifest, text: string): PrivateData {
  let data: PrivateData;
  try {
    data = JSON.parse(text) as PrivateData;
  } catch {
    throw unsealMismatch('the sealed private data is not JSON');
  }
  if (data?.format !== PRIVATE_DATA_FORMAT || data.executionId !== manifest.executionId || !Array.isArray(data.steps)) {
    throw unsealMismatch(`the sealed private data is not ${PRIVATE_DATA_FORMAT} for execution ${manifest.executionId}`);
  }
  const predicates = new Map(manifest.steps.map((s) => [s.stepId, decodeEnvelopePayload(s.attestation)?.predicate as Record<string, unknown> | undefined]));
  for (const opening of data.steps as PrivateOpening[]) {
    const predicate = predicates.get(opening?.stepId);
    if (!predicate) throw unsealMismatch(`the sealed data names a step ${String(opening?.stepId)} the manifest does not have`);
    const problems = checkOpening(predicate, opening, sha256Node);
    if (problems.length > 0) throw unsealMismatch(problems.join('; '));
  }
  return data;
}

/**
 * A run's private data, checked against its signed manifest: from private/ where the run ran, else
 * from sealed/private-data.json.age opened with the runner's age identity (the Action's checkout).
 * undefined when the run has no private data at all. For replay and release, which run as the runner.
 */
export async function readPrivateData(
  paths: ExecutionPaths,
  manifest: Manifest,
  runnerIdentity: () => Promise<string | undefined>,
): Promise<PrivateData | undefined> {
  const stepFiles = await readdir(paths.privateSteps).catch(() => [] as string[]);
  const recordings = await readOptional(paths.privateRecordings);
  const effects = await readOptional(paths.privateEffects);
  if (stepFiles.length > 0 || recordings !== undefined || effects !== undefined) {
    const steps = [];
    for (const f of stepFiles.filter((n) => n.endsWith('.json')).sort())
      steps.push(JSON.parse(await readFile(join(paths.privateSteps, f), 'utf8')) as PrivateOpening);
    const data = {
      format: PRIVATE_DATA_FORMAT,
      executionId: manifest.executionId,
      runbookId: manifest.runbookId,
      steps,
      recordings: recordings === undefined ? [] : JSON.parse(recordings),
      effects: effects === undefined ? [] : JSON.parse(effects),
    };
    return byStep(checkPrivateData(manifest, JSON.stringify(data)));
  }
  let sealed: Uint8Array;
  try {
    sealed = new Uint8Array(await readFile(paths.sealedData));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const identity = await runnerIdentity();
  if (identity === undefined)
    throw new PcqError({
      code: 'PCQ_SECRET_MISSING',
      message: "the run's private data is only sealed here and no runner key is available to open it",
      hint: 'Set RUNNER_SECRET to the runner key the run was sealed to (sealed/recipients.json).',
    });
  return byStep(checkPrivateData(manifest, new TextDecoder().decode(await openSealed(sealed, identity, 'sealed/private-data.json.age'))));
}

function byStep(data: PrivateData): PrivateData {
  return { ...data, steps: [...data.steps].sort((a, b) => (a.stepId < b.stepId ? -1 : a.stepId > b.stepId ? 1 : 0)) };
}
