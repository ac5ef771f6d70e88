// Where `pcq-verify` keeps Node's on-disk compile cache (node:module enableCompileCache, Node ≥ 22.1):
// the V8 code of the verifier's own bundle, so that a second run does not compile it again.
//
// What the cache can and cannot do to a verdict: it holds compiled code for the files Node loads,
// keyed by their path and checked against a hash of their source text on every load (a stale or
// corrupt entry is ignored and rewritten; V8 refuses code from another V8 version or flag set). It
// never holds a result. But compiled code is code: whoever can write the cache directory could
// hand the verifier code of their own, so the cache lives only in a directory of the user's own
// (`$XDG_CACHE_HOME/pcq/compile-cache`, else `~/.cache/pcq/compile-cache`), created 0700, and is
// used only when that directory is owned by this user and writable by nobody else. Never a shared
// temporary directory and never the repository being verified. No usable directory: no cache (the
// verifier only starts slower). NODE_COMPILE_CACHE, when the user sets it, is Node's own switch and
// is left to Node; PCQ_COMPILE_CACHE=0 turns the cache off.
import { mkdirSync, statSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { dirname, join } from 'node:path';

/** The private cache directory for this environment, or undefined when there is none to use. */
export function compileCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  const base = env.XDG_CACHE_HOME?.startsWith('/') ? env.XDG_CACHE_HOME : env.HOME?.startsWith('/') ? join(env.HOME, '.cache') : undefined;
  return base === undefined ? undefined : join(base, 'pcq', 'compile-cache');
}

/** True when `dir` exists, is a directory owned by this user, and no one else may write into it. */
export function isPrivateDir(dir: string): boolean {
  try {
    const s = statSync(dir);
    const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
    return s.isDirectory() && uid !== undefined && s.uid === uid && (s.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** Turns the compile cache on for the code loaded after this call; returns the directory used, if any. */
export function enableVerifierCompileCache(env: NodeJS.ProcessEnv): string | undefined {
  if (env.PCQ_COMPILE_CACHE === '0' || env.NODE_DISABLE_COMPILE_CACHE !== undefined || env.NODE_COMPILE_CACHE !== undefined) return undefined;
  const dir = compileCacheDir(env);
  if (dir === undefined || typeof enableCompileCache !== 'function') return undefined;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!isPrivateDir(dir) || !isPrivateDir(dirname(dir))) return undefined;
    const result = enableCompileCache(dir);
    return result.directory;
  } catch {
    return undefined;
  }
}
