// Issue 15 acceptance: for a 200-step random DAG (its roots query the graph, the rest are
// transforms fanned out over 11 jobs) the distributed local run's Merkle root equals the
// single-process root over 10 random job orders (testing/distributed-sweep.ts says how).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { makeSampleRoot } from '../testing/sample-root.ts';
import { randomDagRunbook } from '../testing/random-runbook.ts';
import { sweepDistributed, sweepSeed } from '../testing/distributed-sweep.ts';

const SEED = sweepSeed();
let root: string;

before(async () => {
  await stat(resolve('dist/pcq.mjs')).catch(() => assert.fail('dist/pcq.mjs is missing: run `npm run build` first'));
  root = await makeSampleRoot('pcq-dist-dag-');
  await writeFile(join(root, 'runbooks', 'RDAG200.yaml'), randomDagRunbook(200));
  console.log(`distributed sweep seed ${SEED} (replay: PCQ_DISTRIBUTED_SEED=${SEED})`);
});

test('a 200-step random DAG: the distributed run seals the single-process Merkle root over 10 random job orders', { timeout: 1_800_000 }, async () => {
  const sweep = await sweepDistributed(root, 'runbooks/RDAG200.yaml', {}, 10, SEED);
  assert.equal(sweep.orders.filter((o) => o !== undefined).length, 10);
  assert.ok(new Set(sweep.orders).size > 1, 'the sweep saw more than one job order');
  console.log(`order wall ms ${sweep.wallMs.join(' ')}; jobs at once ${sweep.maxParallel.join(' ')}`);
});
