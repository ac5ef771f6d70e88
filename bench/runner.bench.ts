// Runner scaling (issue 16, "a runner that scales"): the real `pcq run` (dist/pcq.mjs, a child
// process per run) on generated runbooks of trivial CEL `assertion` steps, in two shapes — a linear
// chain and a wide DAG (every step a root) — at 1,000 and 10,000 steps, plus a 1-step run that
// measures the fixed cost (process start, module load, store, verdict files). A step's cost is the
// marginal one: (T(N) − T(1)) / (N − 1). Targets: the cost of a step at 10,000 within ±20 % of
// its cost at 1,000; at most ×5 the attest floor (canonicalise + sha256 + Ed25519 sign of the
// step's record, measured in this process in the same run); peak memory growing at most linearly
// and under 1 GB at 10,000 steps. CPU time (user + system) is reported beside wall time: on a
// shared machine it is the steadier figure.
import { execFile } from 'node:child_process';
import { createPrivateKey, hash, sign } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { canonicalize } from '../engine/proof/jcs.ts';
import { existsSync } from 'node:fs';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '..');
const SIZES = [1_000, 10_000] as const;
const AS_OF = '2026-03-01T10:00:00Z';

interface BenchFigure {
  name: string;
  value?: number;
  unit?: string;
  ratio?: number;
  target: string;
  pass: boolean;
  details: Record<string, unknown>;
}
interface Measure {
  wallMs: number;
  cpuMs: number;
  maxRssMb: number;
}
type Shape = 'chain' | 'wide';

/** A runbook of `n` trivial assertion steps (flow style: 10,000 steps stay under the 1 MiB limit). */
export function scalingRunbook(n: number, shape: Shape): string {
  const lines = ['runbookId: SCALE', 'name: Scaling bench', 'version: "1.0"', 'description: trivial CEL assertion steps', 'steps:'];
  for (let i = 0; i < n; i++) {
    const needs = shape === 'chain' && i > 0 ? `s${i - 1}` : '';
    lines.push(`  - {stepId: s${i}, type: assertion, needs: [${needs}], metrics: {v: "${i}.0"}, assert: ["v >= 0.0"]}`);
  }
  return lines.join('\n') + '\n';
}

