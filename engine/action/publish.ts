// Publishing results (docs/design.md §7, our choice): ONE atomic commit per change to the publish branch
// (default main) through the git data API. The commit is the execution store's change set
// (store/execution-store.ts CommittedChange) turned into file changes: the public files the
// change put, the public files it removed, and attestations/index.json when the index changed.
// Private files (store/layout.ts: anything under <execution>/private/) never reach it; every
// path is re-checked here, so a private path handed in by mistake is refused, not published.
// Why commit (not artifacts): the site builds from attestations/ in the repository, artifacts
// expire after 90 days while a manifest must stay verifiable for years, and git history is itself
// an append-only audit log. Why the API (not `git push` in the workflow): one commit with every
// file or none, and `force: false` so a concurrent run is refused instead of overwritten.
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { FileChange, Scm } from '../github/scm.ts';
import { PcqError } from '../base/errors.ts';
import { indexPath, isPublicStorePath } from '../store/layout.ts';
import type { CommittedChange } from '../store/execution-store.ts';

const TEXT = /\.(json|jsonl|pcq|yaml|yml|md|csv|txt|sig|pub|svg|html)$/;

/** Refuses any path that is not a public file under the attestations folder. */
function assertPublic(attestationsDir: string, path: string): void {
  const rel = relative(resolve(attestationsDir), resolve(path)).split(sep).join('/');
  if (rel.startsWith('..') || isAbsolute(rel) || !isPublicStorePath(rel)) {
    throw new PcqError({
      code: 'PCQ_PRIVATE_PATH',
      message: `${path} is not a public file of the execution store and may not be published`,
      hint: 'This is a bug in pcq: only public files of a committed change are published.',
    });
  }
}

/** Repository-relative file changes for absolute paths (text stays text, the rest goes as bytes). */
async function fileChanges(workspace: string, paths: string[], removed: string[]): Promise<FileChange[]> {
  const rel = (p: string) => relative(workspace, p).split(sep).join('/');
  const changes: FileChange[] = [];
  // Nothing under an execution's private/ folder is ever published (engine/FORMATS.md "Private steps").
  for (const p of paths.filter((q) => !rel(q).split('/').includes('private')))
    changes.push({ path: rel(p), content: TEXT.test(p) ? await readFile(p, 'utf8') : new Uint8Array(await readFile(p)) });
  for (const p of removed) changes.push({ path: rel(p), content: null });
  return changes;
}

export interface PublishSelection {
  /** Absolute paths of the change to leave out of this commit (e.g. a review ticket that goes on its PR branch). */
  exclude?: string[];
  /** Only these absolute paths of the change (e.g. the ticket alone). */
  only?: string[];
  /** Include attestations/index.json when the change updated it (default true). */
  index?: boolean;
}

/** The file changes of one publishing commit: the committed change's public files, selected. */
export async function changeSetFiles(
  workspace: string,
  attestationsDir: string,
  committed: CommittedChange,
  select: PublishSelection = {},
): Promise<FileChange[]> {
  const keep = (p: string) => !(select.exclude ?? []).includes(p) && (select.only === undefined || select.only.includes(p));
  const puts = committed.publicPaths.filter(keep);
  if (committed.indexChanged && (select.index ?? true) && select.only === undefined) puts.push(indexPath(attestationsDir));
  const removed = committed.removedPaths.filter(keep).filter((p) => isPublicStorePath(relative(resolve(attestationsDir), resolve(p)).split(sep).join('/')));
  for (const p of [...puts, ...removed]) assertPublic(attestationsDir, p);
  return fileChanges(workspace, puts, removed);
}

export async function publishFiles(scm: Scm, branch: string, message: string, changes: FileChange[]): Promise<string> {
  return scm.commitFiles({ branch, message, files: changes });
}
