// `pcq verify` on a store a killed process left mid-commit: the manifest it is asked about is only
// in the staging folder (journal written, renames not done); verify finishes the change first and
// then verifies the manifest, instead of failing on a missing or stale file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { serializeManifest } from '../proof/manifest.ts';
import { sampleRun } from '../proof/sample-run.fixture.ts';
import { ChangeSet } from './change-set.ts';
import { stageChange } from './execution-store.ts';
import { executionPaths } from './layout.ts';
import { recoverBeforeRead, storeOfManifest } from './recover-before-read.ts';

const run = promisify(execFile);

test('pcq verify rolls a committed-but-unapplied change forward, then verifies the manifest', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-verify-store-'));
  const att = join(dir, 'attestations');
  const { manifest, signer } = await sampleRun({ steps: 3, executionId: 'exec-rec-1' });
  await writeFile(
    join(dir, 'trust.yaml'),
    `keys:\n  - name: test-runner\n    publicKey: ${signer.keyid}\n    roles: [runner]\n    status: active\n    validFrom: 2026-01-01T00:00:00Z\n    validUntil: null\n`,
  );
  const paths = executionPaths(att, manifest.runbookId, manifest.executionId);
  const change = new ChangeSet(att);
  change.put(paths.manifest, serializeManifest(manifest));
  const staged = await stageChange(change);
  await staged.release();
  // The lock as a SIGKILLed owner leaves it: a pid that does not run.
  await writeFile(`${staged.txDir}.lock`, JSON.stringify({ pid: 2 ** 22 + 13, host: hostname(), start: null, token: 'dead', at: new Date().toISOString() }));
  assert.equal(await storeOfManifest(paths.manifest), att);
  const { stdout } = await run(
    'node_modules/.bin/node',
    ['--import', 'tsx', 'engine/cli/main.ts', 'verify', paths.manifest, '--trust', join(dir, 'trust.yaml')],
    { env: { ...process.env, PCQ_MODE: 'dev' } },
  );
  assert.match(stdout, /✅ Proofs verified/);
  assert.deepEqual(await readdir(join(att, '.staging')), [], 'the transaction was finished, its lock taken over');
});

test('a manifest outside any store is verified as it stands; a store that cannot be repaired is an issue, not a crash', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-verify-nostore-'));
  assert.equal(await storeOfManifest(join(dir, 'manifest.pcq')), undefined);
  assert.deepEqual(await recoverBeforeRead(undefined), []);
  await writeFile(join(dir, '.staging'), 'not a folder');
  const issues = await recoverBeforeRead(dir);
  assert.equal(issues.length, 1);
  assert.equal(issues[0]!.code, 'PCQ_STORE_INCOMPLETE');
});
