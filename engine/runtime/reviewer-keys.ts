// A reviewer's own signing key (docs/design.md §7: decisions are signed by the people who decide). Created
// only by an explicit `pcq keys generate --reviewer <login>` for a login on the ombuds roster:
// .pcq/keys/reviewer-<login>.secret (S… strkey, mode 0600, never overwritten) plus an overlay entry
// {roles: [reviewer], login, origin: local-reviewer}. Outside dev the public key must be listed in
// policies/trust.yaml instead. `pcq review` signs with loadReviewerSigner: PCQ_REVIEWER_SECRET, else
// that file. Never the runner key, never a key pcq made by itself.
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PcqError } from '../base/errors.ts';
import { generateKeyPair, signerFromSecret } from './keys.ts';
import { reviewerKeyFile, upsertOverlayKey } from './local-keys.ts';
import type { Signer } from '../base/signer.ts';
import { fsyncDir } from '../store/atomic-write.ts';
import { readOptional } from '../store/read-optional.ts';

export const REVIEWER_SECRET_ENV = 'PCQ_REVIEWER_SECRET';

export interface ReviewerKey {
  login: string; // as spelled on the roster
  publicKey: string;
  file: string; // repository-relative
  created: boolean; // false: the file existed and was kept
}

/** Creates `path` with `text` (mode 0600) only if it does not exist: temp file, fsync, link. */
async function createSecretFile(path: string, text: string): Promise<boolean> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, path); // atomic, and refuses to replace an existing key
    await fsyncDir(dirname(path));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * `pcq keys generate --reviewer <login>`: `rosterLogins` are the logins of policies/ombuds.yaml.
 * Keeps an existing key for the login (a second call only re-lists it).
 */
export async function generateReviewerKey(
  root: string,
  login: string,
  rosterLogins: readonly string[],
  now: () => Date = () => new Date(),
): Promise<ReviewerKey> {
  const member = rosterLogins.find((l) => l.toLowerCase() === login.toLowerCase());
  if (member === undefined) {
    throw new PcqError({
      code: 'PCQ_REVIEWER_NOT_ON_ROSTER',
      message: `"${login}" is not on the ombuds roster, so no reviewer key is made for it`,
      hint: `Roster logins (policies/ombuds.yaml): ${rosterLogins.join(', ') || '(none)'}.`,
    });
  }
  const file = reviewerKeyFile(member);
  const path = join(root, file);
  const created = await createSecretFile(path, generateKeyPair().secret + '\n');
  const signer = signerFromSecret((await readOptional(path)) ?? '', file);
  await upsertOverlayKey(
    root,
    {
      name: `reviewer-${member}-local`,
      publicKey: signer.keyid,
      roles: ['reviewer'],
      login: member,
      origin: 'local-reviewer',
      status: 'active',
      validFrom: null,
      validUntil: null,
    },
    `created by pcq keys generate --reviewer ${member} on ${now().toISOString()}`,
  );
  return { login: member, publicKey: signer.keyid, file, created };
}

/**
 * The text of `login`'s secret and where it came from: PCQ_REVIEWER_SECRET, else
 * .pcq/keys/reviewer-<login>.secret. The one reader of a reviewer secret: signing a decision
 * (loadReviewerSigner) and unsealing private data (age-keys.ts) use the same key.
 */
export async function readReviewerSecret(root: string, login: string, env: Record<string, string | undefined>): Promise<{ text: string; origin: string }> {
  const secret = env[REVIEWER_SECRET_ENV];
  if (secret !== undefined && secret.trim() !== '') return { text: secret, origin: REVIEWER_SECRET_ENV };
  const file = reviewerKeyFile(login);
  const text = await readOptional(join(root, file));
  if (text === undefined) {
    throw new PcqError({
      code: 'PCQ_REVIEWER_KEY_MISSING',
      message: `no signing key for reviewer ${login}: ${REVIEWER_SECRET_ENV} is not set and ${file} does not exist`,
      hint: `Run \`pcq keys generate --reviewer ${login}\` on your own machine (dev), or set ${REVIEWER_SECRET_ENV} to your S… seed whose G… key policies/trust.yaml lists with role reviewer and login ${login}.`,
    });
  }
  return { text, origin: file };
}

/** The signer for `login`'s decisions. Never the runner key: no reviewer key means no decision. */
export async function loadReviewerSigner(
  root: string,
  login: string,
  env: Record<string, string | undefined>,
): Promise<{ signer: Signer; origin: 'env' | 'file' }> {
  const { text, origin } = await readReviewerSecret(root, login, env);
  return { signer: signerFromSecret(text, origin), origin: origin === REVIEWER_SECRET_ENV ? 'env' : 'file' };
}
