// A throw-away copy of the repository's runbooks/ and policies/ in a temp folder, so tests run the
// real samples end to end without ever writing into the repository's own attestations/.
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export async function makeSampleRoot(prefix = 'pcq-sample-'): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  await cp(join(REPO_ROOT, 'runbooks'), join(root, 'runbooks'), { recursive: true });
  await cp(join(REPO_ROOT, 'policies'), join(root, 'policies'), { recursive: true });
  await cp(join(REPO_ROOT, 'spells'), join(root, 'spells'), { recursive: true });
  return root;
}
