// `npm run stress [runKills approveKills concurrent seed]`: the store's crash and concurrency proof
// at the counts issue 9 asks for (defaults 50 / 20 / 20). Prints the figures; exits 1 on any problem.
import { rm } from 'node:fs/promises';
import { makeSampleRoot } from '../sample-root.ts';
import { cli, R1, R2, REVIEWER } from './harness.ts';
import { approveKills, concurrentRuns, Duration, emptyFigures, measure, rng, runKills } from './scenarios.ts';

export async function prepareRoot(): Promise<string> {
  const root = await makeSampleRoot('pcq-stress-');
  const keys = await cli(root, ['keys', 'generate', '--reviewer', REVIEWER]);
  if (keys.code !== 0) throw new Error(`pcq keys generate failed: ${keys.out}`);
  return root;
}

async function main(): Promise<void> {
  const [runN = 50, approveN = 20, concurrentN = 20, seed = Date.now() % 1e9] = process.argv.slice(2).map(Number);
  const random = rng(seed);
  const started = Date.now();
  const root = await prepareRoot();
  const run = emptyFigures();
  const approve = emptyFigures();
  const concurrent = emptyFigures();
  try {
    const runMs = await measure(root, ['run', R2]);
    await runKills(root, runN, new Duration(runMs), random, run);
    const blocked = await cli(root, ['run', R1, '--input', 'enrichmentSource=partial']);
    const id = /execution (\S+) · as of/.exec(blocked.out)?.[1] ?? '';
    const approveMs = await measure(root, ['review', 'approve', id, '--by', REVIEWER]);
    await approveKills(root, approveN, new Duration(approveMs), random, approve);
    const c = await concurrentRuns(root, concurrentN, concurrent);
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    console.log(`seed ${seed}; a run takes ${runMs} ms, an approval ${approveMs} ms (first measurement; kill delays drawn over 0..a moving estimate of it)`);
    for (const [name, f] of [
      ['run kills', run],
      ['approve kills', approve],
      ['concurrent', concurrent],
    ] as const) {
      console.log(
        `${name}: killed ${f.kills}, finished before the kill ${f.finished}, killed while staging ${f.midStaging}, killed after the commit point ${f.midCommit}; torn ${f.torn}, duplicate decisions ${f.duplicates}, verified ${f.verified}, reported incomplete ${f.reportedIncomplete}, unreported ${f.unreported}, next command blocked ${f.blockedNext}, leftovers ${f.leftovers}, stale record locks seen ${f.staleLocks}`,
      );
    }
    console.log(`concurrent: ${c.indexed}/${concurrentN} indexed in ${s(c.ms)}; total ${s(Date.now() - started)}`);
    const problems = [...run.problems, ...approve.problems, ...concurrent.problems];
    for (const p of problems) console.error(`✗ ${p}`);
    if (problems.length > 0) process.exitCode = 1;
  } finally {
    if (process.exitCode) console.error(`store left for inspection: ${root}`);
    else await rm(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
