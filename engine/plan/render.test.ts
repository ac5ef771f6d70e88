import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunbook } from '../model/parse-runbook.ts';
import { planRunbook } from './plan.ts';
import { mermaidIds, renderMermaid } from './render-mermaid.ts';
import { renderPlanText } from './render-text.ts';
import { planToJson } from './render-json.ts';

const parsed = parseRunbook(
  `runbookId: T
name: Test "quoted"
version: "2"
steps:
  - {stepId: load-data, type: query, cypher: "MATCH (n) RETURN n", preconditions: [can-read]}
  - {stepId: load_data, type: transform, retry: {attempts: 1}, timeout: 5s}
  - {stepId: end, type: assertion, needs: [load-data, load_data], postconditions: [kpi]}
provers:
  preconditions: {can-read: {type: opa}}
  postconditions: {kpi: {type: metric}}
`,
  'rb.yaml',
);
const runbook = parsed.runbook!;
const plan = planRunbook(runbook);

test('mermaid ids are stable, safe and distinct when ids sanitise alike', () => {
  assert.deepEqual([...mermaidIds(['load_data', 'load-data', 'end']).entries()].sort(), [
    ['end', 's_end'],
    ['load-data', 's_load_data'],
    ['load_data', 's_load_data_2'],
  ]);
});

test('mermaid: flowchart LR, a node per step, an edge per need, dependency → dependant', () => {
  const text = renderMermaid(plan, runbook);
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[0], 'flowchart LR');
  assert.deepEqual(
    lines.filter((l) => l.includes('-->')),
    ['  s_load_data --> s_load_data_2', '  s_load_data --> s_end', '  s_load_data_2 --> s_end'],
  );
  assert.ok(lines.includes('  s_end["end<br/><small>assertion · 1 prover</small>"]'));
  assert.ok(!text.includes('classDef'), 'no status, no classes');
});

test('mermaid status classes colour steps; unknown statuses are ignored', () => {
  const text = renderMermaid(plan, runbook, { 'load-data': 'succeeded', load_data: 'failed', end: 'skipped', ghost: 'succeeded' });
  assert.match(text, /classDef succeeded fill:#dafbe1/);
  assert.match(text, /\n {2}class s_load_data succeeded\n/);
  assert.match(text, /\n {2}class s_load_data_2 failed\n/);
  assert.match(text, /\n {2}class s_end skipped\n/);
  assert.doesNotMatch(renderMermaid(plan, runbook, { end: 'exploded' }), /classDef/);
});

test('text plan shows levels, types, needs, provers and non-default retry/timeout', () => {
  const text = renderPlanText(plan, runbook);
  assert.match(text, /^T "Test "quoted"" version 2: 3 steps in 3 levels\n/);
  assert.match(text, /level 0\n {2}load-data \(query\) {2}root\n {4}pre: {2}can-read \[opa\]/);
  assert.match(text, /load_data \(transform\) {2}needs: load-data\n {4}retry: 1 attempts, backoff 2s\/4s\/8s\n {4}timeout: 5s/);
  assert.match(text, /end \(assertion\) {2}needs: load-data, load_data\n {4}post: kpi \[metric\]/);
  assert.match(text, /order: load-data → load_data → end\n$/);
});

test('json plan carries order, levels and per-step detail', () => {
  const json = planToJson(plan, runbook);
  assert.deepEqual(json.order, ['load-data', 'load_data', 'end']);
  assert.deepEqual(
    json.steps.map((s) => [s.stepId, s.level, s.needs, s.dependants]),
    [
      ['load-data', 0, [], ['load_data', 'end']],
      ['load_data', 1, ['load-data'], ['end']],
      ['end', 2, ['load-data', 'load_data'], []],
    ],
  );
  assert.deepEqual(json.steps[2]!.postconditions, [{ id: 'kpi', type: 'metric' }]);
  assert.equal(json.digest, runbook.source.digest);
});
