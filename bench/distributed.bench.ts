// Distributed runs (issue 15 Deliver 4): what splitting a run into GitHub Actions jobs costs and
// what it gains, as ratios against the single-process `pcq run` of the same runbook measured in the
// same bench run. Both sides run the built CLI (dist/pcq.mjs) as child processes; the distributed
// side is the local runner (engine/testing/local-workflow.ts: one process and folder per job, only
// the job files of its `needs` handed over, ready jobs started together). CPU time comes from
// bench/rss-probe.mjs in every process.
//   per-job overhead: a chain `q → t1 → … → tK` compiles to one job per step (graph, post-1-1 …
//     post-K-1), so the jobs run one after another; (distributed wall − single wall) / (jobs) is
//     what each job adds (process start, admission, job files, the seal's share), in ms and as a
//     ratio to the single run's wall time.
//   wall-clock gain: a wide DAG of slow steps, WIDTH independent external_api calls to a loopback
//     server that answers after DELAY_MS. The calls truly take time without taking CPU, so they
//     overlap whenever the processes do. `pcq run` runs at most `concurrency`
//     (default 4) steps at once; the compiled workflow spreads the calls over 3 jobs, each with its
//     own `concurrency`. Gain = single wall / distributed wall; the bench fails unless it is > 1.
//     On GitHub Actions each job has its own machine; here the jobs share two cores with everything
//     else on the machine, so the gain measured here is a lower bound.
// Each side runs ROUNDS times, alternating, and the median is reported (load moves during a run).
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
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
const CHAIN = 4; // transforms after the query: 5 jobs of one step each
const WIDTH = 32; // slow calls: 11, 11 and 10 in the three fan-out jobs
const DELAY_MS = 5000; // each call's answer time: long beside a job's start-up, as the steps worth spreading are
const ROUNDS = Math.max(1, Number(process.env.PCQ_BENCH_ROUNDS ?? 2));
/** The expectation the bench holds the split to: the wide slow DAG finishes sooner distributed. */
export const GAIN_TARGET = '> 1';

/** `q` (graph query) then a chain of `length` transforms: one step per job once compiled. */
export function chainRunbook(length = CHAIN): string {
  const lines = ['runbookId: CHAIN', 'name: Chain of one-step jobs', 'version: "1.0"', 'dataset: alerts', 'steps:'];
  lines.push('  - stepId: q', '    type: query', '    needs: []', '    cypher: MATCH (a:Alert) RETURN a.id AS id, a.severity AS severity ORDER BY id');
  for (let i = 1; i <= length; i++) {
    const from = i === 1 ? 'q' : `t${i - 1}`;
    lines.push(
      `  - stepId: t${i}`,
      '    type: transform',
      `    needs: [${from}]`,
      `    from: ${from}`,
      '    map:',
      '      id: row.id',
      `      severity: row.severity + ${i}.0`,
    );
  }
  return lines.join('\n') + '\n';
}

/** The wide DAG: `width` independent calls to the `slow` connector, no graph: one band of fan-out jobs, then the seal. */
export function wideSlowRunbook(width = WIDTH): string {
  const lines = ['runbookId: WIDE', 'name: Wide DAG of slow steps', 'version: "1.0"', 'steps:'];
  for (let i = 0; i < width; i++)
    lines.push(`  - stepId: slow${i}`, '    type: external_api', '    needs: []', '    connector: slow', `    path: /score/${i}`, '    method: GET');
  return lines.join('\n') + '\n';
}

