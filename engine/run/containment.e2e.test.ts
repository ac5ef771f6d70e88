// Issue 10 acceptance, through the real CLI bundle (dist/pcq.mjs, `npm run build`):
// - a native graph bomb (`UNWIND range(1,100000000) AS x RETURN sum(x)`) with `timeout: 2s` fails
//   within 5 s of its timeout with a coded error, and the same bomb under a tight memory ceiling
//   fails PCQ_MEMORY_EXCEEDED; peak RSS of the whole process tree (GNU time's maximum resident set)
//   stays below the ceiling; the run is sealed and `pcq verify` passes;
// - a hostile runbook is refused before any step (exit 3), writes nothing, creates no file outside
//   the run folder and RUNNER_SECRET appears in no file and no output.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { makeSampleRoot } from '../testing/sample-root.ts';
import { snapshotTree } from '../testing/snapshot-tree.ts';

const NODE = resolve('node_modules/.bin/node');
const CLI = resolve('dist/pcq.mjs');
let root: string;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  maxRssBytes: number;
  wallMs: number;
}

/** Runs the CLI under GNU time (-v): its maximum resident set covers the graph child too. */
function pcq(env: Record<string, string>, ...args: string[]): Promise<Outcome> {
  const started = Date.now();
  return new Promise((done) => {
    execFile(
      '/usr/bin/time',
      ['-v', NODE, CLI, ...args],
      { cwd: root, timeout: 60_000, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PCQ_ACTOR: 'local:tester', ...env } },
      (err, stdout, stderr) => {
        const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
        done({
          code: err ? Number((err as { code?: number }).code ?? 1) : 0,
          stdout,
          stderr,
          maxRssBytes: rss ? Number(rss[1]) * 1024 : NaN,
          wallMs: Date.now() - started,
        });
      },
    );
  });
}

const bomb = (timeout: string) => `runbookId: bomb-${timeout}
name: Graph bomb
version: "1"
steps:
  - stepId: sum-range
    type: query
    timeout: ${timeout}
    cypher: UNWIND range(1,100000000) AS x RETURN sum(x) AS s
`;

// The CEL bombs of issue 10: a list of 100M elements, nested `'ab'.replace('', 'aaaaaaaa')` and
// deep string growth, each as an assertion with `timeout: 2s`.
const TEN = '[0,1,2,3,4,5,6,7,8,9]';
const hundredMillion = Array.from({ length: 8 }).reduce<string>((inner, _, i) => `${TEN}.map(v${i}, ${inner})`, '1');
const replaceBomb = Array.from({ length: 12 }).reduce<string>((e) => `${e}.replace('', 'aaaaaaaa')`, "'ab'");
const growBomb = Array.from({ length: 10 }).reduce<string>((e) => `${e}.replace('a', 'aaaaaaaaaa')`, "'a'");
const CEL_BOMBS: Record<string, string> = { list: `size(${hundredMillion}) > 0`, replace: `size(${replaceBomb}) > 0`, grow: `size(${growBomb}) > 0` };

const celBomb = (name: string, expr: string) => `runbookId: cel-${name}
name: CEL bomb
version: "1"
steps:
  - stepId: sum-range
    type: assertion
    timeout: 2s
    assert: ["${expr.replace(/"/g, '\\"')}"]
`;

before(async () => {
  await stat(CLI).catch(() => assert.fail('dist/pcq.mjs is missing: run `npm run build` first'));
  root = await makeSampleRoot('pcq-contain-');
  await writeFile(join(root, 'runbooks', 'bomb-2s.yaml'), bomb('2s'));
  await writeFile(join(root, 'runbooks', 'bomb-25s.yaml'), bomb('25s'));
  for (const [name, expr] of Object.entries(CEL_BOMBS)) await writeFile(join(root, 'runbooks', `cel-${name}.yaml`), celBomb(name, expr));
});
after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

interface StepReport {
  stepId: string;
  status: string;
  durationMs: number;
  error?: { code: string; message: string };
}

async function failedStep(out: Outcome): Promise<StepReport & { manifestPath: string }> {
  const report = JSON.parse(out.stdout) as { manifestPath: string; status: string; steps: StepReport[] };
  assert.equal(report.status, 'failed');
  const step = report.steps.find((s) => s.stepId === 'sum-range');
  assert.ok(step, out.stdout);
  assert.equal(step.status, 'failed');
  return { ...step, manifestPath: report.manifestPath };
}

