// Replay believes signed content only (replay-source.ts): a changed dataset file stops it before
// anything executes, naming the file; run.json is never read; recordings, runbook text and the
// manifest itself are checked against what the run signed. On the real R1 sample, end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeSampleRoot, REPO_ROOT } from '../testing/sample-root.ts';
import { loadConfig } from '../runtime/config.ts';
import { parseManifestText, serializeManifest } from '../proof/manifest.ts';
import type { Manifest } from '../base/signed-records.ts';
import { runRunbookFile } from './run-runbook.ts';
import { replayExecution } from './replay-run.ts';

const AS_OF = '2026-11-16T00:00:00Z';
const ENTITIES = 'runbooks/data/intel/entities.csv';

async function honestR1() {
  const root = await makeSampleRoot('pcq-replay-src-');
  const env = { PCQ_MODE: 'dev', PCQ_ACTOR: 'local:tester' };
  const config = await loadConfig({ env, cwd: root });
  const report = await runRunbookFile({
    config,
    file: join(root, 'runbooks', 'R1-entity-enrichment.yaml'),
    rawParams: {},
    asOf: AS_OF,
    env,
    executionId: 'replay-src-1',
    startedAt: '2026-11-22T00:00:00Z',
  });
  assert.equal(report.status, 'succeeded');
  const manifest = parseManifestText(await readFile(report.manifestPath, 'utf8')) as Manifest;
  return { root, env, config, report, manifest };
}

/** Blanks the e-mail of the first entity that has one: the value R1's first query reads. */
async function blankOneEmail(root: string): Promise<void> {
  const file = join(root, ENTITIES);
  const lines = (await readFile(file, 'utf8')).split('\n');
  const i = lines.findIndex((l, n) => n > 0 && l.includes('@'));
  lines[i] = lines[i]!.replace(/,[^,]*@[^,]*,/, ',,');
  await writeFile(file, lines.join('\n'));
}

const replays = (dir: string) => readdir(join(dir, 'replays')).catch(() => [] as string[]);

test('the manifest binds every dataset file the run loaded, by repository-relative path and digest, sorted', async () => {
  const { manifest } = await honestR1();
  const paths = (manifest.datasets ?? []).map((d) => d.path);
  assert.deepEqual(
    paths,
    ['co_occurs.csv', 'dataset.yaml', 'documents.csv', 'entities.csv', 'mentioned_in.csv'].map((f) => `runbooks/data/intel/${f}`),
  );
  const { createHash } = await import('node:crypto');
  for (const d of manifest.datasets!)
    assert.equal(
      d.digest,
      'sha256:' +
        createHash('sha256')
          .update(await readFile(join(REPO_ROOT, d.path)))
          .digest('hex'),
      d.path,
    );
});

test('one changed e-mail in the dataset: replay stops with PCQ_REPLAY_DATA_CHANGED naming the file, before executing; restored: identical root', async () => {
  const { root, env, config, report } = await honestR1();
  const original = await readFile(join(root, ENTITIES));
  await blankOneEmail(root);
  await assert.rejects(replayExecution(config, report.executionDir, env), (err: { code?: string; message?: string }) => {
    assert.equal(err.code, 'PCQ_REPLAY_DATA_CHANGED');
    assert.match(err.message ?? '', /runbooks\/data\/intel\/entities\.csv \(changed\)/);
    assert.doesNotMatch(err.message ?? '', /documents\.csv/);
    return true;
  });
  assert.deepEqual(await replays(report.executionDir), [], 'nothing ran, no report was written');
  await rename(join(root, 'runbooks/data/intel/documents.csv'), join(root, 'documents.csv.bak'));
  await assert.rejects(
    replayExecution(config, report.executionDir, env),
    /entities\.csv \(changed\), runbooks\/data\/intel\/documents\.csv \(missing\)|documents\.csv \(missing\).*entities\.csv \(changed\)/,
  );
  await rename(join(root, 'documents.csv.bak'), join(root, 'runbooks/data/intel/documents.csv'));
  await writeFile(join(root, ENTITIES), original);
  const replay = await replayExecution(config, report.executionDir, env);
  assert.equal(replay.identical, true);
  assert.equal(replay.replayedMerkleRoot, report.merkleRoot);
});

