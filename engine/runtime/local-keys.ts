// Keys created on this machine (dev mode): the local runner key .pcq/keys/runner.secret and the
// reviewer keys .pcq/keys/reviewer-<login>.secret, and their entries in the dev overlay
// .pcq/trust.local.yaml. Their public keys, derived from the secrets, are what the overlay may list
// (trust-overlay.ts). A secret is read only to derive its public key and never leaves this file.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PcqError, PcqErrors } from '../base/errors.ts';
import { GITHUB_LOGIN, parseTrustDocument } from './trust-document.ts';
import { renderOverlayEntry, OVERLAY_HEADER, type LocalKeyIds } from './trust-overlay.ts';
import { nodeSigner } from '../proof/ed25519-node.ts';
import { tryDecodeStrKey } from '../proof/strkey.ts';
import { LOCAL_TRUST_FILE, type TrustedKey } from '../proof/trust.ts';
import { writeFileAtomic } from '../store/atomic-write.ts';
import { readOptional } from '../store/read-optional.ts';

export const KEYS_DIR = '.pcq/keys';
export const DEV_KEY_FILE = '.pcq/keys/runner.secret';
const REVIEWER_FILE = /^reviewer-([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\.secret$/;

/** .pcq/keys/reviewer-<login>.secret (login lower-cased, as logins compare); PCQ_USAGE for a non-login. */
export function reviewerKeyFile(login: string): string {
  if (!GITHUB_LOGIN.test(login))
    throw new PcqError({ code: 'PCQ_USAGE', message: `"${login}" is not a GitHub login`, hint: 'Pass the ombuds login as policies/ombuds.yaml lists it.' });
  return `${KEYS_DIR}/reviewer-${login.toLowerCase()}.secret`;
}

/** The G… of an S… secret file, or undefined when absent or not a secret. */
async function publicKeyOf(path: string): Promise<string | undefined> {
  const text = await readOptional(path);
  const seed = text === undefined ? undefined : tryDecodeStrKey('seed', text.trim());
  return seed ? nodeSigner(seed).keyid : undefined;
}

export async function readLocalKeyIds(root: string): Promise<LocalKeyIds> {
  const runner = await publicKeyOf(join(root, DEV_KEY_FILE));
  const reviewers = new Map<string, string>();
  const names = await readdir(join(root, KEYS_DIR)).catch(() => [] as string[]);
  for (const name of names.sort()) {
    const login = REVIEWER_FILE.exec(name)?.[1];
    if (login === undefined) continue;
    const id = await publicKeyOf(join(root, KEYS_DIR, name));
    if (id !== undefined) reviewers.set(login.toLowerCase(), id);
  }
  return runner === undefined ? { reviewers } : { runner, reviewers };
}

/**
 * Lists `key` in the overlay, replacing any entry for the same public key (e.g. one written by an
 * older pcq without `origin`) and keeping every other entry as it parses. Atomic; a no-op when the
 * overlay already lists exactly this key with this origin and roles.
 */
export async function upsertOverlayKey(root: string, key: TrustedKey, description: string): Promise<void> {
  const path = join(root, LOCAL_TRUST_FILE);
  const text = await readOptional(path);
  const parsed = text === undefined ? { trust: { keys: [] as TrustedKey[] }, issues: [] } : parseTrustDocument(text, LOCAL_TRUST_FILE, { overlay: true });
  if (parsed.issues.length > 0) throw new PcqErrors(parsed.issues);
  const same = (k: TrustedKey) =>
    k.publicKey === key.publicKey && k.origin === key.origin && k.roles.join() === key.roles.join() && k.login === key.login && k.status === 'active';
  if (parsed.trust.keys.some(same)) return;
  const kept = parsed.trust.keys.filter((k) => k.publicKey !== key.publicKey);
  const body = kept.map((k) => renderOverlayEntry(k)).join('') + renderOverlayEntry(key, description);
  await writeFileAtomic(path, `${OVERLAY_HEADER}keys:\n${body}`);
}
