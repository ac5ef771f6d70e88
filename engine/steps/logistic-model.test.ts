import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transformStep } from './transform.ts';
import { createCelEngine } from '../runtime/cel.ts';
import { PcqError } from '../base/errors.ts';
import { testContext, testRunbook, testStep } from '../testing/step-test-kit.ts';

const model = {
  name: 'pair-logreg',
  version: '1',
  intercept: -2,
  weights: { count: 0.5, same: 1.5 },
  features: { count: 'row.count', same: 'row.same' },
};

test('scores each row with the logistic function before map, and tags the model', async () => {
  const step = testStep('s', 'transform', { model, map: { id: 'row.id', confidence: 'row.confidence', model: 'row.model' } }, ['q']);
  const rows = [
    { id: 'a', count: 4, same: true },
    { id: 'b', count: 0, same: false },
  ];
  const result = await transformStep.run(testContext(step, { upstream: { q: rows } }));
  const sigmoid = (z: number): number => Math.round((1 / (1 + Math.exp(-z))) * 1e6) / 1e6;
  assert.deepEqual(result.output, [
    { id: 'a', confidence: sigmoid(-2 + 0.5 * 4 + 1.5), model: 'pair-logreg@1' },
    { id: 'b', confidence: sigmoid(-2), model: 'pair-logreg@1' },
  ]);
});

test('a feature that is not a number is a coded error', async () => {
  const step = testStep('s', 'transform', { model: { ...model, features: { count: 'row.name', same: 'row.same' } } }, ['q']);
  await assert.rejects(
    transformStep.run(testContext(step, { upstream: { q: [{ name: 'x', same: true }] } })),
    (err: unknown) => err instanceof PcqError && err.code === 'PCQ_MODEL_FEATURE',
  );
});

test('check reports weights without features, features without weights and bad CEL', () => {
  const step = testStep(
    's',
    'transform',
    { model: { name: 'm', version: '1', intercept: 0, weights: { a: 1, b: 2 }, features: { a: 'row.a +', c: 'row.c' } } },
    ['q'],
  );
  const messages = transformStep.check(step, testRunbook([testStep('q', 'query', { cypher: 'RETURN 1' }), step]), createCelEngine()).map((i) => i.message);
  assert.ok(
    messages.some((m) => m.includes('weight "b" has no feature')),
    messages.join('\n'),
  );
  assert.ok(messages.some((m) => m.includes('feature "c" has no weight')));
  assert.ok(messages.some((m) => m.includes('does not compile')));
});

test('output shapes the whole result from the transformed rows', async () => {
  const step = testStep('s', 'transform', { filter: 'row.count > 1.0', output: "{'n': rows.size(), 'ids': rows.map(r, r.id)}" }, ['q']);
  const result = await transformStep.run(
    testContext(step, {
      upstream: {
        q: [
          { id: 'a', count: 4 },
          { id: 'b', count: 1 },
        ],
      },
    }),
  );
  assert.deepEqual(result.output, { n: 1, ids: ['a'] });
});