test('replay never reads run.json: asOf, inputs and actor edited there change nothing', async () => {
  const { env, config, report } = await honestR1();
  const runJson = join(report.executionDir, 'run.json');
  const record = JSON.parse(await readFile(runJson, 'utf8')) as Record<string, unknown>;
  await writeFile(
    runJson,
    JSON.stringify({ ...record, asOf: '2026-01-05T00:00:00Z', params: { enrichmentSource: 'partial' }, actor: 'intern-ivy', executionId: 'forged' }),
  );
  const replay = await replayExecution(config, report.executionDir, env);
  assert.equal(replay.identical, true, JSON.stringify(replay.steps.filter((s) => !s.identical)));
  assert.equal(replay.asOf, AS_OF);
  assert.equal(replay.executionId, report.executionId);
});

test('a recorded response edited in the recordings is refused (PCQ_REPLAY_RECORDING_MISMATCH), so is a dropped one', async () => {
  const { env, config, report } = await honestR1();
  // R1's steps are private, so its recordings live under private/ (FORMATS.md "Private steps").
  const path = join(report.executionDir, 'private', 'recordings.json');
  const text = await readFile(path, 'utf8');
  const recordings = JSON.parse(text) as Array<{ response: { body: unknown } }>;
  assert.ok(recordings.length > 0);
  recordings[0]!.response.body = [];
  await writeFile(path, JSON.stringify(recordings));
  await assert.rejects(replayExecution(config, report.executionDir, env), { code: 'PCQ_REPLAY_RECORDING_MISMATCH' });
  await writeFile(path, '[]');
  await assert.rejects(replayExecution(config, report.executionDir, env), { code: 'PCQ_REPLAY_RECORDING_MISMATCH' });
  await writeFile(path, text);
  assert.equal((await replayExecution(config, report.executionDir, env)).identical, true);
  // Without the private data on this machine the private step cannot be answered: said so, not "differs".
  await rm(join(report.executionDir, 'private', 'steps'), { recursive: true });
  await assert.rejects(replayExecution(config, report.executionDir, env), { code: 'PCQ_REPLAY_RECORD_MISSING' });
});

test('a runbook snapshot that does not hash to runbookDigest, and a manifest that does not verify, are refused', async () => {
  const { env, config, report, manifest } = await honestR1();
  const snapshotPath = join(report.executionDir, 'runbook.json');
  const snapshot = JSON.parse(await readFile(snapshotPath, 'utf8')) as { file: string; digest: string; text: string };
  await writeFile(snapshotPath, JSON.stringify({ ...snapshot, text: snapshot.text.replace('completeness>=0.95', 'completeness>=0.10') }));
  await assert.rejects(replayExecution(config, report.executionDir, env), { code: 'PCQ_REPLAY_RUNBOOK_MISMATCH' });
  await writeFile(snapshotPath, JSON.stringify(snapshot));
  // Re-pointing a signed dataset digest (say, at edited data) breaks the manifest signature.
  const forged = { ...manifest, datasets: manifest.datasets!.map((d, i) => (i === 0 ? { ...d, digest: 'sha256:' + '0'.repeat(64) } : d)) };
  await writeFile(report.manifestPath, serializeManifest(forged));
  await assert.rejects(replayExecution(config, report.executionDir, env), { code: 'PCQ_MANIFEST_SIGNATURE_INVALID' });
  await writeFile(report.manifestPath, serializeManifest({ ...manifest, executedAt: '2026-01-05T00:00:00Z' }));
  await assert.rejects(
    replayExecution(config, report.executionDir, env),
    (err: { code?: string }) => typeof err.code === 'string' && err.code !== 'PCQ_REPLAY_DATA_CHANGED',
  );
  assert.deepEqual(await replays(report.executionDir), []);
});

test('pcq replay (CLI) after a dataset edit: exit 3, the code and the file on stderr', async () => {
  const { root, report } = await honestR1();
  await blankOneEmail(root);
  const cli = promisify(execFile);
  const result = await cli(
    join(REPO_ROOT, 'node_modules/.bin/node'),
    ['--import', import.meta.resolve('tsx'), join(REPO_ROOT, 'engine/cli/main.ts'), 'replay', report.executionId],
    { cwd: root, env: { ...process.env, PCQ_MODE: 'dev', PCQ_ACTOR: 'local:tester' } },
  ).then(
    () => ({ code: 0, stderr: '' }),
    (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
  );
  assert.equal(result.code, 3, result.stderr);
  assert.match(result.stderr, /PCQ_REPLAY_DATA_CHANGED .*runbooks\/data\/intel\/entities\.csv/);
});