test('range bomb with timeout 2s: PCQ_STEP_TIMEOUT within 5 s of the timeout, RSS under the ceiling, sealed and verified', { timeout: 90_000 }, async (t) => {
  const ceiling = 1024 * 1024 * 1024;
  const out = await pcq({ PCQ_MEMORY_LIMIT: '1G' }, 'run', 'runbooks/bomb-2s.yaml', '--json');
  assert.notEqual(out.code, 0, out.stderr);
  const step = await failedStep(out);
  // The attempt times out (PCQ_STEP_TIMEOUT) and the graph process is killed; a retry finds the
  // graph stopped (PCQ_GRAPH_STOPPED, naming the timeout) and the step fails for good.
  assert.ok(['PCQ_STEP_TIMEOUT', 'PCQ_GRAPH_STOPPED'].includes(String(step.error?.code)), JSON.stringify(step));
  if (step.error?.code === 'PCQ_GRAPH_STOPPED') assert.match(step.error.message, /timed out after 2000 ms/);
  assert.ok(step.durationMs < 2000 + 5000, `failed after ${step.durationMs} ms`);
  t.diagnostic(`${String(step.error?.code)} after ${Math.round(step.durationMs)} ms, peak RSS ${Math.round(out.maxRssBytes / 1048576)} MiB`);
  assert.ok(out.maxRssBytes < ceiling, `peak RSS ${out.maxRssBytes}`);
  const verified = await pcq({}, 'verify', step.manifestPath);
  assert.equal(verified.code, 0, verified.stdout + verified.stderr);
});

test('range bomb under a 320M ceiling: PCQ_MEMORY_EXCEEDED, RSS under the ceiling, sealed and verified', { timeout: 90_000 }, async (t) => {
  const ceiling = 320 * 1024 * 1024;
  const out = await pcq({ PCQ_MEMORY_LIMIT: '320M' }, 'run', 'runbooks/bomb-25s.yaml', '--json');
  assert.notEqual(out.code, 0, out.stderr);
  const step = await failedStep(out);
  assert.equal(step.error?.code, 'PCQ_MEMORY_EXCEEDED', JSON.stringify(step));
  t.diagnostic(`${String(step.error?.code)} after ${Math.round(step.durationMs)} ms, peak RSS ${Math.round(out.maxRssBytes / 1048576)} MiB`);
  assert.ok(out.maxRssBytes < ceiling, `peak RSS ${out.maxRssBytes}`);
  const verified = await pcq({}, 'verify', step.manifestPath);
  assert.equal(verified.code, 0, verified.stdout + verified.stderr);
});

for (const name of Object.keys(CEL_BOMBS)) {
  test(
    `CEL bomb (${name}) with timeout 2s: PCQ_CEL_LIMIT within 5 s of the timeout, RSS under the ceiling, sealed and verified`,
    { timeout: 60_000 },
    async (t) => {
      const ceiling = 1024 * 1024 * 1024;
      const out = await pcq({ PCQ_MEMORY_LIMIT: '1G' }, 'run', `runbooks/cel-${name}.yaml`, '--json');
      assert.notEqual(out.code, 0, out.stderr);
      const step = await failedStep(out);
      assert.equal(step.error?.code, 'PCQ_CEL_LIMIT', JSON.stringify(step));
      assert.ok(step.durationMs < 2000 + 5000, `failed after ${step.durationMs} ms`);
      t.diagnostic(`${String(step.error?.code)} after ${Math.round(step.durationMs)} ms, peak RSS ${Math.round(out.maxRssBytes / 1048576)} MiB`);
      assert.ok(out.maxRssBytes < ceiling, `peak RSS ${out.maxRssBytes}`);
      const verified = await pcq({}, 'verify', step.manifestPath);
      assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    },
  );
}

test('a hostile runbook is refused before any step: nothing written, no file outside, no secret anywhere', { timeout: 90_000 }, async () => {
  const outside = join(tmpdir(), `pcq-contain-outside-${process.pid}`);
  await writeFile(
    join(root, 'runbooks', 'hostile.yaml'),
    `runbookId: hostile
name: Hostile
version: "1"
steps:
  - stepId: environ
    type: query
    cypher: MATCH (n) CALL { lOaD FROM "/proc/self/environ" (file_format="csv", header=false, delim="=") RETURN * } RETURN n
  - stepId: copy
    type: query
    cypher: "COPY (MATCH (e) RETURN e) TO '${outside}.csv'"
provers:
  postconditions:
    kpi:export:
      type: metric
      query: EXPORT DATABASE '${outside}-db'
      assertion: "true"
`,
  );
  const keys = await pcq({}, 'keys', 'generate', '--json');
  const { secret, publicKey } = JSON.parse(keys.stdout) as { secret: string; publicKey: string };
  await appendFile(
    join(root, 'policies/trust.yaml'),
    `\n  - name: test-contain\n    publicKey: ${publicKey}\n    roles: [runner]\n    status: active\n    validFrom: 2026-01-01T00:00:00Z\n    validUntil: null\n`,
  );
  const before = await snapshotTree(root, ['attestations', '.pcq']);
  const out = await pcq({ RUNNER_SECRET: secret }, 'run', 'runbooks/hostile.yaml');
  assert.equal(out.code, 3, out.stdout + out.stderr);
  assert.match(out.stdout + out.stderr, /PCQ_CYPHER_REFUSED/);
  assert.deepEqual(await snapshotTree(root, ['attestations', '.pcq']), before);
  assert.equal(existsSync(`${outside}.csv`) || existsSync(`${outside}-db`), false);
  assert.ok(!(out.stdout + out.stderr).includes(secret));
  for (const file of await readdir(root, { recursive: true })) {
    const path = join(root, file);
    if ((await stat(path)).isFile()) assert.ok(!(await readFile(path, 'utf8')).includes(secret), path);
  }
});
