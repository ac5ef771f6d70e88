// Issue 15 acceptance: for R1, R2 and R3 the distributed local run's Merkle root equals the
// single-process root over 10 random job orders each (testing/distributed-sweep.ts says how); the
// 200-step random DAG is in distributed-dag.e2e.test.ts, so the two files run side by side.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { makeSampleRoot } from '../testing/sample-root.ts';
import { sweepDistributed, sweepSeed } from '../testing/distributed-sweep.ts';

const SEED = sweepSeed();
let root: string;

before(async () => {
  await stat(resolve('dist/pcq.mjs')).catch(() => assert.fail('dist/pcq.mjs is missing: run `npm run build` first'));
  root = await makeSampleRoot('pcq-dist-');
  console.log(`distributed sweep seed ${SEED} (replay: PCQ_DISTRIBUTED_SEED=${SEED})`);
});

const CASES: Array<[string, Record<string, string>]> = [
  ['runbooks/R1-entity-enrichment.yaml', {}],
  ['runbooks/R2-relationship-inference.yaml', {}],
  ['runbooks/R3-weekly-report.yaml', {}],
];

for (const [runbook, inputs] of CASES) {
  test(`${runbook}: the distributed run seals the single-process Merkle root over 10 random job orders`, { timeout: 900_000 }, async () => {
    const sweep = await sweepDistributed(root, runbook, inputs, 10, SEED);
    assert.equal(sweep.orders.filter((o) => o !== undefined).length, 10);
    console.log(`${runbook}: order wall ms ${sweep.wallMs.join(' ')}; jobs at once ${sweep.maxParallel.join(' ')}`);
  });
}
