// The verdict rule (manifest-facts.ts) on every case the issue names, and the facts of a genuine
// sealed manifest; a hostile manifest is a problem string, never a throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manifestFacts, verdictFrom, type ScoreDecision, type ScoreProver, type StepFact } from './manifest-facts.ts';
import { sampleRun } from '../proof/sample-run.fixture.ts';

const step = (status: string): StepFact => ({ stepId: 's', status, artifacts: [] });
const proof = (phase: ScoreProver['phase'], result: ScoreProver['result']): ScoreProver => ({
  stepId: 's',
  phase,
  prover: 'p',
  type: 'metric',
  result,
  evidence: 'e',
});
const decision = (d: ScoreDecision['decision']): ScoreDecision => ({
  decision: d,
  reviewer: 'ombuds-bob',
  at: '2026-01-01T00:00:00Z',
  source: { kind: 'local' },
});

test('verdictFrom: pass, failed, blocked, approved, rejected; request-info decides nothing; the first final decision stands', () => {
  assert.equal(verdictFrom([step('succeeded')], [proof('postcondition', 'pass')], []), 'pass');
  assert.equal(verdictFrom([step('failed')], [], []), 'failed');
  assert.equal(verdictFrom([step('failed')], [proof('precondition', 'fail')], []), 'blocked', 'a failed precondition opens a review');
  assert.equal(verdictFrom([step('failed')], [proof('precondition', 'fail')], [decision('reject')]), 'rejected');
  assert.equal(verdictFrom([step('succeeded')], [proof('postcondition', 'fail')], []), 'blocked');
  assert.equal(verdictFrom([step('succeeded')], [proof('postcondition', 'fail')], [decision('request-info')]), 'blocked');
  assert.equal(verdictFrom([step('succeeded')], [proof('postcondition', 'fail')], [decision('request-info'), decision('approve')]), 'approved');
  assert.equal(verdictFrom([step('succeeded')], [proof('postcondition', 'fail')], [decision('reject'), decision('approve')]), 'rejected');
  assert.equal(verdictFrom([step('failed')], [proof('postcondition', 'fail')], []), 'blocked', 'a failed prover blocks whatever fails downstream');
  assert.equal(verdictFrom([step('failed')], [proof('postcondition', 'fail')], [decision('approve')]), 'approved', 'the review decides it');
  assert.equal(verdictFrom([step('failed')], [proof('postcondition', 'pass')], [decision('approve')]), 'failed', 'no prover failed: nothing to review');
  assert.equal(verdictFrom([step('succeeded')], [], [decision('reject')]), 'pass', 'reviews only decide blocked runs');
});

test('manifestFacts reads a genuine manifest and refuses hostile shapes with a problem', async () => {
  const { manifest } = await sampleRun({ steps: 3 });
  const facts = manifestFacts(JSON.parse(JSON.stringify(manifest)));
  assert.ok(!('problem' in facts));
  assert.equal(facts.verdict, 'pass');
  assert.equal(facts.provers.length, 3);
  assert.deepEqual(
    facts.steps.map((s) => s.status),
    ['succeeded', 'succeeded', 'succeeded'],
  );
  for (const bad of [
    null,
    [],
    'x',
    { ...manifest, steps: 'no' },
    { ...manifest, actor: 1 },
    { ...manifest, steps: [{ stepId: 's', proofs: {} }] },
    { ...manifest, steps: [{ ...manifest.steps[0], attestation: { payload: '!!' } }] },
    { ...manifest, reviews: [{ payload: 'e30=' }] },
  ]) {
    const r = manifestFacts(bad);
    assert.ok('problem' in r, JSON.stringify(bad)?.slice(0, 80));
  }
});
