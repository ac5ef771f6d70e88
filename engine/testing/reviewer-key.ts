// Test helper (never shipped): what `pcq keys generate --reviewer <login>` leaves in a repository
// copy — the 0600 secret file .pcq/keys/reviewer-<login>.secret and a dev-overlay entry binding its
// G… key to the login (role reviewer, origin local-reviewer) — so tests can decide as that ombuds.
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair } from '../runtime/keys.ts';

export async function writeReviewerKey(root: string, login: string): Promise<{ secret: string; publicKey: string }> {
  const pair = generateKeyPair();
  await mkdir(join(root, '.pcq/keys'), { recursive: true });
  await writeFile(join(root, `.pcq/keys/reviewer-${login}.secret`), pair.secret + '\n', { mode: 0o600 });
  const overlay = join(root, '.pcq/trust.local.yaml');
  const existing = await readFile(overlay, 'utf8').catch(() => undefined);
  const entry = `  - name: reviewer-${login}-local\n    publicKey: ${pair.publicKey}\n    roles: [reviewer]\n    login: ${login}\n    origin: local-reviewer\n    status: active\n    validFrom: null\n    validUntil: null\n`;
  if (existing === undefined) await writeFile(overlay, 'keys:\n' + entry);
  else await appendFile(overlay, (existing.endsWith('\n') ? '' : '\n') + entry);
  return pair;
}
