// Publishing results (docs/DESIGN.md §7, our choice): ONE atomic commit per run to the publish branch
// (default main) through the git data API: the execution folder and attestations/index.json.
// Why commit (not artifacts): the site builds from attestations/ in the repository, artifacts
// expire after 90 days while a manifest must stay verifiable for years, and git history is itself
// an append-only audit log. Why the API (not `git push` in the workflow): one commit with every
// file or none, and `force: false` so a concurrent run is refused instead of overwritten.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { FileChange, Scm } from '../github/scm.ts';

const TEXT = /\.(json|jsonl|pcq|yaml|yml|md|csv|txt|sig|pub|svg|html)$/;

export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(path)));
    else if (e.isFile()) out.push(path);
  }
  return out.sort();
}

/** Repository-relative file changes for absolute paths (text stays text, the rest goes as bytes). */
export async function fileChanges(workspace: string, paths: string[], removed: string[] = []): Promise<FileChange[]> {
  const rel = (p: string) => relative(workspace, p).split(sep).join('/');
  const changes: FileChange[] = [];
  // Nothing under an execution's private/ folder is ever published (engine/FORMATS.md "Private steps").
  for (const p of paths.filter((q) => !rel(q).split('/').includes('private'))) changes.push({ path: rel(p), content: TEXT.test(p) ? await readFile(p, 'utf8') : new Uint8Array(await readFile(p)) });
  for (const p of removed) changes.push({ path: rel(p), content: null });
  return changes;
}

export async function publishFiles(scm: Scm, branch: string, message: string, changes: FileChange[]): Promise<string> {
  return scm.commitFiles({ branch, message, files: changes });
}
