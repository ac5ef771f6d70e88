// Where everything about a run lives under attestations/ (engine/FORMATS.md "Execution folder"),
// and which of it is public. Ids become path segments, so they are checked here: a hostile id must
// never escape the folder. Classification is by place, one rule (docs/design.md §7 "Public and private"):
// every file under an execution folder is public unless it lives under `<execution>/private/`;
// dot-files (staging, temp and lock files) are never published. Every publisher — the site's
// downloads, the evidence bundle, the Action's publishing commit, PR bodies, notifications —
// picks files through isPublicPath / listPublicFiles, nothing else.
import { join } from 'node:path';
import { lstat, readdir } from 'node:fs/promises';
import { PcqError } from '../base/errors.ts';
import { SAFE_NAME_HINT, isSafeName, nameProblem, type NameKind } from '../base/safe-name.ts';

import { PRIVATE_DIR, isPublicPath } from './public-path.ts';

export { PRIVATE_DIR, isPublicPath };

// One rule for every id that becomes a path segment (base/safe-name.ts): no separator, no dot-name,
// none of the store's own names (index.json, reviews, …), no lock/temp suffix.

export function assertSafeSegment(kind: NameKind, value: string): string {
  const problem = nameProblem(kind, value);
  if (problem !== undefined) {
    throw new PcqError({ code: 'PCQ_UNSAFE_ID', message: `${problem}: it cannot be used as a folder or file name under attestations/`, hint: SAFE_NAME_HINT });
  }
  return value;
}

export interface ExecutionPaths {
  dir: string;
  manifest: string;
  run: string;
  runbookSnapshot: string;
  outputs: string;
  recordings: string;
  effects: string;
  exports: string;
  /** `private/`: never published (withheld exports, private step data). */
  private: string;
  /** `private/withheld/`: exports held back by a failed proof until an ombuds approves. */
  withheld: string;
  privateSteps: string;
  privateRecordings: string;
  privateEffects: string;
  /** Public age ciphertext of the private data, for the ombuds and the runner (engine/FORMATS.md "Sealed"). */
  sealed: string;
  sealedData: string;
  sealedWithheld: string;
  dsse: string;
  score: string;
  evidence: string;
  verdictSig: string;
  verdictPub: string;
  replays: string;
}

export function executionPaths(attestationsDir: string, runbookId: string, executionId: string): ExecutionPaths {
  const dir = join(attestationsDir, assertSafeSegment('runbookId', runbookId), assertSafeSegment('executionId', executionId));
  return {
    dir,
    manifest: join(dir, 'manifest.pcq'),
    run: join(dir, 'run.json'),
    runbookSnapshot: join(dir, 'runbook.json'),
    outputs: join(dir, 'outputs'),
    recordings: join(dir, 'recordings.json'),
    effects: join(dir, 'effects.json'),
    exports: join(dir, 'exports'),
    private: join(dir, PRIVATE_DIR),
    withheld: join(dir, PRIVATE_DIR, 'withheld'),
    privateSteps: join(dir, PRIVATE_DIR, 'steps'),
    privateRecordings: join(dir, PRIVATE_DIR, 'recordings.json'),
    privateEffects: join(dir, PRIVATE_DIR, 'effects.json'),
    sealed: join(dir, 'sealed'),
    sealedData: join(dir, 'sealed', 'private-data.json.age'),
    sealedWithheld: join(dir, 'sealed', 'withheld'),
    dsse: join(dir, `${executionId}.intoto.jsonl`),
    score: join(dir, 'score.json'),
    evidence: join(dir, 'evidence.tar.gz'),
    verdictSig: join(dir, 'verdict.sig'),
    verdictPub: join(dir, 'verdict.pub'),
    replays: join(dir, 'replays'),
  };
}

export function reviewTicketPath(attestationsDir: string, executionId: string): string {
  return join(attestationsDir, 'reviews', `${assertSafeSegment('executionId', executionId)}.yaml`);
}

export function indexPath(attestationsDir: string): string {
  return join(attestationsDir, 'index.json');
}

/**
 * A path under the attestations folder ('/'-separated): the index and review tickets are public,
 * a file of an execution folder as isPublicPath says, anything else (staging, locks) is private.
 */
export function isPublicStorePath(rel: string): boolean {
  if (rel === 'index.json') return true;
  const segments = rel.split('/');
  if (segments[0] === 'reviews') return segments.length === 2 && isPublicPath(segments[1]!);
  if (segments.length < 3 || !isSafeName('runbookId', segments[0]) || !isSafeName('executionId', segments[1])) return false;
  return isPublicPath(segments.slice(2).join('/'));
}

/** Every public regular file of an execution folder, as sorted '/'-separated relative paths. Symlinks are never followed or listed. */
export async function listPublicFiles(executionDir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(join(executionDir, rel), { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && rel === '') return;
      throw err;
    }
    for (const e of entries) {
      const child = rel === '' ? e.name : `${rel}/${e.name}`;
      if (rel === '' && e.name === PRIVATE_DIR) continue;
      if (e.name.startsWith('.')) continue;
      if (e.isDirectory()) await walk(child);
      else if (e.isFile() && isPublicPath(child) && !(await lstat(join(executionDir, child))).isSymbolicLink()) out.push(child);
    }
  };
  await walk('');
  return out.sort();
}
