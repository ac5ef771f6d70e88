// Issue 16 item 5 through the real CLI (dist/pcq.mjs) against the loopback RFC 3161 TSA: `pcq run`
// anchors the sealed manifest, `pcq verify` reports the TSA and genTime, and Debian's
// `openssl ts -verify` — an independent implementation — accepts the stored token against the
// anchored bytes and the CA. An asOf later than genTime fails verify; an unreachable TSA seals
// without an anchor and says so (verify: "not anchored"; a failure where required); a required TSA
// that is down refuses the run before anything is written; `pcq config show --sources` lists the keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runPcq } from '../testing/pcq-cli.ts';
import { startLoopbackTsa } from '../testing/tsa.ts';
import { anchoredManifestText } from '../proof/manifest.ts';
import type { Manifest } from '../base/signed-records.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const R1 = 'runbooks/R1-entity-enrichment.yaml';

async function repository(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-anchor-'));
  for (const f of ['runbooks', 'policies', 'spells']) await cp(join(ROOT, f), join(dir, f), { recursive: true });
  return dir;
}

const manifestOf = async (dir: string, stdout: string): Promise<{ path: string; manifest: Manifest }> => {
  const rel = /manifest: (\S+manifest\.pcq)/.exec(stdout)![1]!;
  const path = join(dir, rel);
  return { path, manifest: JSON.parse(await readFile(path, 'utf8')) as Manifest };
};

