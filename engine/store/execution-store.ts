// The execution store (docs/design.md §7 "One store, atomic changes"): the one writer of attestations/.
// A use case computes a ChangeSet; commitChange applies it so that a crash (`kill -9`) at any
// point leaves every execution either as it was or as the change makes it, never torn:
//   1. take the transaction's lock .staging/<tx>.lock (owner pid: recovery leaves live ones alone);
//   2. stage every file in .staging/<tx>/ (same file system as the targets) and make them durable:
//      fsync each, or for a large change one syncfs of the file system (sync-fs.ts);
//   3. write .staging/<tx>/journal.json atomically — the commit point: without it the change is
//      rolled back (the staging folder deleted), with it rolled forward;
//   4. rename every staged file into place (a rename is atomic; a staged file already gone was
//      moved by an earlier attempt), delete removed files, fsync the folders;
//   5. update attestations/index.json under its lock — after every file is in place, so the index
//      never lists an incomplete execution;
//   6. delete the staging folder, then the transaction lock.
// recoverStore runs at the start of every command that reads or writes the store and finishes
// (or undoes) what a killed process left; what it cannot repair it reports with a coded error.
import { mkdir, open, readdir, readFile, rename, rm, rmdir, unlink } from 'node:fs/promises';
import { renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hash, randomBytes } from 'node:crypto';
import { PcqError, type PcqIssue } from '../base/errors.ts';
import { secretRegistry } from '../base/secrets.ts';
import { fsyncDir, writeFileAtomic } from './atomic-write.ts';
import { ChangeSet, type IndexUpdate, type StagedFile, type Visibility } from './change-set.ts';
import { SYNCFS_MIN_FILES, syncFileSystem } from './sync-fs.ts';
import { applyIndexUpdate, checkIndexEntry } from './execution-index.ts';
import { tryAcquireLock, acquireLock } from './lock.ts';

export const STAGING_DIR = '.staging';
const JOURNAL = 'journal.json';
const GITIGNORE = '# Written by pcq: never commit staging folders, lock files or private data.\n.staging/\n*.lock\n*/*/private/\n';

interface JournalPut {
  staged: string;
  path: string;
  visibility: Visibility;
  digest: string;
}

export interface Journal {
  version: 1;
  puts: JournalPut[];
  removes: string[];
  index: IndexUpdate | null;
}

/** What a commit changed that may be published: public files only (absolute paths). */
export interface CommittedChange {
  publicPaths: string[];
  removedPaths: string[];
  indexChanged: boolean;
}

export interface RecoveryReport {
  rolledForward: string[]; // transaction ids
  rolledBack: string[];
  issues: PcqIssue[];
}

/** How many file operations a commit keeps in flight (libuv's pool has 4 threads by default). */
const IO_PARALLELISM = 16;

