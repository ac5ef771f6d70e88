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

