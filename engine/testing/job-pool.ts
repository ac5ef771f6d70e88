// A pool of job runner processes (job-worker.mjs) for the distributed sweep: a JobExecutor that
// runs each job in a separate process of the built CLI, like `processExecutor`, but hands it to a
// process that has already loaded the CLI when one is idle, so a sweep of ten orders does not pay
// a process start and a module load per job. A job never waits for a process: when every process
// is busy a new one is started, so jobs that are ready together run together, truly concurrent.
// Reused between jobs: the loaded code only. Each job has its own folder, its own inputs (the job
// files of its needs) and, per run, its own graph process and CEL worker (run/run-services.ts).
import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { JobExecutor } from './local-workflow.ts';

const NODE = resolve('node_modules/.bin/node');
const CLI = resolve('dist/pcq.mjs');
const WORKER = resolve(import.meta.dirname, 'job-worker.mjs');

interface Reply {
  id: number;
  code: number;
  stdout: string;
  stderr: string;
}

export interface JobPool {
  executor: JobExecutor;
  /** Processes started so far (the most jobs that ran at once). */
  started(): number;
  close(): Promise<void>;
}

export function startJobPool(env: Record<string, string | undefined>): JobPool {
  const idle: ChildProcess[] = [];
  const all: ChildProcess[] = [];
  const waiting = new Map<number, { done(r: Reply): void; fail(e: Error): void }>();
  const owner = new Map<number, ChildProcess>();
  let nextId = 0;

  const spawnWorker = (): Promise<ChildProcess> =>
    new Promise((ready, fail) => {
      const child = fork(WORKER, [], { execPath: NODE, execArgv: [], env: { ...env, PCQ_JOB_WORKER_CLI: CLI }, stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
      all.push(child);
      child.once('error', fail);
      child.on('message', (m: Reply | { ready: true }) => {
        if ('ready' in m) return ready(child);
        const w = waiting.get(m.id);
        waiting.delete(m.id);
        w?.done(m);
      });
      child.once('exit', (code, signal) => {
        const error = new Error(`a job runner process exited (${code ?? signal}) before it answered`);
        fail(error);
        for (const [id, w] of waiting) {
          if (owner.get(id) !== child) continue;
          waiting.delete(id);
          w.fail(error);
        }
      });
    });

  const executor: JobExecutor = async (cwd, args, jobEnv) => {
    const child = idle.pop() ?? (await spawnWorker());
    const id = nextId++;
    owner.set(id, child);
    try {
      return await new Promise<Reply>((done, fail) => {
        waiting.set(id, { done, fail });
        child.send({ id, cwd, args, env: jobEnv });
      });
    } finally {
      owner.delete(id);
      if (child.exitCode === null && child.signalCode === null) idle.push(child);
    }
  };

  return {
    executor,
    started: () => all.length,
    close: async () => {
      await Promise.all(
        all.map(
          (child) =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill();
            }),
        ),
      );
    },
  };
}