/** A loopback service that answers every request after `delayMs` with rows scored by the path's number; it counts calls in flight. */
export async function startSlowServer(delayMs: number): Promise<{ server: Server; port: number; inFlight: { now: number; max: number } }> {
  const inFlight = { now: 0, max: 0 };
  const server = createServer((req, res) => {
    inFlight.max = Math.max(inFlight.max, ++inFlight.now);
    req.resume();
    req.on('end', () => {
      const factor = Number(/\/score\/(\d+)$/.exec(req.url ?? '')?.[1] ?? 0) + 1;
      const rows = Array.from({ length: 5 }, (_, k) => ({ id: `a${k}`, score: factor * k }));
      setTimeout(() => {
        inFlight.now--;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(rows));
      }, delayMs);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the slow server has no port');
  return { server, port: address.port, inFlight };
}

interface Probed {
  code: number;
  stdout: string;
  stderr: string;
  cpuMs: number;
}

let probeCount = 0;
function probedRun(probes: string, cwd: string, args: string[], env: Record<string, string | undefined>): Promise<Probed> {
  const probe = join(probes, `p${probeCount++}.json`);
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

interface Side {
  wallMs: number;
  cpuMs: number;
  maxParallel?: number;
  inFlightMax?: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Runs `runbook` ROUNDS times each way, alternating; every distributed root must equal the single root. */
async function compare(
  root: string,
  probes: string,
  runbook: string,
  env: Record<string, string>,
  inFlight?: { now: number; max: number },
): Promise<{ single: Side[]; dist: Side[]; jobs: JobGraph }> {
  const cmd = ['run', runbook, '--as-of', AS_OF, '--json'];
  const compiled = await probedRun(probes, root, ['compile', runbook, '--target', 'github-actions', '--jobs'], env);
  if (compiled.code !== 0) throw new Error(`compile ${runbook} exited ${compiled.code}: ${compiled.stderr}`);
  const jobs = JSON.parse(compiled.stdout) as JobGraph;
  const single: Side[] = [];
  const dist: Side[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (inFlight) inFlight.max = 0;
    const t0 = performance.now();
    const one = await probedRun(probes, root, cmd, env);
    const wallMs = performance.now() - t0;
    if (one.code !== 0) throw new Error(`pcq run ${runbook} exited ${one.code}: ${one.stderr}`);
    const singleRoot = (JSON.parse(one.stdout) as { merkleRoot: string }).merkleRoot;
    single.push({ wallMs, cpuMs: one.cpuMs, ...(inFlight ? { inFlightMax: inFlight.max } : {}) });

    if (inFlight) inFlight.max = 0;
    let cpuMs = 0;
    const executor: JobExecutor = async (cwd, args, e) => {
      const r = await probedRun(probes, cwd, args, e);
      cpuMs += r.cpuMs;
      return r;
    };
    const run = await runLocalWorkflow(root, jobs, { runbook, inputs: {}, asOf: AS_OF }, createRandom(`5eed0${round}`), executor, env);
    if (run.merkleRoot !== singleRoot) throw new Error(`${runbook}: the distributed run sealed ${run.merkleRoot}, the single run ${singleRoot}`);
    dist.push({ wallMs: run.wallMs, cpuMs, maxParallel: run.maxParallel, ...(inFlight ? { inFlightMax: inFlight.max } : {}) });
  }
  return { single, dist, jobs };
}

const shapeOf = (jobs: JobGraph): string => jobs.jobs.map((j) => `${j.id}(${j.steps.length})`).join(' ');
const round0 = (sides: Side[]): number[] => sides.map((s) => Math.round(s.wallMs));

export async function runDistributedBench(): Promise<Array<Record<string, unknown>>> {
  const root = await makeSampleRoot('pcq-bench-dist-');
  const probes = await mkdtemp(join(tmpdir(), 'pcq-bench-probes-'));
  const slow = await startSlowServer(DELAY_MS);
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PCQ_ACTOR: 'local:bench', PCQ_MODE: 'dev' };
  try {
    await appendFile(
      join(root, 'policies/connectors.yaml'),
      `  - name: slow\n    baseUrl: http://127.0.0.1:${slow.port}\n    mode: live\n    timeout: 60s\n    retry: { attempts: 1 }\n`,
    );
    await writeFile(join(root, 'runbooks', 'CHAIN.yaml'), chainRunbook());
    await writeFile(join(root, 'runbooks', 'WIDE.yaml'), wideSlowRunbook());
    // A warm-up run creates the dev key every job folder copies and warms the file cache (not measured).
    const warm = await probedRun(probes, root, ['run', 'runbooks/CHAIN.yaml', '--as-of', AS_OF, '--json'], env);
    if (warm.code !== 0) throw new Error(`warm-up run exited ${warm.code}: ${warm.stderr}`);

    const loadChain = loadavg();
    const chain = await compare(root, probes, 'runbooks/CHAIN.yaml', env);
    const chainSingle = median(chain.single.map((s) => s.wallMs));
    const chainDist = median(chain.dist.map((s) => s.wallMs));
    const perJobMs = (chainDist - chainSingle) / chain.jobs.jobs.length;
    const perJobCpuMs = (median(chain.dist.map((s) => s.cpuMs)) - median(chain.single.map((s) => s.cpuMs))) / chain.jobs.jobs.length;
    const chainDetails = {
      rounds: ROUNDS,
      jobs: `${shapeOf(chain.jobs)} + seal`,
      singleWallMs: round0(chain.single),
      distributedWallMs: round0(chain.dist),
      perJobCpuMs: Math.round(perJobCpuMs),
      loadAverageBefore: loadChain.map((x) => x.toFixed(2)).join(' '),
      merkleRootsEqual: true,
    };

    const loadWide = loadavg();
    const wide = await compare(root, probes, 'runbooks/WIDE.yaml', env, slow.inFlight);
    const wideSingle = median(wide.single.map((s) => s.wallMs));
    const wideDist = median(wide.dist.map((s) => s.wallMs));
    const gain = wideSingle / wideDist;
    const wideDetails = {
      rounds: ROUNDS,
      width: WIDTH,
      delayMs: DELAY_MS,
      jobs: `${shapeOf(wide.jobs)} + seal`,
      singleWallMs: round0(wide.single),
      distributedWallMs: round0(wide.dist),
      singleCpuMs: Math.round(median(wide.single.map((s) => s.cpuMs))),
      distributedCpuMs: Math.round(median(wide.dist.map((s) => s.cpuMs))),
      // Calls in flight at once at the server: the single run is held to its `concurrency`, the
      // split to one `concurrency` per job; jobs running at once, as processes.
      callsInFlightSingle: wide.single.map((s) => s.inFlightMax),
      callsInFlightDistributed: wide.dist.map((s) => s.inFlightMax),
      maxParallelJobs: wide.dist.map((s) => s.maxParallel),
      loadAverageBefore: loadWide.map((x) => x.toFixed(2)).join(' '),
      loadAverageAfter: loadavg()
        .map((x) => x.toFixed(2))
        .join(' '),
      merkleRootsEqual: true,
    };
    const overlapped = wide.dist.every((s) => (s.maxParallel ?? 0) >= 2 && (s.inFlightMax ?? 0) > Math.max(...wide.single.map((x) => x.inFlightMax ?? 0)));
    return [
      {
        name: `distributed: per-job overhead, chain of ${chain.jobs.jobs.length} one-step jobs (ms per job; × single-process wall)`,
        value: perJobMs,
        unit: 'ms',
        ratio: perJobMs / chainSingle,
        target: '',
        details: chainDetails,
      },
      {
        name: `distributed: chain wall vs single-process wall (${chain.jobs.jobs.length} jobs + seal vs 1 process)`,
        ratio: chainDist / chainSingle,
        target: '',
        details: chainDetails,
      },
      {
        name: `distributed: wall-clock gain, ${WIDTH}-wide DAG of ${DELAY_MS} ms calls (single wall / distributed wall)`,
        ratio: gain,
        target: GAIN_TARGET,
        // Fails when the split is not faster, or when its jobs (and calls) did not truly overlap.
        pass: gain > 1 && overlapped,
        details: { ...wideDetails, jobsAndCallsOverlapped: overlapped },
      },
    ];
  } finally {
    await new Promise<void>((ok) => slow.server.close(() => ok()));
    await rm(root, { recursive: true, force: true });
    await rm(probes, { recursive: true, force: true });
  }
}