async function runOnce(work: string, n: number, shape: Shape): Promise<Measure> {
  const dir = join(work, `${shape}-${n}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'runbooks'), { recursive: true });
  await cp(join(repo, 'policies'), join(dir, 'policies'), { recursive: true });
  await writeFile(join(dir, 'runbooks/scale.yaml'), scalingRunbook(n, shape));
  const probe = join(dir, 'probe.json');
  const start = performance.now();
  const { stdout } = await run(
    process.execPath,
    ['--import', join(repo, 'bench/rss-probe.mjs'), join(repo, 'dist/pcq.mjs'), 'run', 'runbooks/scale.yaml', '--json', '--as-of', AS_OF],
    {
      cwd: dir,
      maxBuffer: 1 << 30,
      env: { ...process.env, PCQ_BENCH_PROBE: probe, PCQ_MODE: 'dev' },
    },
  );
  const wallMs = performance.now() - start;
  const report = JSON.parse(stdout) as { status?: string; steps?: unknown[] };
  if (report.status !== 'succeeded' || report.steps?.length !== n) throw new Error(`pcq run of ${n} ${shape} steps did not succeed: ${stdout.slice(0, 300)}`);
  const p = JSON.parse(await readFile(probe, 'utf8')) as { maxRssKb: number; userMs: number; systemMs: number };
  await rm(dir, { recursive: true, force: true });
  return { wallMs, cpuMs: p.userMs + p.systemMs, maxRssMb: p.maxRssKb / 1024 };
}

/**
 * Medians of `rounds` runs, wall and CPU time each on its own (on a shared machine one slow round
 * moves either), and the largest peak memory of them (the bound must hold for every run).
 */
async function measure(work: string, n: number, shape: Shape, rounds: number): Promise<Measure> {
  const all: Measure[] = [];
  for (let r = 0; r < rounds; r++) all.push(await runOnce(work, n, shape));
  const median = (k: 'wallMs' | 'cpuMs'): number => all.map((m) => m[k]).sort((a, b) => a - b)[Math.floor(all.length / 2)]!;
  return { wallMs: median('wallMs'), cpuMs: median('cpuMs'), maxRssMb: Math.max(...all.map((m) => m.maxRssMb)) };
}

/** The attest floor per step: canonicalise + sha256 + sign the record a trivial step signs. */
export function attestFloorMs(steps = 5_000): number {
  const key = createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.alloc(32, 7)]),
    format: 'der',
    type: 'pkcs8',
  });
  const record = (i: number) => ({
    stepId: `s${i}`,
    type: 'assertion',
    status: 'succeeded',
    inputs: { [`s${i - 1}`]: { v: i - 1 } },
    outputs: { v: i },
    proofs: {},
    artifacts: [],
    recordings: [],
  });
  const once = (): number => {
    const t = performance.now();
    for (let i = 0; i < steps; i++) {
      const text = canonicalize(record(i));
      hash('sha256', text, 'buffer');
      sign(null, Buffer.from(text), key);
    }
    return (performance.now() - t) / steps;
  };
  once();
  return Math.min(once(), once(), once());
}

const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;

export async function runRunnerScalingBench(): Promise<BenchFigure[]> {
  if (!existsSync(join(repo, 'dist/pcq.mjs'))) throw new Error('dist/pcq.mjs is missing: run `npm run build` first');
  const work = await mkdtemp(join(tmpdir(), 'pcq-run-bench-'));
  const figures: BenchFigure[] = [];
  try {
    const floorMs = attestFloorMs();
    for (const shape of ['chain', 'wide'] as const) {
      const base = await measure(work, 1, shape, 3);
      const at = new Map<number, Measure>();
      // Three rounds at every size: a single 10,000-step run made the growth ratio a coin toss under load.
      for (const n of SIZES) at.set(n, await measure(work, n, shape, 3));
      const perStep = (n: number, k: 'wallMs' | 'cpuMs'): number => (at.get(n)![k] - base[k]) / (n - 1);
      const small = SIZES[0];
      const large = SIZES[1];
      const growth = perStep(large, 'wallMs') / perStep(small, 'wallMs');
      const vsFloor = perStep(large, 'wallMs') / floorMs;
      const memPerStep = (n: number): number => (at.get(n)!.maxRssMb - base.maxRssMb) / (n - 1);
      const memGrowth = memPerStep(large) / Math.max(memPerStep(small), 1e-9);
      const details = {
        floorMsPerStep: round(floorMs, 4),
        fixedCost: { wallMs: round(base.wallMs, 0), cpuMs: round(base.cpuMs, 0), maxRssMb: round(base.maxRssMb, 0) },
        ...Object.fromEntries(
          SIZES.map((n) => [
            `n${n}`,
            {
              wallMs: round(at.get(n)!.wallMs, 0),
              cpuMs: round(at.get(n)!.cpuMs, 0),
              maxRssMb: round(at.get(n)!.maxRssMb, 0),
              wallMsPerStep: round(perStep(n, 'wallMs')),
              cpuMsPerStep: round(perStep(n, 'cpuMs')),
            },
          ]),
        ),
        cpuGrowth: round(perStep(large, 'cpuMs') / perStep(small, 'cpuMs')),
      };
      figures.push({
        name: `run: ${shape} — wall per step at 10,000 ÷ at 1,000`,
        ratio: growth,
        target: '0.8 – 1.2',
        pass: growth >= 0.8 && growth <= 1.2,
        details,
      });
      figures.push({
        name: `run: ${shape} — wall per step at 10,000 ÷ attest floor`,
        value: perStep(large, 'wallMs'),
        unit: 'ms/step',
        ratio: vsFloor,
        target: '≤ 5',
        pass: vsFloor <= 5,
        details: { floorMsPerStep: round(floorMs, 4) },
      });
      figures.push({
        name: `run: ${shape} — peak memory at 10,000 (memory per step 10,000 ÷ 1,000)`,
        value: at.get(large)!.maxRssMb,
        unit: 'MB',
        ratio: memGrowth,
        target: '< 1024 MB, ratio ≤ 1.2',
        pass: at.get(large)!.maxRssMb < 1024 && memGrowth <= 1.2,
        details: { memMbPerStep: { n1000: round(memPerStep(small), 4), n10000: round(memPerStep(large), 4) } },
      });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return figures;
}
