// The Action's pure parts: inputs, annotations, the plan comment's step diff, the summary's status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readInputs } from './inputs.ts';
import { emitAnnotations, toAnnotations, type AnnotationProperties } from './annotations.ts';
import { diffSteps, policiesFor, renderPlanComment } from './plan-comment.ts';
import { displayStatus } from './summary.ts';
import { loadRunbookFile } from '../model/load-runbooks.ts';
import type { PcqError, PcqIssue } from '../base/errors.ts';
import type { Runbook } from '../model/runbook.ts';

const root = new URL('../..', import.meta.url).pathname;

test('inputs: defaults, JSON params, coded refusals', () => {
  const from = (m: Record<string, string>) => readInputs((n) => m[n] ?? '');
  assert.deepEqual(from({}), {
    command: 'validate',
    button: '',
    params: {},
    asOf: '',
    replayOf: '',
    executionId: '',
    publishBranch: 'main',
    paths: ['runbooks/'],
  });
  const i = from({
    command: 'run',
    button: ' enrich-entities ',
    params: '{"enrichmentSource":"partial"}',
    'as-of': '2026-03-01T00:00:00Z',
    paths: 'runbooks/R1.yaml, runbooks/R2.yaml',
  });
  assert.deepEqual(
    [i.command, i.button, i.params, i.asOf, i.paths],
    ['run', 'enrich-entities', { enrichmentSource: 'partial' }, '2026-03-01T00:00:00Z', ['runbooks/R1.yaml', 'runbooks/R2.yaml']],
  );
  assert.throws(
    () => from({ command: 'deploy' }),
    (e: PcqError) => e.code === 'PCQ_USAGE' && /validate, plan, run, review, publish/.test(e.hint ?? ''),
  );
  assert.throws(
    () => from({ params: '{oops' }),
    (e: PcqError) => e.code === 'PCQ_USAGE' && /not JSON/.test(e.message),
  );
  assert.throws(
    () => from({ params: '[1]' }),
    (e: PcqError) => e.code === 'PCQ_USAGE' && /object/.test(e.message),
  );
});

test('annotations: workspace-relative file, line, column; warnings apart from errors', () => {
  const issues: PcqIssue[] = [
    { code: 'PCQ_DANGLING_NEED', message: 'step x needs y', hint: 'fix it', location: { file: '/ws/runbooks/R1.yaml', line: 12, col: 5 } },
    { code: 'PCQ_UNKNOWN_PROVER', message: 'bump', severity: 'warning' as const, location: { file: 'runbooks/R2.yaml', line: 3, col: 1 } },
    { code: 'PCQ_NO_RUNBOOKS', message: 'none' },
  ];
  assert.deepEqual(toAnnotations(issues, '/ws'), [
    { level: 'error', message: 'step x needs y\nfix it', properties: { title: 'PCQ_DANGLING_NEED', file: 'runbooks/R1.yaml', startLine: 12, startColumn: 5 } },
    { level: 'warning', message: 'bump', properties: { title: 'PCQ_UNKNOWN_PROVER', file: 'runbooks/R2.yaml', startLine: 3, startColumn: 1 } },
    { level: 'error', message: 'none', properties: { title: 'PCQ_NO_RUNBOOKS' } },
  ]);
  const sent: Array<[string, string, AnnotationProperties | undefined]> = [];
  const counts = emitAnnotations(issues, '/ws/', { error: (m, p) => sent.push(['error', m, p]), warning: (m, p) => sent.push(['warning', m, p]) });
  assert.deepEqual(counts, { errors: 2, warnings: 1 });
  assert.deepEqual(
    sent.map((s) => s[0]),
    ['error', 'warning', 'error'],
  );
});

test('plan comment: steps added, removed and changed against the base; policies per prover kind', async () => {
  const head = await loadRunbookFile(`${root}runbooks/R1-entity-enrichment.yaml`);
  const base: Runbook = structuredClone(head);
  base.steps = base.steps.filter((s) => s.stepId !== 'export-enriched');
  base.steps.push({ ...base.steps[0]!, stepId: 'old-step' });
  base.steps[0] = { ...base.steps[0]!, timeoutMs: 1 };
  assert.deepEqual(diffSteps(base, head), { added: ['export-enriched'], removed: ['old-step'], changed: [base.steps[0]!.stepId] });
  assert.deepEqual(diffSteps(null, head).added.length, head.steps.length);
  assert.deepEqual(diffSteps(head, head), { added: [], removed: [], changed: [] });
  const policies = policiesFor(head);
  assert.ok(policies.includes('policies/ombuds.yaml') && policies.includes('policies/trust.yaml'));
  assert.ok(policies.includes('policies/licenses.yaml'), 'R1 has a license prover');
  const md = renderPlanComment({
    runbooks: [{ path: 'runbooks/R1-entity-enrichment.yaml', head, base }],
    changedPolicies: ['policies/buttons.yaml'],
    issues: [],
    buttons: [{ id: 'enrich-entities', runbook: 'R1', version: '0.1', roles: ['admin'], description: '' }],
    workspace: '/ws',
  });
  assert.match(md, /^<!-- pcq:plan -->\n## pcq plan ✅ valid/);
  assert.match(md, /classDef running/);
  assert.match(md, /pinned to another version/);
  assert.match(md, /### Policies changed\n\n- `policies\/buttons\.yaml`/);
});

test('summary status: a succeeded step whose postcondition failed is shown as blocked', () => {
  const proof = { prover: 'kpi', type: 'metric', result: 'fail' as const, evidence: 'low' };
  const status = displayStatus({
    steps: [
      { stepId: 'a', type: 'query', status: 'succeeded', attempts: 1, durationMs: 1, proofs: {} },
      { stepId: 'b', type: 'assertion', status: 'succeeded', attempts: 1, durationMs: 1, proofs: { postconditions: [proof] } },
      { stepId: 'c', type: 'export', status: 'skipped', attempts: 0, durationMs: 0, proofs: {} },
    ],
    failedProofs: [{ stepId: 'b', phase: 'postcondition', proof }],
  });
  assert.deepEqual(status, { a: 'succeeded', b: 'blocked', c: 'skipped' });
});
