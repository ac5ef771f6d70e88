// Making many staged files durable with one flush (issue 16, "a runner that scales"). A run stages
// one file per step, and an fsync per file made a 10,000-step run wait on 10,000 disk flushes
// (~8 s here, most of its write time). syncfs(2) writes back every dirty page and inode of the file
// system that holds a folder in one call, so the staged files are as durable after it as after an
// fsync each. Node has no binding for syncfs; GNU coreutils' `sync --file-system` is that call
// (argument vector, no shell). Where it is missing or fails (not Linux, no coreutils, a write-back
// error), the caller falls back to fsync per file, which then also reports the error.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Below this many files, fsync each (in parallel): cheaper than starting a process. */
export const SYNCFS_MIN_FILES = 64;

const SYNC_BINARIES = ['/usr/bin/sync', '/bin/sync'];

let unavailable = false;

/** The absolute path of coreutils' sync, or undefined (never looked up on PATH: a store write runs no program PATH picks). */
function syncBinary(): string | undefined {
  return SYNC_BINARIES.find((p) => existsSync(p));
}

/**
 * Flushes the file system holding `dir` (syncfs(2)); true when it did. False when it cannot here,
 * and then it is not tried again in this process: the caller must fsync what it wrote itself.
 */
export function syncFileSystem(dir: string): Promise<boolean> {
  const binary = unavailable || process.platform !== 'linux' ? undefined : syncBinary();
  if (binary === undefined) return Promise.resolve(false);
  return new Promise((resolve) => {
    execFile(binary, ['--file-system', '--', dir], { timeout: 120_000, windowsHide: true }, (err) => {
      if (err) unavailable = true;
      resolve(err === null);
    });
  });
}
