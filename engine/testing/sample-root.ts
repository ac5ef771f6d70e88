// A throw-away copy of the repository's runbooks/ and policies/ in a temp folder, so tests run the
// real samples end to end without ever writing into the repository's own attestations/.
import { rmSync } from 'node:fs';
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

// Every root made in this process is removed when it exits (node:test runs each file in its own
// process), so a suite run leaves no copies behind even where a test keeps its root to the end or
// fails half way; PCQ_KEEP_TEST_DIRS=1 keeps them for a post-mortem.
const made: string[] = [];
process.once('exit', () => {
  if (process.env.PCQ_KEEP_TEST_DIRS === '1') return;
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

export async function makeSampleRoot(prefix = 'pcq-sample-'): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  made.push(root);
  await cp(join(REPO_ROOT, 'runbooks'), join(root, 'runbooks'), { recursive: true });
  await cp(join(REPO_ROOT, 'policies'), join(root, 'policies'), { recursive: true });
  await cp(join(REPO_ROOT, 'spells'), join(root, 'spells'), { recursive: true });
  return root;
}
