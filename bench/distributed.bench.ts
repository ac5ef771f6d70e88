// Distributed runs (issue 15 Deliver 4): what splitting a run into GitHub Actions jobs costs and
// what it gains, against the single-process `pcq run` of the same runbook measured in the same bench
// run. The runbook is a wide DAG of slow steps: one graph query, then WIDTH CEL-heavy transforms of
// its rows (each a few hundred ms of CPU: CEL runs on one worker thread per process, so a single
// process runs them one after another) and a final transform. It compiles to a graph job, three
// fan-out jobs and a final job, plus the seal. Both runs use the built CLI as child processes (the
// local runner, engine/testing/local-workflow.ts, one process and folder per job, parallel jobs at
// once); CPU time comes from bench/rss-probe.mjs in every process.
//   per-job overhead: (CPU of all jobs and the seal − CPU of the single run) / (jobs + 1), as a
//     ratio to the single run's CPU: the work the split adds per job (process start, preflight,
//     job files, re-reading what earlier jobs handed on).
//   wall-clock gain: wall time of the single run / wall time of the distributed run, on this
//     machine's cores. On GitHub Actions each job has its own machine; here the jobs share the
//     cores (and, on a busy machine, other people's work), so the gain is a lower bound.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { makeSampleRoot } from '../engine/testing/sample-root.ts';
import { runLocalWorkflow, type JobExecutor } from '../engine/testing/local-workflow.ts';
import { createRandom } from '../engine/runtime/random.ts';
import type { JobGraph } from '../engine/plan/jobs.ts';

const repo = resolve(import.meta.dirname, '..');
const NODE = process.execPath;
const CLI = join(repo, 'dist/pcq.mjs');
const PROBE = join(repo, 'bench/rss-probe.mjs');
const AS_OF = '2026-11-16T00:00:00Z';
const WIDTH = 12;
const LIST = 1500; // elements each slow step's CEL walks per row: sets how slow a step is

/** The wide DAG: `alerts` (graph), WIDTH slow transforms of its rows, then `sink` over the first. */
export function wideSlowRunbook(width = WIDTH, list = LIST): string {
  const numbers = `[${Array.from({ length: list }, (_, i) => `${i}.0`).join(',')}]`;
  const lines = ['runbookId: WIDE', 'name: Wide DAG of slow steps', 'version: "1.0"', 'dataset: alerts', 'steps:'];
  lines.push('  - stepId: alerts', '    type: query', '    needs: []', '    cypher: MATCH (a:Alert) RETURN a.id AS id, a.severity AS severity ORDER BY id');
  for (let i = 0; i < width; i++) {
    const score = `${numbers}.filter(x, x * row.severity > ${i}.0 + x).size() + ${numbers}.filter(x, x < row.severity * ${i + 1}.0).size()`;
    lines.push(
      `  - stepId: slow${i}`,
      '    type: transform',
      '    needs: [alerts]',
      '    from: alerts',
      '    map:',
      '      id: row.id',
      `      score: "${score}"`,
    );
  }
  const all = Array.from({ length: width }, (_, i) => `slow${i}`).join(', ');
  lines.push('  - stepId: sink', '    type: transform', `    needs: [${all}]`, '    from: slow0', '    map:', '      id: row.id', '      score: row.score');
  return lines.join('\n') + '\n';
}

interface Probed {
  code: number;
  stdout: string;
  stderr: string;
  cpuMs: number;
}

function probedRun(cwd: string, args: string[], env: Record<string, string | undefined>, probe: string): Promise<Probed> {
  return new Promise((done, fail) => {
    const child = spawn(NODE, ['--import', PROBE, CLI, ...args], { cwd, env: { ...env, PCQ_BENCH_PROBE: probe } as NodeJS.ProcessEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      readFile(probe, 'utf8')
        .then((text) => {
          const p = JSON.parse(text) as { userMs: number; systemMs: number };
          done({ code: code ?? 1, stdout, stderr, cpuMs: p.userMs + p.systemMs });
        })
        .catch(fail);
    });
  });
}

export async function runDistributedBench(): Promise<Array<Record<string, unknown>>> {
  const root = await makeSampleRoot('pcq-bench-dist-');
  const probes = await mkdtemp(join(tmpdir(), 'pcq-bench-probes-'));
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PCQ_ACTOR: 'local:bench', PCQ_MODE: 'dev' };
  try {
    await writeFile(join(root, 'runbooks', 'WIDE.yaml'), wideSlowRunbook());
    // A warm-up single run creates the dev key and grant every job folder copies (not measured).
    await probedRun(root, ['run', 'runbooks/WIDE.yaml', '--as-of', AS_OF, '--json'], env, join(probes, 'warm.json'));
    const t0 = performance.now();
    const single = await probedRun(root, ['run', 'runbooks/WIDE.yaml', '--as-of', AS_OF, '--json'], env, join(probes, 'single.json'));
    const singleWall = performance.now() - t0;
    if (single.code !== 0) throw new Error(`single run exited ${single.code}: ${single.stderr}`);
    const singleRoot = (JSON.parse(single.stdout) as { merkleRoot: string }).merkleRoot;

    const compiled = await probedRun(root, ['compile', 'runbooks/WIDE.yaml', '--target', 'github-actions', '--jobs'], env, join(probes, 'compile.json'));
    const jobs = JSON.parse(compiled.stdout) as JobGraph;
    let jobCpuMs = 0;
    let n = 0;
    const executor: JobExecutor = async (cwd, args, e) => {
      const r = await probedRun(cwd, args, e, join(probes, `job-${n++}.json`));
      jobCpuMs += r.cpuMs;
      return r;
    };
    const dist = await runLocalWorkflow(root, jobs, { runbook: 'runbooks/WIDE.yaml', inputs: {}, asOf: AS_OF }, createRandom('5eed'), executor, env);
    if (dist.merkleRoot !== singleRoot) throw new Error(`the distributed run sealed ${dist.merkleRoot}, the single run ${singleRoot}`);
    const processes = jobs.jobs.length + 1;
    const perJobMs = (jobCpuMs - single.cpuMs) / processes;
    const details = {
      width: WIDTH,
      jobs: jobs.jobs.map((j) => `${j.id}(${j.steps.length})`).join(' '),
      singleWallMs: Math.round(singleWall),
      singleCpuMs: Math.round(single.cpuMs),
      distributedWallMs: Math.round(dist.wallMs),
      distributedCpuMs: Math.round(jobCpuMs),
      maxParallelJobs: dist.maxParallel,
      merkleRootsEqual: true,
    };
    return [
      {
        name: `distributed: per-job overhead (CPU, ${processes} processes incl. seal) vs single-process CPU`,
        value: perJobMs,
        unit: 'ms',
        ratio: perJobMs / single.cpuMs,
        target: '',
        details,
      },
      {
        name: 'distributed: total CPU of the split vs single-process CPU',
        ratio: jobCpuMs / single.cpuMs,
        target: '',
        details,
      },
      {
        name: `distributed: wall-clock gain on a ${WIDTH}-wide DAG of slow steps (single wall / distributed wall)`,
        ratio: singleWall / dist.wallMs,
        target: '',
        details,
      },
    ];
  } finally {
    await rm(root, { recursive: true, force: true });
    await rm(probes, { recursive: true, force: true });
  }
}
