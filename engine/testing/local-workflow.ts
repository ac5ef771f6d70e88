// A local stand-in for GitHub Actions running a compiled workflow (pcq compile): each job in its own
// working folder (a fresh copy of runbooks/, policies/ and the runner's .pcq/), given nothing but
// the job files of the jobs it `needs` (what download-artifact would hand it), started as soon as
// those jobs finished, ready jobs started together in a random order so that parallel jobs truly
// overlap. The `seal` job then gets every job file and seals. Two executors: `process` spawns the
// real CLI per job (what a runner does); `in-process` calls the same job function in this process
// (the same folders and files, no process start-up), for sweeps over many orders.
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { JobGraph } from '../plan/jobs.ts';
import { SEAL_JOB } from '../plan/jobs.ts';
import type { CliIo } from '../cli/io.ts';

export interface JobCommand {
  /** The runbook path relative to the root, the inputs and asOf, as every job passes them. */
  runbook: string;
  inputs: Record<string, string>;
  asOf: string;
}

export type JobExecutor = (cwd: string, args: string[], env: Record<string, string | undefined>) => Promise<{ code: number; stdout: string; stderr: string }>;

export interface LocalRunResult {
  merkleRoot: string;
  manifestPath: string;
  /** Jobs in the order they started. */
  started: string[];
  /** Most jobs running at once. */
  maxParallel: number;
  wallMs: number;
  jobMs: Record<string, number>;
}

const NODE = resolve('node_modules/.bin/node');
const CLI = resolve('dist/pcq.mjs');

/** Spawns the real CLI bundle. */
export const processExecutor: JobExecutor = (cwd, args, env) =>
  new Promise((done, fail) => {
    const child = spawn(NODE, [CLI, ...args], { cwd, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? 1, stdout, stderr }));
  });

function commonArgs(cmd: JobCommand): string[] {
  return ['--as-of', cmd.asOf, ...Object.entries(cmd.inputs).flatMap(([k, v]) => ['--input', `${k}=${v}`])];
}

/**
 * Runs every job of `jobs` then the seal, in folders under a fresh temp dir copied from `root`.
 * `random` decides the start order of jobs that are ready together.
 */
export async function runLocalWorkflow(
  root: string,
  jobs: JobGraph,
  cmd: JobCommand,
  random: () => number,
  exec: JobExecutor,
  env: Record<string, string | undefined>,
): Promise<LocalRunResult> {
  const work = await mkdtemp(join(tmpdir(), 'pcq-jobs-'));
  const t0 = performance.now();
  const started: string[] = [];
  const jobMs: Record<string, number> = {};
  let running = 0;
  let maxParallel = 0;
  const folder = async (job: string, needs: readonly string[]): Promise<string> => {
    const dir = join(work, job);
    await mkdir(dir, { recursive: true });
    for (const sub of ['runbooks', 'policies', 'spells', '.pcq'])
      await cp(join(root, sub), join(dir, sub), { recursive: true }).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
    // Only the declared artifacts: the files of the jobs this one needs.
    for (const need of needs) await cp(join(work, need, 'pcq-out', `job-${need}.json`), join(dir, 'pcq-jobs', need, `job-${need}.json`));
    return dir;
  };
  const runJob = async (job: string, needs: readonly string[]): Promise<void> => {
    const dir = await folder(job, needs);
    started.push(job);
    maxParallel = Math.max(maxParallel, ++running);
    const t = performance.now();
    const args = [
      'run',
      cmd.runbook,
      '--job',
      job,
      ...(needs.length > 0 ? ['--from', 'pcq-jobs'] : []),
      '--out',
      join('pcq-out', `job-${job}.json`),
      ...commonArgs(cmd),
    ];
    const res = await exec(dir, args, env);
    jobMs[job] = performance.now() - t;
    running--;
    if (res.code !== 0) throw new Error(`job ${job} exited ${res.code}: ${res.stderr}${res.stdout}`);
  };
  try {
    const remaining = new Map(jobs.jobs.map((j) => [j.id, new Set(j.needs)]));
    const needsOf = new Map(jobs.jobs.map((j) => [j.id, j.needs]));
    const inFlight = new Map<string, Promise<string>>();
    while (remaining.size > 0 || inFlight.size > 0) {
      const ready = [...remaining].filter(([, n]) => n.size === 0).map(([id]) => id);
      shuffle(ready, random);
      for (const id of ready) {
        remaining.delete(id);
        inFlight.set(
          id,
          runJob(id, needsOf.get(id)!).then(() => id),
        );
      }
      if (inFlight.size === 0) throw new Error('the job graph has a cycle');
      const finished = await Promise.race(inFlight.values());
      inFlight.delete(finished);
      for (const n of remaining.values()) n.delete(finished);
    }
    const all = jobs.jobs.map((j) => j.id);
    const sealDir = await folder(SEAL_JOB, all);
    const sealed = await exec(sealDir, ['run', cmd.runbook, '--seal-from', 'pcq-jobs', ...commonArgs(cmd), '--json'], env);
    if (sealed.code !== 0 && sealed.code !== 4) throw new Error(`seal exited ${sealed.code}: ${sealed.stderr}${sealed.stdout}`);
    const report = JSON.parse(sealed.stdout) as { merkleRoot: string; manifestPath: string };
    const manifestPath = resolve(sealDir, report.manifestPath);
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { merkleRoot: string };
    return { merkleRoot: manifest.merkleRoot, manifestPath, started, maxParallel, wallMs: performance.now() - t0, jobMs };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

/**
 * The same CLI, called in this process with the job's folder as cwd: every job still reads only
 * its own folder and the files handed to it, without paying a process start per job.
 */
export const inProcessExecutor: JobExecutor = async (cwd, args, env) => {
  const { main } = await import('../cli/main.ts');
  let stdout = '';
  let stderr = '';
  const io: CliIo = { env, cwd, isTTY: false, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) };
  const code = await main(args, io);
  return { code, stdout, stderr };
};
