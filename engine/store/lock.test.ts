// Locks left by killed processes (issue 9 found item 12): a real child process takes the lock and
// is killed with SIGKILL; the next taker breaks it at once instead of failing after its work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { acquireLock, tryAcquireLock, withLock, ownerIsDead } from './lock.ts';

const refusal = { code: 'PCQ_INDEX_LOCKED' as const, message: 'locked', hint: 'wait' };
const LOCK_MODULE = new URL('./lock.ts', import.meta.url).href;

/** A child that takes the lock, says so, and then hangs until killed. */
async function childHolding(path: string): Promise<{ pid: number; kill: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `const { acquireLock } = await import(${JSON.stringify(LOCK_MODULE)}); await acquireLock(${JSON.stringify(path)}, 5000, { code: 'PCQ_INDEX_LOCKED', message: 'x', hint: 'y' }); process.stdout.write('held\\n'); setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => (d.toString().includes('held') ? resolve() : undefined));
    child.on('exit', (code) => reject(new Error(`child exited ${code}`)));
  });
  return {
    pid: child.pid!,
    kill: () =>
      new Promise((resolve) => {
        child.removeAllListeners('exit');
        child.on('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

test('a lock held by a live process is waited for; one left by a SIGKILLed process is taken over at once', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-lock-'));
  const path = join(dir, 'index.json.lock');
  const holder = await childHolding(path);
  assert.equal(await tryAcquireLock(path), undefined, 'a live holder keeps it');
  await assert.rejects(acquireLock(path, 150, refusal), { code: 'PCQ_INDEX_LOCKED' });
  await holder.kill();
  const started = Date.now();
  const lock = await acquireLock(path, 0, refusal);
  assert.ok(Date.now() - started < 1000, 'no waiting on a dead owner');
  assert.equal(JSON.parse(await readFile(path, 'utf8')).pid, process.pid);
  await lock.release();
  assert.deepEqual(await readdir(dir), [], 'no lock, temp or broken file left');
});

test('ownerIsDead: pid gone, pid recycled by another process, foreign host only when old', () => {
  const at = new Date().toISOString();
  assert.equal(ownerIsDead({ pid: process.pid, host: hostname(), start: null, token: 't', at }), false);
  assert.equal(ownerIsDead({ pid: 2 ** 22 + 17, host: hostname(), start: null, token: 't', at }), true);
  assert.equal(ownerIsDead({ pid: process.ppid, host: hostname(), start: '1', token: 't', at }), true, 'same pid, other start time: recycled');
  assert.equal(ownerIsDead({ pid: 1, host: 'elsewhere', start: null, token: 't', at }), false);
  assert.equal(ownerIsDead({ pid: 1, host: 'elsewhere', start: null, token: 't', at: '2020-01-01T00:00:00Z' }), true);
});

test('mutual exclusion in one process; a hand-made unreadable lock is only broken once old', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-lock-'));
  const path = join(dir, 'x.lock');
  let inside = 0;
  let max = 0;
  await Promise.all(
    Array.from({ length: 20 }, () =>
      withLock(path, 10_000, refusal, async () => {
        max = Math.max(max, ++inside);
        await new Promise((r) => setTimeout(r, 2));
        inside--;
      }),
    ),
  );
  assert.equal(max, 1);
  await writeFile(path, 'garbage');
  assert.equal(await tryAcquireLock(path), undefined, 'a fresh unknown lock is respected');
});
