// The built `pcq-verify` bundle (scripts/build.mjs): its Node built-ins come from
// process.getBuiltinModule, so starting it loads none of the built-in code it does not use (fs
// streams, WebCrypto, util's diff), and the bundle verifies a sealed chain and refuses a tampered
// one exactly as `pcq verify` (the one command object) does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { writePcqChain } from '../../bench/verify-peer.bench.ts';

const run = promisify(execFile);
const NODE = resolve('node_modules/.bin/node');
const VERIFY = resolve('dist/pcq-verify.mjs');
const CHUNKS = resolve('dist/verify-chunks');
const built = existsSync(VERIFY);

test('the verifier bundle imports no built-in as an ES module but the banner`s node:module', { skip: !built }, () => {
  const files = [VERIFY, ...readdirSync(CHUNKS).map((f) => join(CHUNKS, f))].filter((f) => f.endsWith('.mjs') && !f.endsWith('ed25519-node-worker.mjs'));
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    const imports = [...text.matchAll(/(?:from|import)\s*\(?\s*["'](node:[^"']+)["']/g)].map((m) => m[1]);
    assert.deepEqual(
      imports.filter((m) => m !== 'node:module'),
      [],
      f,
    );
  }
});

test('every chunk of the verifier bundle is ASCII (one other character makes Node decode and V8 scan it as UTF-16)', { skip: !built }, () => {
  for (const f of [VERIFY, ...readdirSync(CHUNKS).map((f) => join(CHUNKS, f))]) {
    const bytes = readFileSync(f);
    const at = bytes.findIndex((b) => b > 0x7f);
    assert.equal(at, -1, `${f}: byte ${at}: ${bytes.subarray(Math.max(0, at - 40), at + 10).toString()}`);
  }
});

async function verify(cwd: string, hook: string): Promise<{ code: number; stdout: string; modules: string[] }> {
  let code = 0;
  let stdout: string;
  let stderr: string;
  try {
    ({ stdout, stderr } = await run(NODE, ['--require', hook, VERIFY, 'manifest.pcq', '--trust', 'trust.yaml', '--json'], {
      cwd,
      timeout: 60_000,
      maxBuffer: 1 << 24,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, PCQ_MODE: 'dev', PCQ_COMPILE_CACHE: '0' },
    }));
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    ({ code, stdout, stderr } = e);
  }
  const line = stderr.split('\n').find((l) => l.startsWith('MODULES '));
  return { code, stdout, modules: line ? line.slice(8).split('|') : [] };
}

test(
  'pcq-verify loads no fs streams, WebCrypto or util diff, and still tells a good chain from a tampered one',
  { skip: !built, timeout: 120_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pcq-vb-'));
    try {
      const hook = join(dir, 'modules.cjs');
      await writeFile(hook, "process.on('exit', () => process.stderr.write('MODULES ' + process.moduleLoadList.join('|') + '\\n'));\n");
      const good = join(dir, 'good');
      const bad = join(dir, 'bad');
      await mkdir(good);
      await mkdir(bad);
      await writePcqChain(good, 5);
      await writePcqChain(bad, 5);
      const text = await readFile(join(bad, 'manifest.pcq'), 'utf8');
      const sig = /"sig": "([A-Za-z0-9+/]{10})/.exec(text)!;
      await writeFile(join(bad, 'manifest.pcq'), text.replace(sig[0], `"sig": "${sig[1]!.startsWith('A') ? 'B' : 'A'}${sig[1]!.slice(1)}`));
      const g = await verify(good, hook);
      const b = await verify(bad, hook);
      assert.equal(g.code, 0, g.stdout);
      assert.equal(JSON.parse(g.stdout).ok, true);
      assert.equal(b.code, 1);
      assert.ok(
        JSON.parse(b.stdout).checks.some((c: { check: string; ok: boolean }) => c.check === 'step-signature' && !c.ok),
        'the broken signature is reported',
      );
      assert.ok(g.modules.includes('NativeModule internal/crypto/sig'), 'the hook saw the modules');
      for (const m of ['NativeModule internal/fs/streams', 'NativeModule internal/crypto/webcrypto', 'NativeModule internal/util/diff'])
        assert.equal(g.modules.includes(m), false, m);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);
