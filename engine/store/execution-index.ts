// attestations/index.json: one entry per execution, kept consistent under concurrent runs by a
// lock file and atomic replacement. The site and `pcq review list` read it instead of walking.
import { open, readFile, rm } from 'node:fs/promises';
import { PcqError } from '../base/errors.ts';
import type { Verdict } from '../base/run-record.ts';
import { indexPath } from './layout.ts';
import { writeJsonAtomic } from './atomic-write.ts';
import { mkdir } from 'node:fs/promises';

export interface IndexEntry {
  executionId: string;
  runbookId: string;
  version: string;
  executedAt: string; // the run's asOf
  startedAt: string; // wall clock, unsigned
  status: 'succeeded' | 'failed' | 'blocked';
  verdict: Verdict;
  merkleRoot: string;
  path: string; // relative to the attestations folder
  actor: string;
  replayOf?: string;
}

export interface ExecutionIndex {
  executions: IndexEntry[];
}

export async function readIndex(attestationsDir: string): Promise<ExecutionIndex> {
  let text: string;
  try {
    text = await readFile(indexPath(attestationsDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { executions: [] };
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as ExecutionIndex;
    if (!Array.isArray(parsed.executions)) throw new Error('missing executions array');
    return parsed;
  } catch (err) {
    throw new PcqError({
      code: 'PCQ_INDEX_CORRUPT',
      message: `attestations/index.json is not a valid index: ${(err as Error).message}`,
      hint: 'Restore it from git, or delete it and run `pcq run` again to rebuild entries.',
    });
  }
}

/** Inserts or replaces one entry (by executionId); newest first, ties by id for a stable file. */
export async function upsertIndexEntry(attestationsDir: string, entry: IndexEntry): Promise<void> {
  await withIndexLock(attestationsDir, async () => {
    const index = await readIndex(attestationsDir);
    const rest = index.executions.filter((e) => e.executionId !== entry.executionId);
    rest.push(entry);
    rest.sort((a, b) => (a.startedAt === b.startedAt ? a.executionId.localeCompare(b.executionId) : b.startedAt.localeCompare(a.startedAt)));
    await writeJsonAtomic(indexPath(attestationsDir), { executions: rest });
  });
}

export async function updateIndexEntry(attestationsDir: string, executionId: string, patch: Partial<IndexEntry>): Promise<void> {
  await withIndexLock(attestationsDir, async () => {
    const index = await readIndex(attestationsDir);
    const found = index.executions.find((e) => e.executionId === executionId);
    if (!found) return;
    Object.assign(found, patch);
    await writeJsonAtomic(indexPath(attestationsDir), index);
  });
}

async function withIndexLock<T>(attestationsDir: string, fn: () => Promise<T>): Promise<T> {
  await mkdir(attestationsDir, { recursive: true });
  const lock = indexPath(attestationsDir) + '.lock';
  for (let tries = 0; ; tries++) {
    try {
      const handle = await open(lock, 'wx');
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 200) {
        throw new PcqError({
          code: 'PCQ_INDEX_LOCKED',
          message: `could not lock ${lock}`,
          hint: 'Another pcq process is writing the index; if none is running, delete the .lock file.',
        });
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}
