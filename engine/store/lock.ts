// File locks that a killed process cannot leave behind for good (issue 9 found item 12: a lock
// left by `kill -9` made every later run fail with PCQ_INDEX_LOCKED after doing all its work).
// No fcntl in Node, so: the lock file is created with its content in one step (owner written to a
// temp file, then link(2)ed to the lock name: link fails with EEXIST atomically, and nobody ever
// sees an empty lock). The owner is {pid, host, start (the process's start time from /proc, so a
// recycled pid is not mistaken for the owner), token}. A lock whose owner is dead is broken:
// renamed away (only one breaker wins the rename), checked to be the dead owner's, then deleted;
// a live lock renamed by a late breaker is linked back. A lock held by a live process is waited
// for up to `waitMs`, then the caller's coded error is thrown.
import { link, readFile, rename, unlink, writeFile, stat, mkdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PcqError, type PcqCode } from '../base/errors.ts';

export interface LockOwner {
  pid: number;
  host: string;
  start: string | null; // /proc/<pid>/stat starttime (clock ticks since boot), null off Linux
  token: string;
  at: string;
}

export interface LockRefusal {
  code: PcqCode;
  message: string;
  hint: string;
}

export interface HeldLock {
  path: string;
  token: string;
  release(): Promise<void>;
}

/** A lock on another host cannot be probed; it counts as abandoned after this long. */
const FOREIGN_HOST_STALE_MS = 10 * 60_000;
/** An unreadable lock file (not written by this module) counts as abandoned after this long. */
const UNREADABLE_STALE_MS = 30_000;

export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); the command name (field 2) may hold spaces, so count after its ")".
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

let selfStart: string | null | undefined;

function ownerRecord(token: string): LockOwner {
  selfStart ??= processStart(process.pid);
  return { pid: process.pid, host: hostname(), start: selfStart, token, at: new Date().toISOString() };
}

/** Whether the process that wrote `owner` is certainly gone. */
export function ownerIsDead(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return Date.now() - Date.parse(owner.at) > FOREIGN_HOST_STALE_MS;
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const start = processStart(owner.pid);
  return owner.start !== null && start !== null && start !== owner.start;
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockOwner>;
    if (
      typeof v.pid === 'number' &&
      Number.isInteger(v.pid) &&
      v.pid > 0 &&
      typeof v.host === 'string' &&
      typeof v.token === 'string' &&
      typeof v.at === 'string' &&
      (v.start === null || typeof v.start === 'string')
    ) {
      return v as LockOwner;
    }
  } catch {
    // fall through: not a lock this module wrote
  }
  return undefined;
}

async function readOwner(path: string): Promise<{ owner?: LockOwner; ageMs: number } | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    const owner = parseOwner(text);
    return { ...(owner ? { owner } : {}), ageMs: Date.now() - info.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function create(path: string, owner: LockOwner): Promise<boolean> {
  const tmp = `${path}.${owner.token}.tmp`;
  await writeFile(tmp, JSON.stringify(owner) + '\n', { flag: 'wx' });
  try {
    await link(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** Removes an abandoned lock, but only the one that was seen abandoned (see the header). */
async function breakLock(path: string, seen: LockOwner | undefined): Promise<void> {
  const aside = `${path}.${randomBytes(6).toString('hex')}.broken`;
  try {
    await rename(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // another process broke it first
    throw err;
  }
  const moved = parseOwner(await readFile(aside, 'utf8').catch(() => ''));
  if (seen !== undefined && moved !== undefined && moved.token !== seen.token) {
    await link(aside, path).catch(() => undefined); // a live lock taken meanwhile: give it back
  }
  await unlink(aside).catch(() => undefined);
}

async function tryOnce(path: string, owner: LockOwner): Promise<'held' | 'busy'> {
  if (await create(path, owner)) return 'held';
  const found = await readOwner(path);
  if (found === undefined) return 'busy'; // released meanwhile: retry at once
  const abandoned = found.owner ? ownerIsDead(found.owner) : found.ageMs > UNREADABLE_STALE_MS;
  if (!abandoned) return 'busy';
  await breakLock(path, found.owner);
  return (await create(path, owner)) ? 'held' : 'busy';
}

function held(path: string, token: string): HeldLock {
  return {
    path,
    token,
    async release() {
      const found = await readOwner(path).catch(() => undefined);
      if (found?.owner?.token === token) await unlink(path).catch(() => undefined);
    },
  };
}

/** Takes the lock, breaking an abandoned one; undefined when a live process holds it. */
export async function tryAcquireLock(path: string): Promise<HeldLock | undefined> {
  await mkdir(dirname(path), { recursive: true });
  const owner = ownerRecord(randomBytes(8).toString('hex'));
  return (await tryOnce(path, owner)) === 'held' ? held(path, owner.token) : undefined;
}

/** Takes the lock, waiting up to `waitMs` for a live holder; then throws `refusal`. */
export async function acquireLock(path: string, waitMs: number, refusal: LockRefusal): Promise<HeldLock> {
  await mkdir(dirname(path), { recursive: true });
  const owner = ownerRecord(randomBytes(8).toString('hex'));
  const deadline = Date.now() + waitMs;
  for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
    if ((await tryOnce(path, owner)) === 'held') return held(path, owner.token);
    if (Date.now() >= deadline) throw new PcqError(refusal);
    await new Promise((r) => setTimeout(r, delay + Math.random() * delay));
  }
}

export async function withLock<T>(path: string, waitMs: number, refusal: LockRefusal, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(path, waitMs, refusal);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
