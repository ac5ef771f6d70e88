// Every file under some folders of a root, path → base64 bytes, so a test can assert that a
// refused operation changed nothing at all.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

export async function snapshotTree(root: string, folders: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else out.set(relative(root, path), (await readFile(path)).toString('base64'));
    }
  };
  for (const folder of folders) await walk(join(root, folder));
  return out;
}
