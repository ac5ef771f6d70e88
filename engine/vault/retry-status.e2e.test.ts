// `pcq retry` and `pcq status` through the real CLI (dist/pcq.mjs; `npm run build` first): a failed
// run is re-run as a new execution whose signed manifest links the original (retryOf), shown and
// checked by `pcq verify` (a changed original fails PCQ_RETRY_LINK_MISMATCH); only failed runs are
// retried; `pcq status` shows the queue (runs open on the vault), recent runs with their vault
// state and the retry link, the grants' spend, and health (the pause switch makes it exit 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { makeSampleRoot } from '../testing/sample-root.ts';
import { runPcq } from '../testing/pcq-cli.ts';
import { EmbeddedLedger } from './embedded-ledger.ts';
import { RETRY_RUNBOOK } from '../testing/retry-runbook.ts';

const RT = RETRY_RUNBOOK;

test('retry links a new execution to the failed one (signed, verified); status shows queue, recent runs and health', { timeout: 300_000 }, async () => {
  await stat(resolve('dist/pcq.mjs')).catch(() => assert.fail('dist/pcq.mjs is missing: run `npm run build` first'));
  const root = await makeSampleRoot('pcq-retry-');
  const pcq = (...args: string[]) => runPcq(root, {}, ...args);
  await writeFile(join(root, 'runbooks/RT.yaml'), RT);
  const failed = await pcq('run', 'runbooks/RT.yaml', '--as-of', '2026-11-16T00:00:00Z');
  assert.equal(failed.code, 1, failed.stdout + failed.stderr);
  assert.match(failed.stdout, /run state: pending → open → finalizing → failed .* cost 0 of 1/);
  const original = /execution (\S+)/.exec(failed.stdout)![1]!;

  const before = JSON.parse((await pcq('status', '--json')).stdout);
  assert.deepEqual(
    before.recent.map((r: { executionId: string; status: string; vaultState: string }) => [r.executionId, r.status, r.vaultState]),
    [[original, 'failed', 'failed']],
  );

  // The transient cause is gone (the label exists): retry.
  await writeFile(join(root, 'runbooks/RT.yaml'), RT.replace('(e:Missing)', '(e:Entity)'));
  const retried = await pcq('retry', original);
  assert.equal(retried.code, 0, retried.stdout + retried.stderr);
  assert.match(retried.stdout, new RegExp(`retry of ${original} \\(manifest sha256:[0-9a-f]{64}\\): runbooks/RT.yaml as of 2026-11-16T00:00:00Z`));
  const manifestPath = /manifest: (\S+)/.exec(retried.stdout)![1]!;
  const manifest = JSON.parse(await readFile(join(root, manifestPath), 'utf8'));
  assert.notEqual(manifest.executionId, original);
  assert.equal(manifest.retryOf.executionId, original);
  assert.equal(manifest.executedAt, '2026-11-16T00:00:00Z');
  const verified = await pcq('verify', manifestPath);
  assert.equal(verified.code, 0, verified.stdout);
  assert.match(verified.stdout, new RegExp(`retry of execution ${original}`));
  assert.match(verified.stdout, /retried run's manifest .* matches the signed digest/);

  const status = await pcq('status');
  assert.equal(status.code, 0, status.stdout + status.stderr);
  assert.match(status.stdout, /queue depth 0: 0 open on the embedded vault/);
  assert.match(status.stdout, new RegExp(`${manifest.executionId}  RT  succeeded  vault finalized \\(cost 1\\)  retry of ${original}`));
  assert.match(status.stdout, /health: ok/);

  // Only failed runs are retried; unknown ids are named.
  const again = await pcq('retry', manifest.executionId);
  assert.equal(again.code, 3);
  assert.match(again.stderr, /PCQ_RETRY_NOT_FAILED/);
  assert.match((await pcq('retry', '20990101T000000Z-000000')).stderr, /PCQ_EXECUTION_NOT_FOUND/);

  // A run in flight (opened, not finalized) is the queue; the pause switch makes status unhealthy.
  const grantId = before.grants[0].grantId as string;
  const runner = before.grants[0].runner as string;
  await new EmbeddedLedger({ root, isRegisteredRunner: () => true }).openRun({ runId: 'in-flight', grantId, runner, runbookId: 'RT', reserve: 1 });
  await writeFile(join(root, 'policies/pause.yaml'), 'paused: true\nreason: incident 7\n');
  const busy = await pcq('status', '--json');
  assert.equal(busy.code, 1);
  const s = JSON.parse(busy.stdout);
  assert.equal(s.queue.depth, 1);
  assert.deepEqual(
    s.queue.open.map((r: { runId: string; reserved: number }) => [r.runId, r.reserved]),
    [['in-flight', 1]],
  );
  assert.equal(s.health.paused, true);
  assert.equal(s.health.pauseReason, 'incident 7');

  // The original manifest changed after the retry signed its digest: the link fails verification.
  const originalPath = join(root, 'attestations/RT', original, 'manifest.pcq');
  await writeFile(originalPath, (await readFile(originalPath, 'utf8')) + ' ');
  const broken = await pcq('verify', manifestPath);
  assert.equal(broken.code, 1, broken.stdout);
  assert.match(broken.stdout + broken.stderr, /PCQ_RETRY_LINK_MISMATCH/);
});
