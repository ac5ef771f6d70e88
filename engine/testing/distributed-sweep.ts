// Issue 15 acceptance, distribution changes nothing: a runbook's compiled job graph (plan/jobs.ts),
// run by the local stand-in for GitHub Actions (local-workflow.ts: one folder per job, only the
// sealed job files of its `needs` handed over, ready jobs started together in a random order), seals
// the Merkle root `pcq run` seals. Every order runs every job as a separate process of the built CLI,
// so jobs that are ready together truly run at once (checked in every order). Order 0 starts a
// fresh process per job (what a runner does); the other orders hand their jobs to runner processes
// that have already loaded the CLI (job-pool.ts), and run LANES orders at a time, each lane with
// its own processes, so that ten orders fit in `npm test`. Shared between orders: the
// single-process reference run and the compiled job graph (both computed once), and the loaded code.
// Never shared: a job's folder, its inputs, its outputs, its graph process.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { JobGraph } from '../plan/jobs.ts';
import { createRandom } from '../runtime/random.ts';
import { processExecutor, runLocalWorkflow, type JobExecutor } from './local-workflow.ts';
import { startJobPool, type JobPool } from './job-pool.ts';

const exec = promisify(execFile);
const NODE = resolve('node_modules/.bin/node');
const CLI = resolve('dist/pcq.mjs');
export const SWEEP_AS_OF = '2026-11-16T00:00:00Z';
export const SWEEP_ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PCQ_ACTOR: 'local:tester', PCQ_MODE: 'dev' };
/** Orders running at once (each with its own runner processes): PCQ_DISTRIBUTED_LANES, default 3. */
const LANES = Math.max(1, Number(process.env.PCQ_DISTRIBUTED_LANES ?? 3) || 3);

/** The sweep's seed: PCQ_DISTRIBUTED_SEED replays a printed one; otherwise a fresh one per test run. */
export function sweepSeed(): string {
  return process.env.PCQ_DISTRIBUTED_SEED ?? randomBytes(8).toString('hex');
}

async function pcq(root: string, args: string[]): Promise<string> {
  const { stdout } = await exec(NODE, [CLI, ...args], { cwd: root, env: SWEEP_ENV, maxBuffer: 64 << 20 });
  return stdout;
}

export interface SweepResult {
  single: string;
  /** Each order's job start order, by order number. */
  orders: string[];
  /** Most jobs running at once, by order number. */
  maxParallel: number[];
  /** Wall time of each order, ms. */
  wallMs: number[];
}

/** Whether two jobs of the graph become ready together (same needs): then they must overlap. */
function hasReadyTogether(jobs: JobGraph): boolean {
  return jobs.jobs.some((j) => jobs.jobs.filter((k) => k.needs.join() === j.needs.join()).length > 1);
}

export async function sweepDistributed(root: string, runbook: string, inputs: Record<string, string>, orders: number, seed: string): Promise<SweepResult> {
  const inputArgs = Object.entries(inputs).flatMap(([k, v]) => ['--input', `${k}=${v}`]);
  // The single-process reference run, once: it also creates the dev runner key every job folder copies.
  const single = (JSON.parse(await pcq(root, ['run', runbook, '--as-of', SWEEP_AS_OF, ...inputArgs, '--json'])) as { merkleRoot: string }).merkleRoot;
  const jobs = JSON.parse(await pcq(root, ['compile', runbook, '--target', 'github-actions', '--jobs'])) as JobGraph;
  const cmd = { runbook, inputs, asOf: SWEEP_AS_OF };
  const random = (i: number): (() => number) => createRandom(createHash('sha256').update(`${seed}:${runbook}:${i}`).digest('hex'));
  const readyTogether = hasReadyTogether(jobs);
  const result: SweepResult = { single, orders: [], maxParallel: [], wallMs: [] };
  const runOrder = async (i: number, executor: JobExecutor): Promise<void> => {
    const run = await runLocalWorkflow(root, jobs, cmd, random(i), executor, SWEEP_ENV);
    const what = `${runbook} order ${i} (${i === 0 ? 'fresh processes' : 'runner processes'}, seed ${seed}): ${run.started.join(' ')}`;
    assert.equal(run.merkleRoot, single, what);
    // Jobs ready together truly overlapped, as processes, in this order.
    if (readyTogether) assert.ok(run.maxParallel >= 2, `${what}: jobs ready together did not overlap`);
    result.orders[i] = run.started.join(' ');
    result.maxParallel[i] = run.maxParallel;
    result.wallMs[i] = Math.round(run.wallMs);
  };
  const pools: JobPool[] = [];
  // Every lane runs to its end before the processes stop, so a failing order reports its own error.
  const lanes = await Promise.allSettled(
    Array.from({ length: Math.min(LANES, orders) }, async (_, lane) => {
      const pool = startJobPool(SWEEP_ENV);
      pools.push(pool);
      for (let i = lane; i < orders; i += LANES) await runOrder(i, i === 0 ? processExecutor : pool.executor);
    }),
  );
  await Promise.all(pools.map((p) => p.close()));
  for (const lane of lanes) if (lane.status === 'rejected') throw lane.reason;
  return result;
}
