// Issue 14 acceptance: "from an empty folder: install the packed tarball, pcq init, pcq validate,
// pcq run the sample, pcq verify it". The tarball is made by `npm pack` in a copy of the tracked
// tree (its `prepare` builds dist/ there, never touching this checkout's dist/). Installing it is
// done the way npm lays a package out — the tarball unpacked to node_modules/pcq, each runtime
// dependency present in node_modules/, each `bin` linked into node_modules/.bin and made executable
// — with the dependencies linked from this checkout's install, because this machine has no
// registry (`npm install --offline <tarball>` stops at ENOTCACHED). The bins then run by their own
// shebang, from an empty folder, with Node 24 first on PATH.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;
let scratch: string;
let app: string;
let packed: { filename: string; files: Array<{ path: string }> };

before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'pcq-package-'));
  const src = join(scratch, 'src');
  for (const file of execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean)) {
    if (!existsSync(join(ROOT, file))) continue;
    mkdirSync(dirname(join(src, file)), { recursive: true });
    cpSync(join(ROOT, file), join(src, file));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'));
  const env = {
    ...process.env,
    PATH: `${join(ROOT, 'node_modules/.bin')}:${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    npm_config_update_notifier: 'false',
  };
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], {
    cwd: src,
    env,
    encoding: 'utf8',
    timeout: 180_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  packed = (JSON.parse(out) as Array<typeof packed>)[0]!;
  // npm's layout of an installed package.
  app = join(scratch, 'app');
  const pkgDir = join(app, 'node_modules/pcq');
  mkdirSync(pkgDir, { recursive: true });
  execFileSync('tar', ['-xzf', join(scratch, packed.filename), '-C', pkgDir, '--strip-components=1']);
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    optionalDependencies?: Record<string, string>;
    bin: Record<string, string>;
  };
  for (const dep of [...Object.keys(manifest.dependencies), ...Object.keys(manifest.optionalDependencies ?? {})]) {
    if (!existsSync(join(ROOT, 'node_modules', dep))) {
      assert.ok(dep in (manifest.optionalDependencies ?? {}), `runtime dependency ${dep} is installed`);
      continue;
    }
    mkdirSync(dirname(join(app, 'node_modules', dep)), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', dep), join(app, 'node_modules', dep));
  }
  mkdirSync(join(app, 'node_modules/.bin'));
  for (const [name, path] of Object.entries(manifest.bin)) {
    symlinkSync(join('..', 'pcq', path), join(app, 'node_modules/.bin', name));
    chmodSync(join(pkgDir, path), 0o755);
  }
});

after(() => rmSync(scratch, { recursive: true, force: true }));

function bin(name: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  // Node 24 first on PATH: the bins run through their `#!/usr/bin/env node` shebang.
  const env = { PATH: `${join(app, 'node_modules/.bin')}:${dirname(process.execPath)}:/usr/bin:/bin`, HOME: scratch, PCQ_MODE: 'dev', NO_COLOR: '1' };
  return new Promise((done) => {
    execFile(join(app, 'node_modules/.bin', name), args, { cwd, env, timeout: 120_000 }, (err, stdout, stderr) => {
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('the tarball holds the built CLI, the schemas and the changelog, and no tests or sources of the engine', () => {
  const paths = packed.files.map((f) => f.path);
  for (const want of ['package.json', 'dist/pcq.mjs', 'dist/ed25519-node-worker.mjs', 'engine/model/runbook.schema.json', 'CHANGELOG.md', 'README.md'])
    assert.ok(paths.includes(want), want);
  assert.ok(paths.some((p) => p.startsWith('dist/chunks/')));
  assert.ok(
    !paths.some((p) => p.endsWith('.test.ts') || p.startsWith('node_modules/') || p.startsWith('engine/testing/')),
    'no tests, fixtures or dependencies',
  );
});

test('from an empty folder: pcq init, pcq validate, pcq run the sample, pcq verify and pcq-verify it', async () => {
  const work = join(scratch, 'work');
  mkdirSync(work);
  const version = await bin('pcq', ['--version'], work);
  assert.equal(version.stdout, `pcq ${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}\n`);
  const init = await bin('pcq', ['init'], work);
  assert.equal(init.code, 0, init.stdout + init.stderr);
  const validate = await bin('pcq', ['validate'], work);
  assert.equal(validate.code, 0, validate.stdout + validate.stderr);
  assert.match(validate.stdout, /^✓ 1 runbook and \d+ policy files valid\n$/);
  const run = await bin('pcq', ['run', 'runbooks/hello.yaml', '--as-of', '2026-11-16T00:00:00Z'], work);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /verdict: pass/);
  const [execution] = readdirSync(join(work, 'attestations/hello')).filter((d) => !d.endsWith('.json'));
  const manifest = `attestations/hello/${execution}/manifest.pcq`;
  const verify = await bin('pcq', ['verify', manifest], work);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  assert.match(verify.stdout, /Proofs verified/);
  const seed = await bin('pcq-verify', [manifest], work);
  assert.equal(seed.code, 0, seed.stdout + seed.stderr);
  const again = await bin('pcq', ['init'], work);
  assert.equal(again.code, 3, 'init never overwrites');
  assert.match(again.stderr + again.stdout, /PCQ_INIT_EXISTS/);
});