const openssl = (args: string[]): { ok: boolean; out: string } => {
  try {
    return { ok: true, out: execFileSync('openssl', args, { encoding: 'utf8', stdio: 'pipe' }) };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
};

test('pcq run anchors the manifest at a loopback TSA; pcq verify and openssl ts -verify accept it', { timeout: 300_000 }, async (t) => {
  const dir = await repository();
  const tsa = await startLoopbackTsa();
  t.after(async () => {
    await tsa.stop();
    await rm(dir, { recursive: true, force: true });
  });
  await writeFile(join(dir, 'tsa-ca.pem'), tsa.pki.caPem);
  const env = { PCQ_MODE: 'dev', NO_COLOR: '1', PCQ_TSA_URL: tsa.url, PCQ_TSA_TRUST: 'tsa-ca.pem' };
  const pcq = (extra: Record<string, string>, ...args: string[]) => runPcq(dir, { ...env, ...extra }, ...args);

  const shown = await pcq({}, 'config', 'show', '--sources');
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /timeAnchor\.tsaUrl.*PCQ_TSA_URL/);
  assert.match(shown.stdout, /timeAnchor\.trust.*PCQ_TSA_TRUST/);

  // pcq doctor probes the configured TSA (only when one is configured).
  const doctor = JSON.parse((await pcq({}, 'doctor', '--json')).stdout) as { checks: Array<{ check: string; ok: boolean; code?: string; message: string }> };
  const probe = doctor.checks.find((c) => c.check === 'time anchor');
  assert.ok(probe?.ok, JSON.stringify(probe));
  assert.match(probe.message, /stamped a probe whose token chains to timeAnchor\.trust/);
  assert.equal(tsa.requests.length, 1);
  tsa.requests.length = 0;

  const asOf = new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const run = await pcq({}, 'run', R1, '--as-of', asOf);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /time anchor: stamped by CN=pcq loopback TSA at 20/);
  const { path, manifest } = await manifestOf(dir, run.stdout);
  assert.equal(manifest.timeAnchor?.format, 'rfc3161');
  assert.equal(tsa.requests.length, 1);

  const verified = await pcq({}, 'verify', path, '--json');
  assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  const report = JSON.parse(verified.stdout) as {
    ok: boolean;
    checks: Array<{ check: string; ok: boolean; message: string }>;
    warnings: Array<{ code: string }>;
  };
  const anchor = report.checks.find((c) => c.check === 'time-anchor')!;
  assert.ok(anchor.ok);
  assert.match(anchor.message, /stamped by CN=pcq loopback TSA at 20.*executedAt .* is not later/);
  assert.deepEqual(
    report.warnings.filter((w) => w.code.startsWith('PCQ_TIME_ANCHOR')),
    [],
  );

  // The independent check: Debian openssl on the stored token, the anchored bytes and the CA.
  const work = await mkdtemp(join(tmpdir(), 'pcq-anchor-openssl-'));
  t.after(() => rm(work, { recursive: true, force: true }));
  await writeFile(join(work, 'token.der'), Buffer.from(manifest.timeAnchor!.token, 'base64'));
  await writeFile(join(work, 'sealed.pcq'), anchoredManifestText(manifest));
  await writeFile(join(work, 'ca.pem'), tsa.pki.caPem);
  const accepted = openssl(['ts', '-verify', '-data', join(work, 'sealed.pcq'), '-in', join(work, 'token.der'), '-token_in', '-CAfile', join(work, 'ca.pem')]);
  assert.ok(accepted.ok && /Verification: OK/.test(accepted.out), accepted.out);
  // … and refuses the same token over the file as it is after one changed byte.
  await writeFile(join(work, 'other.pcq'), anchoredManifestText({ ...manifest, actor: `${manifest.actor}x` }));
  const refused = openssl(['ts', '-verify', '-data', join(work, 'other.pcq'), '-in', join(work, 'token.der'), '-token_in', '-CAfile', join(work, 'ca.pem')]);
  assert.equal(refused.ok, false, refused.out);

  // python3-jsonschema (Debian) accepts the anchored manifest against the repository's schemas.
  const py = spawnSync('/usr/bin/python3', [join(ROOT, 'scripts/validate-files.py'), dir, '--skip', 'runbooks', 'policies', 'spells'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (py.status !== null && !/No module named/.test(py.stderr)) {
    const files = (JSON.parse(py.stdout) as { files: Array<{ path: string; ok: boolean; errors: string[] }> }).files;
    const anchored = files.find((f) => f.path.endsWith('manifest.pcq'))!;
    assert.ok(anchored.ok, anchored.errors.join('; '));
  }

  // Another CA as the trust: the anchor is not trusted.
  const stranger = await startLoopbackTsa();
  await stranger.stop();
  await writeFile(join(dir, 'other-ca.pem'), stranger.pki.caPem);
  const untrusted = await pcq({ PCQ_TSA_TRUST: 'other-ca.pem' }, 'verify', path);
  assert.equal(untrusted.code, 1, untrusted.stdout);
  assert.match(untrusted.stdout, /PCQ_TIME_ANCHOR_UNTRUSTED time-anchor: the TSA certificate does not chain/);
});

test('asOf after genTime fails verify; a TSA that is down seals unanchored; a required one refuses the run first', { timeout: 300_000 }, async (t) => {
  const dir = await repository();
  const tsa = await startLoopbackTsa();
  t.after(async () => {
    await tsa.stop();
    await rm(dir, { recursive: true, force: true });
  });
  await writeFile(join(dir, 'tsa-ca.pem'), tsa.pki.caPem);
  const env = { PCQ_MODE: 'dev', NO_COLOR: '1', PCQ_TSA_URL: tsa.url, PCQ_TSA_TRUST: 'tsa-ca.pem' };
  const pcq = (extra: Record<string, string>, ...args: string[]) => runPcq(dir, { ...env, ...extra }, ...args);

  // asOf 4 minutes ahead (inside the runner's 5-minute skew): the TSA's genTime is earlier.
  const ahead = new Date(Date.now() + 240_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const future = await pcq({}, 'run', R1, '--as-of', ahead);
  assert.equal(future.code, 0, future.stdout + future.stderr);
  assert.match(future.stderr, /PCQ_AS_OF_AFTER_ANCHOR/);
  const backdated = await manifestOf(dir, future.stdout);
  const failed = await pcq({}, 'verify', backdated.path);
  assert.equal(failed.code, 1, failed.stdout);
  assert.match(failed.stdout, /PCQ_AS_OF_AFTER_ANCHOR time-anchor: executedAt .* is later than the time anchor's genTime/);

  // The TSA answers 503: the run is kept, sealed without an anchor, and says so loudly.
  tsa.behaviour.unavailable = true;
  const down = await pcq({}, 'run', R1);
  assert.equal(down.code, 0, down.stdout + down.stderr);
  assert.match(down.stderr, /PCQ_TSA_UNAVAILABLE .*sealed WITHOUT a time anchor.*HTTP 503/);
  const sick = JSON.parse((await pcq({}, 'doctor', '--json')).stdout) as { checks: Array<{ check: string; ok: boolean; code?: string }> };
  assert.deepEqual(
    sick.checks.filter((c) => c.check === 'time anchor').map((c) => [c.ok, c.code]),
    [[false, 'PCQ_TSA_UNAVAILABLE']],
  );
  const bare = await manifestOf(dir, down.stdout);
  assert.equal(bare.manifest.timeAnchor, undefined);
  const warned = await pcq({}, 'verify', bare.path);
  assert.equal(warned.code, 0, warned.stdout);
  assert.match(warned.stdout, /✓ time-anchor: not anchored/);
  assert.match(warned.stderr, /PCQ_TIME_ANCHOR_MISSING/);
  const strict = await pcq({ PCQ_TSA_REQUIRED: 'true' }, 'verify', bare.path);
  assert.equal(strict.code, 1, strict.stdout);
  assert.match(strict.stdout, /PCQ_TIME_ANCHOR_MISSING time-anchor: not anchored/);

  // Required and down: refused before any step, nothing written.
  const before = (await readdir(join(dir, 'attestations/R1'))).sort();
  const refused = await pcq({ PCQ_TSA_REQUIRED: 'true' }, 'run', R1);
  assert.equal(refused.code, 75, refused.stdout + refused.stderr);
  assert.match(refused.stderr, /PCQ_TSA_UNAVAILABLE/);
  assert.deepEqual((await readdir(join(dir, 'attestations/R1'))).sort(), before);
});
