// Issue 15 acceptance, distribution changes nothing: a runbook's compiled job graph (plan/jobs.ts),
// run by the local stand-in for GitHub Actions (local-workflow.ts: one folder per job, only the
// sealed job files of its `needs` handed over, ready jobs started together in a random order), seals
// the Merkle root `pcq run` seals. Order 0 runs every job as its own process of the built CLI (truly
// concurrent); the other orders call the same CLI in this process (same folders, same files, no
// process start per job) so that ten orders fit in `npm test`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { JobGraph } from '../plan/jobs.ts';
import { createRandom } from '../runtime/random.ts';
import { inProcessExecutor, processExecutor, runLocalWorkflow } from './local-workflow.ts';

const exec = promisify(execFile);
const NODE = resolve('node_modules/.bin/node');
const CLI = resolve('dist/pcq.mjs');
export const SWEEP_AS_OF = '2026-11-16T00:00:00Z';
export const SWEEP_ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PCQ_ACTOR: 'local:tester', PCQ_MODE: 'dev' };

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
  orders: string[];
  maxParallel: number;
}

export async function sweepDistributed(root: string, runbook: string, inputs: Record<string, string>, orders: number, seed: string): Promise<SweepResult> {
  const inputArgs = Object.entries(inputs).flatMap(([k, v]) => ['--input', `${k}=${v}`]);
  // The single-process run first: it also creates the dev runner key every job folder copies.
  const single = (JSON.parse(await pcq(root, ['run', runbook, '--as-of', SWEEP_AS_OF, ...inputArgs, '--json'])) as { merkleRoot: string }).merkleRoot;
  const jobs = JSON.parse(await pcq(root, ['compile', runbook, '--target', 'github-actions', '--jobs'])) as JobGraph;
  const cmd = { runbook, inputs, asOf: SWEEP_AS_OF };
  const random = (i: number): (() => number) => createRandom(createHash('sha256').update(`${seed}:${runbook}:${i}`).digest('hex'));
  const started: string[] = [];
  let maxParallel = 0;
  for (let i = 0; i < orders; i++) {
    const result = await runLocalWorkflow(root, jobs, cmd, random(i), i === 0 ? processExecutor : inProcessExecutor, SWEEP_ENV);
    assert.equal(result.merkleRoot, single, `${runbook} order ${i} (${i === 0 ? 'processes' : 'in-process'}, seed ${seed}): ${result.started.join(' ')}`);
    if (i === 0) maxParallel = result.maxParallel;
    started.push(result.started.join(' '));
  }
  // Parallel jobs (two jobs ready together) truly overlapped in the multi-process order.
  const readyTogether = jobs.jobs.some((j) => jobs.jobs.filter((k) => k.needs.join() === j.needs.join()).length > 1);
  if (readyTogether) assert.ok(maxParallel >= 2, `${runbook}: parallel jobs overlapped as processes`);
  return { single, orders: started, maxParallel };
}
