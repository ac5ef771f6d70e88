#!/usr/bin/env node
// The `pcq-verify` bin, bundled as dist/pcq-verify.mjs: a few lines that prepare the process, then
// load the verifier (cli/verify-main.ts, a chunk of its own) and run it. A verifier is started once
// per manifest, so what happens before the first check counts (issue 16, "a verifier that beats its
// peer": at 100 steps, loading the code was most of the run). Four things must happen before any of
// that code is loaded or any thread-pool work is queued, hence this file:
//
// 1. The libuv thread pool is sized to the spare cores (UV_THREADPOOL_SIZE, read by libuv when the
//    pool first starts; a value the user set wins). Step signatures are verified on the pool while
//    this thread parses the next steps; with libuv's default of four threads on a two-core machine
//    the pool crowds the parsing thread off its core, which is the longer of the two jobs.
// 2. Node's compile cache (node:module enableCompileCache) is turned on, so that the second and
//    later runs skip compiling the verifier's JavaScript (verify-compile-cache.ts says where it
//    lives and why only there).
// 3. V8's young generation is kept at its starting size (--semi-space-growth-factor=1, a GC sizing
//    flag: it changes when the collector runs, never what the code computes). The verifier streams:
//    each step's objects die before the next step is read, so a larger young generation buys
//    nothing but resident memory (at 10,000 steps it grew to 64 MB of the 150 MB peak).
// 4. V8's young-generation collections run on this thread alone (--no-parallel-scavenge,
//    --no-concurrent-array-buffer-sweeping; the two parts of --single-threaded-gc that can still be
//    set once the process runs). The second core is busy with step signatures (1.), so a parallel
//    scavenge waited for helper threads that could not run: at 10,000 steps ~370 scavenges took
//    0.8–1.0 s on this thread with helpers and 0.5–0.6 s without (load ~5, --trace-gc). GC flags
//    change when and on which thread memory is reclaimed, never what the code computes.
import { availableParallelism } from 'node:os';
import { flushCompileCache } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { enableVerifierCompileCache } from './verify-compile-cache.ts';

if (process.env.UV_THREADPOOL_SIZE === undefined) process.env.UV_THREADPOOL_SIZE = String(Math.max(1, Math.min(4, availableParallelism() - 1)));
setFlagsFromString('--semi-space-growth-factor=1');
setFlagsFromString('--no-parallel-scavenge');
setFlagsFromString('--no-concurrent-array-buffer-sweeping');
enableVerifierCompileCache(process.env);

const { runVerifyMain } = await import('./verify-main.ts');
await runVerifyMain(process.argv.slice(2));
exitOnceWritten();

/**
 * Ends the process once the verdict is out, without the normal exit's heap teardown: Node frees the
 * V8 heap page by page on a normal exit (at 10,000 steps ~80 munmap calls, 10–30 ms between the
 * last line written and exit_group under strace), which process.exit skips. Everything is done at
 * this point: the verdict is computed, every signature job has settled, the report is written.
 * Only writes still queued on stdout or stderr (a pipe is asynchronous on some platforms) are
 * waited for, and the compile cache (2.) is written first, as a normal exit would write it. The
 * exit code is the one runVerifyMain set (verify-bundle.test.ts: output and codes unchanged).
 */
function exitOnceWritten(): void {
  const pending = [process.stdout, process.stderr].filter((s) => s.writableLength > 0);
  if (pending.length > 0) return void pending[0]!.once('drain', exitOnceWritten);
  flushCompileCache?.();
  process.exit();
}
