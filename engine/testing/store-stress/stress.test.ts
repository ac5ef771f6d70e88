// Bounded crash/concurrency proof of the execution store inside `npm test` (issue 9 acceptance;
// the full counts run with `npm run stress`). Drives the real dist/pcq.mjs: SIGKILLs `pcq run`
// and `pcq review approve` at random points of their measured duration, then checks with the
// store's checked readers and `pcq verify` that nothing is torn, duplicated, unlisted or blocking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { cli, executionIdIn, R1, R2, REVIEWER } from './harness.ts';
import { approveKills, concurrentRuns, Duration, emptyFigures, measure, rng, runKills } from './scenarios.ts';
import { prepareRoot } from './stress.ts';

test('kill -9 of run and approve, then concurrent runs: 0 torn, 0 duplicates, all listed verify, no leftover blocks', { timeout: 300_000 }, async () => {
  const seed = Date.now() % 1e9;
  const random = rng(seed);
  const root = await prepareRoot();
  try {
    const run = emptyFigures();
    const runMs = await measure(root, ['run', R2]);
    await runKills(root, 4, new Duration(runMs), random, run);
    const approve = emptyFigures();
    const blocked = await cli(root, ['run', R1, '--input', 'enrichmentSource=partial']);
    const approveMs = await measure(root, ['review', 'approve', executionIdIn(blocked.out) ?? '', '--by', REVIEWER]);
    await approveKills(root, 2, new Duration(approveMs), random, approve);
    const concurrent = emptyFigures();
    const c = await concurrentRuns(root, 4, concurrent);
    for (const f of [run, approve, concurrent]) {
      assert.deepEqual(f.problems, [], `seed ${seed}`);
      assert.equal(f.torn + f.duplicates + f.unreported + f.blockedNext + f.leftovers, 0);
    }
    assert.equal(c.indexed, 4);
    assert.ok(run.verified >= 1 && concurrent.verified === 4);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
