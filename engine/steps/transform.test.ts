import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transformStep } from './transform.ts';
import { createCelEngine } from '../runtime/cel.ts';
import { PcqError } from '../base/errors.ts';
import { testContext, testRunbook, testStep } from '../testing/step-test-kit.ts';

const people = [
  { id: 'e3', name: 'Carol', score: 0.4, email: null },
  { id: 'e1', name: 'Alice', score: 0.9, email: 'a@x' },
  { id: 'e2', name: 'Bob', score: 0.9, email: null },
];

test('filter keeps rows whose CEL is true, map projects, sortBy orders with ties kept stable', async () => {
  const step = testStep(
    't',
    'transform',
    {
      filter: 'row.score >= params.min',
      map: { id: 'row.id', label: 'row.name + " <" + (row.email == null ? "?" : row.email) + ">"', score: 'row.score' },
      sortBy: ['-score', 'id'],
    },
    ['q'],
  );
  const result = await transformStep.run(testContext(step, { upstream: { q: people }, params: { min: 0.5 } }));
  assert.deepEqual(result.output, [
    { id: 'e1', label: 'Alice <a@x>', score: 0.9 },
    { id: 'e2', label: 'Bob <?>', score: 0.9 },
  ]);
  assert.deepEqual(result.inputs, people);
});

test('from reads any finished step; sort is locale-free (code units) and puts null first', async () => {
  const step = testStep('t', 'transform', { from: 'a', sortBy: ['name'] }, ['b']);
  const rows = [{ name: 'b' }, { name: 'B' }, { name: null }, { name: 'a' }];
  const result = await transformStep.run(testContext(step, { upstream: { b: [] }, steps: { a: rows, b: [] } }));
  assert.deepEqual(result.output, [{ name: null }, { name: 'B' }, { name: 'a' }, { name: 'b' }]);
});

test('a filter that reads a missing field is a coded PCQ_CEL_EVAL, not a silent drop', async () => {
  const step = testStep('t', 'transform', { filter: 'row.nope > 1.0' }, ['q']);
  await assert.rejects(
    transformStep.run(testContext(step, { upstream: { q: people } })),
    (err: unknown) => err instanceof PcqError && err.code === 'PCQ_CEL_EVAL',
  );
});

test('non-list input is PCQ_STEP_INPUT', async () => {
  const step = testStep('t', 'transform', {}, ['q']);
  await assert.rejects(
    transformStep.run(testContext(step, { upstream: { q: { updated: 2 } } })),
    (err: unknown) => err instanceof PcqError && err.code === 'PCQ_STEP_INPUT',
  );
});

test('check reports every bad expression at its field location and an unknown from', () => {
  const cel = createCelEngine();
  const step = testStep('t', 'transform', { from: 'ghost', filter: 'row.x >', map: { a: 'row.(', b: 'row.b' }, sortBy: 'name' }, ['q']);
  const issues = transformStep.check(step, testRunbook([testStep('q', 'query', {}), step]), cel);
  assert.deepEqual(issues.map((i) => i.code).sort(), ['PCQ_CEL_COMPILE', 'PCQ_CEL_COMPILE', 'PCQ_STEP_CONFIG', 'PCQ_STEP_CONFIG']);
  const filterIssue = issues.find((i) => i.message.includes('`filter`'));
  assert.deepEqual(filterIssue?.location, step.fieldLocations?.['filter']);
  assert.ok(issues.some((i) => i.message.includes('map.a')));
  const ok = testStep('t', 'transform', { filter: 'row.x > 1.0' }, ['q']);
  assert.deepEqual(transformStep.check(ok, testRunbook([ok]), cel), []);
});
