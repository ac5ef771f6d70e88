// A 20,000-step manifest (58 MB) verifies in bounded memory through the built `pcq-verify` (issue
// 16): V8's old space is capped at 48 MB, far below the file, let alone its parse tree, so a verifier
// that held every envelope would die of OOM here; peak RSS is asserted too where /usr/bin/time is
// installed. The 100,000-step case is in bench/verify-peer.bench.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { writeLongChain } from './long-chain.fixture.ts';

const run = promisify(execFile);
const NODE = resolve('node_modules/.bin/node');
const VERIFY = resolve('dist/pcq-verify.mjs');
const STEPS = 20_000;
const HEAP_MB = 48;
const RSS_LIMIT_MB = 200;

test(`a ${STEPS}-step manifest verifies with a ${HEAP_MB} MB heap, every check ok`, { timeout: 240_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-long-'));
  try {
    await writeLongChain(dir, STEPS);
    const timed = existsSync('/usr/bin/time');
    const args = [`--max-old-space-size=${HEAP_MB}`, VERIFY, 'manifest.pcq', '--trust', 'trust.yaml', '--json'];
    const { stdout } = timed
      ? await run('/usr/bin/time', ['-f', '%M', '-o', 'rss.txt', NODE, ...args], {
          cwd: dir,
          maxBuffer: 1 << 26,
          env: { PATH: process.env.PATH ?? '', PCQ_MODE: 'dev' },
        })
      : await run(NODE, args, { cwd: dir, maxBuffer: 1 << 26, env: { PATH: process.env.PATH ?? '', PCQ_MODE: 'dev' } });
    const report = JSON.parse(stdout) as { ok: boolean; checks: Array<{ check: string; ok: boolean; message: string }> };
    assert.equal(report.ok, true);
    const message = (check: string): string | undefined => report.checks.find((c) => c.check === check && c.ok)?.message;
    assert.equal(message('step-signature'), `${STEPS} step signatures verified`);
    assert.match(message('merkle-root') ?? '', new RegExp(`recomputed from ${STEPS} attestations`));
    assert.ok(message('manifest-signature'));
    if (timed) {
      const rssMb = Number((await readFile(join(dir, 'rss.txt'), 'utf8')).trim().split(/\s+/).pop()) / 1024;
      assert.ok(rssMb < RSS_LIMIT_MB, `peak RSS ${rssMb.toFixed(1)} MB, bound ${RSS_LIMIT_MB} MB`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
