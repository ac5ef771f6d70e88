// attestations/index.json: one entry per execution, kept consistent under concurrent runs by a
// lock (lock.ts: a lock left by a killed process is taken over, never waited on forever) and
// atomic replacement. The site and `pcq review list` read it instead of walking. Only the
// execution store (execution-store.ts) changes it, after an execution's files are all in place.
import { readFile } from 'node:fs/promises';
import { PcqError } from '../base/errors.ts';
import type { RunStatus, Verdict } from '../base/run-record.ts';
import { indexPath, assertSafeSegment } from './layout.ts';
import { writeJsonAtomic } from './atomic-write.ts';
import { withLock } from './lock.ts';
import type { IndexUpdate } from './change-set.ts';

export interface IndexEntry {
  executionId: string;
  runbookId: string;
  version: string;
  executedAt: string; // the run's asOf
  startedAt: string; // wall clock, unsigned
  status: RunStatus;
  verdict: Verdict;
  merkleRoot: string;
  path: string; // relative to the attestations folder
  actor: string;
  replayOf?: string;
}

export interface ExecutionIndex {
  executions: IndexEntry[];
}

const STATUSES = ['succeeded', 'failed', 'blocked', 'paused', 'rejected'];
const VERDICT_WORDS = ['pass', 'blocked', 'approved', 'rejected', 'failed', 'paused'];
const ENTRY_KEYS = ['executionId', 'runbookId', 'version', 'executedAt', 'startedAt', 'status', 'verdict', 'merkleRoot', 'path', 'actor', 'replayOf'];
/** Waiting for a live holder: an index update takes milliseconds, 20 concurrent runs a second. */
const INDEX_LOCK_WAIT_MS = 60_000;

/** Every way a value departs from an index entry; empty when it is one. */
export function checkIndexEntry(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['an entry must be an object'];
  const e = value as Record<string, unknown>;
  const out: string[] = [];
  for (const k of Object.keys(e)) if (!ENTRY_KEYS.includes(k)) out.push(`unexpected field "${k}"`);
  for (const k of ['executionId', 'runbookId', 'version', 'executedAt', 'startedAt', 'merkleRoot', 'path', 'actor']) {
    if (typeof e[k] !== 'string') out.push(`"${k}" must be a string`);
  }
  if (e.replayOf !== undefined && typeof e.replayOf !== 'string') out.push('"replayOf" must be a string');
  if (!STATUSES.includes(e.status as string)) out.push(`"status" must be one of ${STATUSES.join(', ')}`);
  if (!VERDICT_WORDS.includes(e.verdict as string)) out.push(`"verdict" must be one of ${VERDICT_WORDS.join(', ')}`);
  if (out.length === 0) {
    try {
      assertSafeSegment('runbookId', e.runbookId as string);
      assertSafeSegment('executionId', e.executionId as string);
    } catch (err) {
      out.push((err as Error).message);
    }
    if (e.path !== `${e.runbookId as string}/${e.executionId as string}`) out.push(`"path" must be "${e.runbookId as string}/${e.executionId as string}"`);
  }
  return out;
}

const corrupt = (why: string) =>
  new PcqError({
    code: 'PCQ_INDEX_CORRUPT',
    message: `attestations/index.json is not a valid index: ${why}`,
    hint: 'Restore it from git, or delete it and run `pcq run` again to rebuild entries.',
  });

export function parseIndex(text: string): ExecutionIndex {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw corrupt((err as Error).message);
  }
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as ExecutionIndex).executions)) throw corrupt('missing executions array');
  const executions = (parsed as ExecutionIndex).executions;
  executions.forEach((entry, i) => {
    const problems = checkIndexEntry(entry);
    if (problems.length > 0) throw corrupt(`executions[${i}]: ${problems.join('; ')}`);
  });
  return { executions };
}

export async function readIndex(attestationsDir: string): Promise<ExecutionIndex> {
  let text: string;
  try {
    text = await readFile(indexPath(attestationsDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { executions: [] };
    throw err;
  }
  return parseIndex(text);
}

const byNewest = (a: IndexEntry, b: IndexEntry) =>
  a.startedAt === b.startedAt ? a.executionId.localeCompare(b.executionId) : b.startedAt.localeCompare(a.startedAt);

/** Applies one change set's index update under the lock; idempotent, so recovery may repeat it. */
export async function applyIndexUpdate(attestationsDir: string, update: IndexUpdate): Promise<void> {
  await withIndexLock(attestationsDir, async () => {
    const index = await readIndex(attestationsDir);
    if (update.kind === 'upsert') {
      const rest = index.executions.filter((e) => e.executionId !== update.entry.executionId);
      rest.push(update.entry);
      rest.sort(byNewest);
      await writeJsonAtomic(indexPath(attestationsDir), { executions: rest });
      return;
    }
    const found = index.executions.find((e) => e.executionId === update.executionId);
    if (!found) return;
    Object.assign(found, update.fields);
    await writeJsonAtomic(indexPath(attestationsDir), index);
  });
}

/** Inserts or replaces one entry (by executionId); newest first, ties by id for a stable file. */
export async function upsertIndexEntry(attestationsDir: string, entry: IndexEntry): Promise<void> {
  await applyIndexUpdate(attestationsDir, { kind: 'upsert', entry });
}

export async function updateIndexEntry(attestationsDir: string, executionId: string, fields: Partial<Pick<IndexEntry, 'verdict' | 'status'>>): Promise<void> {
  await applyIndexUpdate(attestationsDir, { kind: 'patch', executionId, fields });
}

async function withIndexLock<T>(attestationsDir: string, fn: () => Promise<T>): Promise<T> {
  const lock = indexPath(attestationsDir) + '.lock';
  return withLock(
    lock,
    INDEX_LOCK_WAIT_MS,
    {
      code: 'PCQ_INDEX_LOCKED',
      message: `${lock} stayed locked by a running pcq process for ${INDEX_LOCK_WAIT_MS / 1000} s`,
      hint: 'Another pcq process is writing the index; a lock of a process that no longer runs is taken over by itself, so retry.',
    },
    fn,
  );
}
