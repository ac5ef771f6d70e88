import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertionStep } from './assertion.ts';
import { createCelEngine } from '../runtime/cel.ts';
import { PcqError } from '../base/errors.ts';
import { TableGraphStore, testContext, testRunbook, testStep } from '../testing/step-test-kit.ts';

const COMPLETENESS = 'MATCH (e:Entity) RETURN count(e) as total, count(e.email) as complete';

test('the seed KPI: query row fields are names, metrics computed in order, all asserts hold', async () => {
  const graph = new TableGraphStore({ [COMPLETENESS]: [{ total: 20, complete: 19 }] });
  const step = testStep(
    'check',
    'assertion',
    {
      query: COMPLETENESS,
      metrics: { completeness: 'complete / total', missing: 'total - complete' },
      assert: ['completeness >= 0.95', 'metrics.missing <= 1.0'],
    },
    ['u'],
  );
  const result = await assertionStep.run(testContext(step, { upstream: { u: { updated: 2 } }, ports: { graph } }));
  assert.deepEqual(result.output, { completeness: 0.95, missing: 1 });
  assert.equal(graph.asked.length, 1);
});

test('a failing assert is PCQ_ASSERTION_FAILED naming the expression and the values', async () => {
  const graph = new TableGraphStore({ [COMPLETENESS]: [{ total: 20, complete: 15 }] });
  const step = testStep('check', 'assertion', { query: COMPLETENESS, assert: ['complete / total >= 0.95', 'total > 0.0'] }, []);
  await assert.rejects(assertionStep.run(testContext(step, { ports: { graph } })), (err: unknown) => {
    assert.ok(err instanceof PcqError);
    assert.equal(err.code, 'PCQ_ASSERTION_FAILED');
    assert.match(err.message, /complete \/ total >= 0\.95/);
    assert.match(err.message, /"complete":15/);
    assert.doesNotMatch(err.message, /total > 0\.0/);
    assert.deepEqual(err.location, step.fieldLocations?.['assert']);
    return true;
  });
});

test('an assert over a missing fact fails closed (never passes)', async () => {
  const step = testStep('check', 'assertion', { assert: ['!input.blocked'] }, ['u']);
  await assert.rejects(
    assertionStep.run(testContext(step, { upstream: { u: { updated: 2 } } })),
    (err: unknown) => err instanceof PcqError && err.code === 'PCQ_ASSERTION_FAILED' && /blocked/.test(err.message),
  );
});

test('without query: asserts see the dependency output as input and finished steps as steps', async () => {
  const step = testStep('check', 'assertion', { assert: ['input.updated == 2.0', 'size(steps.q) == 2'] }, ['u']);
  const result = await assertionStep.run(testContext(step, { upstream: { u: { updated: 2 } }, steps: { q: [1, 2], u: { updated: 2 } } }));
  assert.deepEqual(result.output, {});
});

test('check reports bad CEL in metrics and assert, and a non-string query', () => {
  const cel = createCelEngine();
  const step = testStep('check', 'assertion', { query: 3, metrics: { a: 'x +' }, assert: ['y ==', 'z'] }, []);
  const codes = assertionStep
    .check(step, testRunbook([step]), cel)
    .map((i) => i.code)
    .sort();
  assert.deepEqual(codes, ['PCQ_CEL_COMPILE', 'PCQ_CEL_COMPILE', 'PCQ_STEP_CONFIG']);
});
