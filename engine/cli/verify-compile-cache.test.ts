// The compile cache of `pcq-verify` (verify-compile-cache.ts): only in a private directory of the
// user's own, and whatever the cache holds, the verdict is the one a run without it gives. The
// e2e part runs the built bin (dist/pcq-verify.mjs) on a sealed sample manifest and on a tampered
// copy with HOME pointing at a scratch directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { compileCacheDir, enableVerifierCompileCache, isPrivateDir } from './verify-compile-cache.ts';
import { writePcqChain } from '../../bench/verify-peer.bench.ts';

const run = promisify(execFile);
const NODE = resolve('node_modules/.bin/node');
const VERIFY = resolve('dist/pcq-verify.mjs');

test('the cache directory is under XDG_CACHE_HOME, else ~/.cache; none without an absolute home', () => {
  assert.equal(compileCacheDir({ XDG_CACHE_HOME: '/c', HOME: '/h' }), '/c/pcq/compile-cache');
  assert.equal(compileCacheDir({ HOME: '/h' }), '/h/.cache/pcq/compile-cache');
  assert.equal(compileCacheDir({ XDG_CACHE_HOME: 'relative', HOME: '/h' }), '/h/.cache/pcq/compile-cache');
  assert.equal(compileCacheDir({ HOME: 'relative' }), undefined);
  assert.equal(compileCacheDir({}), undefined);
});

test('a directory others may write into is not private; nor is a file or a missing path', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-cc-'));
  try {
    const mine = join(dir, 'mine');
    mkdirSync(mine, { mode: 0o700 });
    assert.equal(isPrivateDir(mine), true);
    chmodSync(mine, 0o777);
    assert.equal(isPrivateDir(mine), false);
    chmodSync(mine, 0o770);
    assert.equal(isPrivateDir(mine), false);
    writeFileSync(join(dir, 'file'), '');
    assert.equal(isPrivateDir(join(dir, 'file')), false);
    assert.equal(isPrivateDir(join(dir, 'missing')), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('no cache when it is switched off, left to Node, or its directory is shared', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-cc-'));
  try {
    assert.equal(enableVerifierCompileCache({ HOME: dir, PCQ_COMPILE_CACHE: '0' }), undefined);
    assert.equal(enableVerifierCompileCache({ HOME: dir, NODE_COMPILE_CACHE: join(dir, 'n') }), undefined);
    assert.equal(enableVerifierCompileCache({ HOME: dir, NODE_DISABLE_COMPILE_CACHE: '1' }), undefined);
    assert.equal(enableVerifierCompileCache({}), undefined);
    const shared = join(dir, 'shared', 'pcq', 'compile-cache');
    mkdirSync(shared, { recursive: true, mode: 0o700 });
    chmodSync(shared, 0o777);
    assert.equal(enableVerifierCompileCache({ XDG_CACHE_HOME: join(dir, 'shared') }), undefined);
    assert.equal(existsSync(join(dir, '.cache')), false, 'nothing created where the cache was switched off');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

async function verifyWith(home: string, cwd: string, extra: Record<string, string> = {}): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(NODE, [VERIFY, 'manifest.pcq', '--trust', 'trust.yaml', '--json'], {
      cwd,
      maxBuffer: 1 << 24,
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '', HOME: home, PCQ_MODE: 'dev', ...extra },
    });
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

test('pcq-verify: cold cache, warm cache and a corrupted cache give the same verdicts', { skip: !existsSync(VERIFY), timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-cc-e2e-'));
  try {
    const home = join(dir, 'home');
    mkdirSync(home, { mode: 0o700 });
    const good = join(dir, 'good');
    const bad = join(dir, 'bad');
    mkdirSync(good);
    mkdirSync(bad);
    await writePcqChain(good, 3);
    await writePcqChain(bad, 3);
    // One step signature broken: the verdict must stay "failed" whatever the cache holds.
    const text = await readFile(join(bad, 'manifest.pcq'), 'utf8');
    const sig = /"sig": "([A-Za-z0-9+/]{10})/.exec(text)!;
    await writeFile(join(bad, 'manifest.pcq'), text.replace(sig[0], `"sig": "${sig[1]!.startsWith('A') ? 'B' : 'A'}${sig[1]!.slice(1)}`));
    const off = { PCQ_COMPILE_CACHE: '0' };
    const plain = { good: await verifyWith(home, good, off), bad: await verifyWith(home, bad, off) };
    assert.equal(plain.good.code, 0);
    assert.equal(plain.bad.code, 1);
    assert.equal(existsSync(join(home, '.cache')), false, 'PCQ_COMPILE_CACHE=0 writes no cache');
    const cache = join(home, '.cache', 'pcq', 'compile-cache');
    const strip = (s: string): unknown => JSON.parse(s).checks;
    for (const round of ['cold', 'warm']) {
      const g = await verifyWith(home, good);
      const b = await verifyWith(home, bad);
      assert.equal(g.code, 0, round);
      assert.equal(b.code, 1, round);
      assert.deepEqual(strip(g.stdout), strip(plain.good.stdout), round);
      assert.deepEqual(strip(b.stdout), strip(plain.bad.stdout), round);
    }
    assert.equal(statSync(cache).mode & 0o777, 0o700);
    // Every cache file overwritten with garbage: Node refuses the entries (hash check) and recompiles.
    const files = readdirSync(cache, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    assert.ok(files.length > 0, 'the warm runs wrote a cache');
    for (const f of files) writeFileSync(join(f.parentPath, f.name), Buffer.alloc(4096, 0x41));
    const g = await verifyWith(home, good);
    const b = await verifyWith(home, bad);
    assert.equal(g.code, 0);
    assert.equal(b.code, 1);
    assert.deepEqual(strip(g.stdout), strip(plain.good.stdout));
    assert.deepEqual(strip(b.stdout), strip(plain.bad.stdout));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
