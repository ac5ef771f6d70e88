import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCelEngine } from '../runtime/cel.ts';
import { citationsProver } from './citations.ts';
import { runProver } from './registry.ts';
import { proverContext, proverSpec } from './prover-test-kit.ts';

const cel = createCelEngine();
const claim = (id: string, ...sources: string[]) => ({ id, text: `claim ${id}`, citations: sources.map((s) => ({ source: s, ref: 'p1' })) });
const report = {
  title: 'Weekly report',
  claims: [claim('c1', 'graph:entity/1'), claim('c2'), claim('c3', 'graph:entity/3', 'api.example.com/x'), claim('c4', '  ')],
};
const prove = (config: Record<string, unknown>, output: unknown, steps: Record<string, unknown> = {}) =>
  runProver(proverContext(proverSpec('citations:per-claim', 'citations', config, 'postcondition'), { cel, output, steps }));

test('claims without enough distinct cited sources are named in the evidence', async () => {
  const result = await prove({}, report);
  assert.equal(result.result, 'fail');
  assert.equal(result.evidence, '2 of 4 claims cite fewer than 1 citation: c2, c4');
  assert.deepEqual(result.details, { min: 1, claims: 4, offending: ['c2', 'c4'] });
  const two = await prove({ min: 2 }, report);
  assert.deepEqual((two.details as { offending: string[] }).offending, ['c1', 'c2', 'c4']);
  // The same citation twice is one source, not two.
  const padded = await prove(
    { min: 2 },
    {
      claims: [
        {
          id: 'p',
          citations: [
            { source: 's', ref: 'r' },
            { source: 's', ref: 'r' },
          ],
        },
      ],
    },
  );
  assert.equal(padded.result, 'fail');
});

test('a fully cited report passes; path and from find the claims', async () => {
  const cited = { title: 't', claims: [claim('a', 's1'), claim('b', 's2', 's3')] };
  const direct = await prove({}, cited);
  assert.equal(direct.result, 'pass');
  assert.equal(direct.evidence, 'All 2 claims cite at least 1 citation');
  assert.equal((await prove({ path: 'report' }, { report: cited })).result, 'pass');
  assert.equal((await prove({ path: 'sections.0.claims' }, { sections: [{ claims: cited.claims }] })).result, 'pass');
  assert.equal((await prove({ from: 'build-report' }, undefined, { 'build-report': cited })).result, 'pass');
});

test('missing or empty claims fail: a missing fact never passes', async () => {
  assert.match((await prove({}, { title: 'no claims key' })).evidence, /no claims list in the step output/);
  assert.match((await prove({ path: 'report.claims' }, {})).evidence, /no claims list in the step output at report.claims/);
  assert.match((await prove({}, { claims: [] })).evidence, /has no claims/);
  const junk = await prove({}, { claims: ['text only', null, { id: 9, citations: 'x' }] });
  assert.deepEqual((junk.details as { offending: string[] }).offending, ['#1', '#2', '9']);
});

test('check flags bad min, bad path and a precondition with nothing to read', () => {
  assert.deepEqual(citationsProver.check(proverSpec('c', 'citations', { min: 1 }, 'postcondition'), cel), []);
  const codes = (config: Record<string, unknown>, phase: 'precondition' | 'postcondition' = 'postcondition') =>
    citationsProver.check(proverSpec('c', 'citations', config, phase), cel).map((i) => i.code);
  assert.deepEqual(codes({ min: 0 }), ['PCQ_PROVER_SPEC']);
  assert.deepEqual(codes({ min: 1.5 }), ['PCQ_PROVER_SPEC']);
  assert.deepEqual(codes({ path: '' }), ['PCQ_PROVER_SPEC']);
  assert.deepEqual(codes({}, 'precondition'), ['PCQ_PROVER_SPEC']);
  assert.deepEqual(codes({ from: 'build-report' }, 'precondition'), []);
});
