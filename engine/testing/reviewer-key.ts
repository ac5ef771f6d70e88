// Test helper (never shipped): what `pcq keys generate --reviewer <login>` leaves in a repository
// copy — the 0600 secret file and a dev-overlay entry binding its G… key to the login — made by the
// real generateReviewerKey, so tests decide as that ombuds exactly as a person would.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateReviewerKey } from '../runtime/reviewer-keys.ts';

export async function writeReviewerKey(root: string, login: string): Promise<{ secret: string; publicKey: string }> {
  const key = await generateReviewerKey(root, login, [login]);
  const secret = (await readFile(join(root, key.file), 'utf8')).trim();
  return { secret, publicKey: key.publicKey };
}
