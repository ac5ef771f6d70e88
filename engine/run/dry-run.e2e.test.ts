// Issue 14 acceptance: "a dry run leaves attestations/ byte-identical". Through the real CLI, in a
// repository that already has a run: `pcq run --dry-run` prints the same report (verdict, Merkle
// root shape, exit code: pass → 0, blocked → 4) and leaves attestations/ and .pcq/ byte-identical,
// even with RUNNER_SECRET set (the real key is never used).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { snapshotTree } from '../testing/snapshot-tree.ts';
import { generateKeyPair } from '../runtime/keys.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const NODE = join(ROOT, 'node_modules/.bin/node');
const TSX = import.meta.resolve('tsx');

function pcq(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      NODE,
      ['--import', TSX, join(ROOT, 'engine/cli/main.ts'), ...args],
      { cwd, timeout: 180_000, env: { ...process.env, NODE_OPTIONS: '', PCQ_MODE: 'dev', NO_COLOR: '1', ...env } },
      (err, stdout, stderr) => {
        done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

test('pcq run --dry-run: same report, exit codes as a real run, attestations/ and .pcq/ byte-identical', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-dry-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await cp(join(ROOT, 'runbooks'), join(dir, 'runbooks'), { recursive: true });
  await cp(join(ROOT, 'policies'), join(dir, 'policies'), { recursive: true });
  await cp(join(ROOT, 'spells'), join(dir, 'spells'), { recursive: true });
  const real = await pcq(['run', 'runbooks/R1-entity-enrichment.yaml', '--as-of', '2026-11-16T00:00:00Z'], dir);
  assert.equal(real.code, 0, real.stdout + real.stderr);
  const before = await snapshotTree(dir, ['attestations', '.pcq']);
  assert.ok(before.size > 5, 'a real run left files to compare');
  const dry = await pcq(['run', 'runbooks/R1-entity-enrichment.yaml', '--as-of', '2026-11-16T00:00:00Z', '--dry-run'], dir, {
    RUNNER_SECRET: generateKeyPair().secret,
  });
  assert.equal(dry.code, 0, dry.stdout + dry.stderr);
  assert.match(dry.stdout, /verdict: pass {3}merkle root: sha256:[0-9a-f]{64}/);
  assert.match(dry.stdout, /DRY RUN: signed with an ephemeral key/);
  const blocked = await pcq(['run', 'runbooks/R1-entity-enrichment.yaml', '--input', 'enrichmentSource=partial', '--dry-run', '--json'], dir);
  assert.equal(blocked.code, 4, blocked.stdout + blocked.stderr);
  const report = JSON.parse(blocked.stdout) as { dryRun: boolean; status: string; executedBy: string };
  assert.equal(report.dryRun, true);
  assert.equal(report.status, 'blocked');
  const after = await snapshotTree(dir, ['attestations', '.pcq']);
  assert.deepEqual([...after.entries()], [...before.entries()], 'attestations/ and .pcq/ are byte-identical');
  const overlay = Buffer.from(before.get('.pcq/trust.local.yaml') ?? '', 'base64').toString('utf8');
  assert.match(overlay, /publicKey: G[A-Z2-7]{55}/, 'the real run listed its dev key');
  assert.match(report.executedBy, /^G[A-Z2-7]{55}$/, 'the dry run signed');
  assert.ok(!overlay.includes(report.executedBy), "with a key of its own, not the repository's dev key");
});
