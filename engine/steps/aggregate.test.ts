import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateStep } from './aggregate.ts';
import { createCelEngine } from '../runtime/cel.ts';
import { PcqError } from '../base/errors.ts';
import { testContext, testRunbook, testStep } from '../testing/step-test-kit.ts';

const entities = [
  { id: 'e1', kind: 'person', country: 'NL', score: 3, email: 'a@x' },
  { id: 'e2', kind: 'org', country: 'DE', score: 5, email: null },
  { id: 'e3', kind: 'person', country: 'DE', score: 1, email: 'c@x' },
  { id: 'e4', kind: 'person', country: 'NL', score: 2, email: null },
];
const metrics = {
  total: { op: 'count' },
  complete: { op: 'count', field: 'email' },
  high: { op: 'count', where: 'row.score >= 3.0' },
  sum: { op: 'sum', field: 'score' },
  avg: { op: 'avg', field: 'score' },
  min: { op: 'min', field: 'score' },
  max: { op: 'max', field: 'id' },
  countries: { op: 'countDistinct', field: 'country' },
};

test('ungrouped metrics over all rows', async () => {
  const step = testStep('a', 'aggregate', { metrics }, ['q']);
  const { output } = await aggregateStep.run(testContext(step, { upstream: { q: entities } }));
  assert.deepEqual(output, { total: 4, complete: 2, high: 2, sum: 11, avg: 2.75, min: 1, max: 'e4', countries: 2 });
});

test('grouped output is one row per group, sorted by key whatever the input order', async () => {
  const step = testStep('a', 'aggregate', { groupBy: ['kind', 'country'], metrics: { n: { op: 'count' }, sum: { op: 'sum', field: 'score' } } }, ['q']);
  const expected = [
    { kind: 'org', country: 'DE', n: 1, sum: 5 },
    { kind: 'person', country: 'DE', n: 1, sum: 1 },
    { kind: 'person', country: 'NL', n: 2, sum: 5 },
  ];
  const forward = await aggregateStep.run(testContext(step, { upstream: { q: entities } }));
  const backward = await aggregateStep.run(testContext(step, { upstream: { q: [...entities].reverse() } }));
  assert.deepEqual(forward.output, expected);
  assert.deepEqual(backward.output, expected);
});

test('empty input: counts are 0, avg/min/max are null', async () => {
  const step = testStep('a', 'aggregate', { metrics }, ['q']);
  const { output } = await aggregateStep.run(testContext(step, { upstream: { q: [] } }));
  assert.deepEqual(output, { total: 0, complete: 0, high: 0, sum: 0, avg: null, min: null, max: null, countries: 0 });
});

test('sum over a string is PCQ_AGGREGATE_TYPE at the metrics field', async () => {
  const step = testStep('a', 'aggregate', { metrics: { s: { op: 'sum', field: 'id' } } }, ['q']);
  await assert.rejects(
    aggregateStep.run(testContext(step, { upstream: { q: entities } })),
    (err: unknown) => err instanceof PcqError && err.code === 'PCQ_AGGREGATE_TYPE' && err.location?.line === step.fieldLocations?.['metrics']?.line,
  );
});

test('check: unknown op, missing field, bad where, missing metrics', () => {
  const cel = createCelEngine();
  const bad = testStep(
    'a',
    'aggregate',
    { groupBy: 'kind', metrics: { x: { op: 'median', field: 'a' }, y: { op: 'sum' }, z: { op: 'count', where: 'row.a ==' } } },
    ['q'],
  );
  assert.deepEqual(
    aggregateStep
      .check(bad, testRunbook([bad]), cel)
      .map((i) => i.code)
      .sort(),
    ['PCQ_CEL_COMPILE', 'PCQ_STEP_CONFIG', 'PCQ_STEP_CONFIG', 'PCQ_STEP_CONFIG'],
  );
  const none = testStep('a', 'aggregate', {}, ['q']);
  assert.equal(aggregateStep.check(none, testRunbook([none]), cel)[0]?.code, 'PCQ_STEP_CONFIG');
  const good = testStep('a', 'aggregate', { metrics }, ['q']);
  assert.deepEqual(aggregateStep.check(good, testRunbook([good]), cel), []);
});