/** Runs task(0..count-1) with at most `width` in flight; rejects with the first failure after all settle. */
async function inParallel(count: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      try {
        await task(i);
      } catch (err) {
        failure ??= err;
        next = count; // start nothing new
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
  if (failure !== undefined) throw failure;
}

// One-shot hash (no Hash object per file): a run's change digests one staged file per step.
const sha256 = (bytes: Uint8Array): string => 'sha256:' + hash('sha256', bytes, 'hex');

async function writeStaged(path: string, bytes: Uint8Array, mode: number): Promise<void> {
  const handle = await open(path, 'wx', mode);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** How many file operations a large change makes between two turns of the event loop (inSlices). */
const SYNC_SLICE = 256;

/**
 * Runs task(0..count-1) in order with synchronous file calls, yielding to the event loop after every
 * SYNC_SLICE of them. For a large change of small files (a run: one outputs file per step) the
 * promise and thread-pool round trips of async calls cost more than the calls themselves: staging
 * and renaming 10,000 files took ~2× the CPU and wall time async on this 2-core machine (issue 16,
 * "a runner that scales"). The operations and their order relative to the commit point are the
 * same; only who waits on them changes.
 */
async function inSlices(count: number, task: (i: number) => void): Promise<void> {
  for (let i = 0; i < count; i++) {
    task(i);
    if ((i + 1) % SYNC_SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * Writes every file of the change into txDir as String(i), durable before this resolves. A large
 * change is flushed once (syncfs, sync-fs.ts) instead of once per file: a run stages one file per
 * step. If that flush is not available here, every file is fsynced after all, as small changes are.
 */
async function stageFiles(txDir: string, files: readonly StagedFile[]): Promise<void> {
  // Private files are for this machine's runner and ombuds only; a rename keeps the mode.
  const mode = (file: StagedFile): number => (file.visibility === 'private' ? 0o600 : 0o644);
  if (files.length < SYNCFS_MIN_FILES) {
    // Several writes in flight: each one waits on its own fsync.
    await inParallel(files.length, IO_PARALLELISM, (i) => writeStaged(join(txDir, String(i)), files[i]!.bytes, mode(files[i]!)));
    return;
  }
  // 'wx': a staged name is never reused, so an existing file here is a bug, not something to overwrite.
  await inSlices(files.length, (i) => writeFileSync(join(txDir, String(i)), files[i]!.bytes, { flag: 'wx', mode: mode(files[i]!) }));
  if (!(await syncFileSystem(txDir))) await inParallel(files.length, IO_PARALLELISM, (i) => fsyncFile(join(txDir, String(i))));
}

export interface StagedChange {
  tx: string;
  txDir: string;
  journal: Journal;
  release(): Promise<void>;
}

/** Steps 1–3: the change staged and its journal written (committed, not yet applied). */
export async function stageChange(change: ChangeSet): Promise<StagedChange> {
  refuseSecrets(change);
  const root = change.attestationsDir;
  await ensureStoreFolder(root);
  const tx = `${Date.now().toString(36)}-${process.pid}-${randomBytes(4).toString('hex')}`;
  const txDir = join(root, STAGING_DIR, tx);
  const lock = await acquireLock(`${txDir}.lock`, 0, {
    code: 'PCQ_INTERNAL',
    message: `transaction ${tx} is already locked`,
    hint: 'This is a bug in pcq: transaction ids are unique.',
  });
  try {
    await mkdir(txDir, { recursive: true });
    const files = change.puts;
    await stageFiles(txDir, files);
    const puts: JournalPut[] = files.map((file, i) => ({ staged: String(i), path: file.path, visibility: file.visibility, digest: sha256(file.bytes) }));
    await fsyncDir(txDir);
    const journal: Journal = { version: 1, puts, removes: change.removes, index: change.index ?? null };
    await writeFileAtomic(join(txDir, JOURNAL), JSON.stringify(journal) + '\n'); // the commit point
    return { tx, txDir, journal, release: () => lock.release() };
  } catch (err) {
    await rm(txDir, { recursive: true, force: true }); // before the commit point nothing is visible
    await lock.release();
    throw err;
  }
}

/**
 * The last wall (issue 10): no byte with a registered secret, in any encoding, is written under
 * attestations/. Data is redacted where it enters (HTTP port, step results, errors), before it is
 * signed; a secret still here cannot be masked without breaking a signature, so the whole change is
 * refused before anything is staged. The error names the file and where the secret came from, never
 * the value.
 */
const NON_ASCII = /[^\x00-\x7f]/;

function refuseSecrets(change: ChangeSet): void {
  if (secretRegistry.size === 0) return;
  // One file's text at a time, read through a view of its bytes (no copy): a run's change holds a
  // file per step, and copying them all first doubled its peak memory (issue 16).
  // A text put was read when it was put (change-set.ts): that reading stands while no secret was registered since.
  for (const f of change.puts) {
    if (f.secretScan?.generation === secretRegistry.generation) {
      if (f.secretScan.source !== undefined) throw secretInOutput(change, f.path, f.secretScan.source);
    } else refuseSecretIn(change, f.path, Buffer.from(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength).toString('latin1'));
  }
  if (change.index) refuseSecretIn(change, 'index.json', JSON.stringify(change.index));
}

function refuseSecretIn(change: ChangeSet, path: string, text: string): void {
  // The UTF-8 reading differs from the Latin-1 one only when a byte is above 0x7f: ASCII files are searched once.
  const source = secretRegistry.find(text) ?? (NON_ASCII.test(text) ? secretRegistry.find(Buffer.from(text, 'latin1').toString('utf8')) : undefined);
  if (source !== undefined) throw secretInOutput(change, path, source);
}

function secretInOutput(change: ChangeSet, path: string, source: string): PcqError {
  return new PcqError({
    code: 'PCQ_SECRET_IN_OUTPUT',
    message: `${path} would hold a registered secret (${source}); nothing was written under ${change.attestationsDir}`,
    details: { file: path, source },
  });
}

export async function commitChange(change: ChangeSet): Promise<CommittedChange> {
  const root = change.attestationsDir;
  const staged = await stageChange(change);
  try {
    // After the commit point an error leaves the journal for recovery to finish.
    await applyJournal(root, staged.txDir, staged.journal);
    await rm(staged.txDir, { recursive: true, force: true });
  } finally {
    await staged.release();
  }
  return {
    publicPaths: staged.journal.puts.filter((p) => p.visibility === 'public').map((p) => join(root, p.path)),
    removedPaths: staged.journal.removes.map((p) => join(root, p)),
    indexChanged: staged.journal.index !== null,
  };
}

async function exists(path: string): Promise<boolean> {
  return readFile(path).then(
    () => true,
    () => false,
  );
}

async function ensureStoreFolder(root: string): Promise<void> {
  await mkdir(join(root, STAGING_DIR), { recursive: true });
  if (!(await exists(join(root, '.gitignore')))) await writeFileAtomic(join(root, '.gitignore'), GITIGNORE);
}

async function applyJournal(root: string, txDir: string, journal: Journal): Promise<void> {
  const touched = new Set<string>();
  for (const put of journal.puts) touched.add(dirname(join(root, put.path)));
  for (const dir of touched) await mkdir(dir, { recursive: true });
  // Renames are independent once the journal is written (the commit point): several at once, or
  // for a large change one after another without the async round trips (inSlices).
  const movedBefore = (err: unknown): void => {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // already moved by an earlier attempt
  };
  if (journal.puts.length >= SYNCFS_MIN_FILES) {
    await inSlices(journal.puts.length, (i) => {
      const put = journal.puts[i]!;
      try {
        renameSync(join(txDir, put.staged), join(root, put.path));
      } catch (err) {
        movedBefore(err);
      }
    });
  } else {
    await inParallel(journal.puts.length, IO_PARALLELISM, (i) => {
      const put = journal.puts[i]!;
      return rename(join(txDir, put.staged), join(root, put.path)).catch(movedBefore);
    });
  }
  for (const path of journal.removes) {
    await rm(join(root, path), { force: true });
    touched.add(await pruneEmpty(root, dirname(join(root, path))));
  }
  for (const dir of touched) await fsyncDir(dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
  if (journal.index) await applyIndexUpdate(root, journal.index);
}

/** Removes folders a removal emptied (private/withheld/ after a release), up to the store root; returns the first kept. */
async function pruneEmpty(root: string, dir: string): Promise<string> {
  while (dir.length > root.length && dir.startsWith(root)) {
    try {
      await rmdir(dir);
    } catch {
      return dir; // not empty (or already gone): keep it and everything above
    }
    dir = dirname(dir);
  }
  return dir;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

function parseJournal(text: string): Journal | undefined {
  try {
    const v = JSON.parse(text) as Partial<Journal>;
    if (v.version !== 1 || !Array.isArray(v.puts) || !Array.isArray(v.removes)) return undefined;
    const safe = (p: unknown) => typeof p === 'string' && p !== '' && !p.startsWith('/') && !p.split('/').some((s) => s === '' || s === '..' || s === '.');
    for (const p of v.puts) {
      if (
        typeof p !== 'object' ||
        p === null ||
        !/^\d+$/.test(String(p.staged)) ||
        !safe(p.path) ||
        (p.visibility !== 'public' && p.visibility !== 'private') ||
        !DIGEST.test(String(p.digest))
      )
        return undefined;
    }
    if (!v.removes.every(safe)) return undefined;
    const index = v.index ?? null;
    if (
      index !== null &&
      !(index.kind === 'upsert' ? checkIndexEntry(index.entry).length === 0 : index.kind === 'patch' && typeof index.executionId === 'string')
    )
      return undefined;
    return { version: 1, puts: v.puts, removes: v.removes, index };
  } catch {
    return undefined;
  }
}

/**
 * Finishes or undoes every transaction a dead process left in .staging/. A transaction of a live
 * process is left alone. A journal that cannot be read is reported (PCQ_STORE_INCOMPLETE) and
 * left in place for a person to look at: guessing could tear an execution.
 */
export async function recoverStore(attestationsDir: string): Promise<RecoveryReport> {
  const report: RecoveryReport = { rolledForward: [], rolledBack: [], issues: [] };
  const staging = join(attestationsDir, STAGING_DIR);
  let names: string[];
  try {
    names = await readdir(staging);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return report;
    throw err;
  }
  const txs = new Set(names.filter((n) => !n.includes('.')));
  for (const name of names) {
    if (!name.endsWith('.lock') || txs.has(name.slice(0, -5))) continue;
    // A lock without its folder: the process died after step 6's rm. Break it if abandoned.
    const lock = await tryAcquireLock(join(staging, name));
    if (lock) await unlink(lock.path).catch(() => undefined);
  }
  for (const tx of [...txs].sort()) {
    const lock = await tryAcquireLock(join(staging, `${tx}.lock`));
    if (!lock) continue; // a live process is committing it
    try {
      const txDir = join(staging, tx);
      const text = await readFile(join(txDir, JOURNAL), 'utf8').catch((err: NodeJS.ErrnoException) =>
        err.code === 'ENOENT' ? undefined : Promise.reject(err),
      );
      if (text === undefined) {
        await rm(txDir, { recursive: true, force: true });
        report.rolledBack.push(tx);
        continue;
      }
      const journal = parseJournal(text);
      if (!journal) {
        report.issues.push({
          code: 'PCQ_STORE_INCOMPLETE',
          message: `${join(txDir, JOURNAL)} is not a readable store journal; the change it describes was neither finished nor undone`,
          hint: 'Restore attestations/ from git, or remove that staging folder once you have checked the executions it names.',
        });
        continue;
      }
      if (!(await stagedFilesIntact(txDir, journal))) {
        report.issues.push({
          code: 'PCQ_STORE_INCOMPLETE',
          message: `the staged files of transaction ${tx} do not match its journal`,
          hint: 'Restore attestations/ from git; the staging folder was left in place.',
        });
        continue;
      }
      await applyJournal(attestationsDir, txDir, journal);
      await rm(txDir, { recursive: true, force: true });
      report.rolledForward.push(tx);
    } finally {
      await lock.release();
    }
  }
  return report;
}

/** Every staged file not yet moved still has the digest the journal committed to. */
async function stagedFilesIntact(txDir: string, journal: Journal): Promise<boolean> {
  for (const put of journal.puts) {
    const bytes = await readFile(join(txDir, put.staged)).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
    if (bytes !== undefined && sha256(bytes) !== put.digest) return false;
  }
  return true;
}
